"""Change alerts: ``[[alerts]]`` rules, messages, and delivery through Apprise from a durable outbox.

How an alert travels (tables in ``storage/outbox.py``):

    change recorded ──(same transaction)──► outbox row
    deliver_due: route  (rules of the moment) ──► alert_items: (change, target) pairs
                 seal   (at once, or per digest window) ──► deliveries: one message, one key
                 attempt (claim → Apprise → sent | retry with back-off | failed after give_up_after)

Modules: ``rules`` (checking and matching rules), ``message`` (the text), ``sender`` (Apprise),
``deliver`` (the pass). Nothing is imported here, so that the Atom writer can use ``message``
without loading the delivery pass (commands that send nothing start faster).
"""
