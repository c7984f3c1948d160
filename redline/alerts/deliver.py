"""One delivery pass over the outbox: route new changes, seal messages, try each due delivery once.

:func:`deliver_due` is what ``redline alerts send``, the end of ``redline crawl --once`` and the
daemon call. Every step commits on its own, so a pass can be killed anywhere:

- killed while routing or sealing: the transaction rolls back and the next pass redoes it;
- killed mid-send: the delivery was claimed first (its next attempt pushed past the back-off),
  so it is sent again after the back-off under the same idempotency key;
- after a confirmed send the ``sent`` state is committed at once, before anything else.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlite_utils

from redline.alerts import message, rules, sender
from redline.core import environ
from redline.core.config import Config
from redline.storage import outbox
from redline.core.clock import now_iso, parse_iso, to_iso
from redline.storage.db import open_database, translate_errors

log = logging.getLogger(__name__)

#: First wait after a failed attempt, doubled per attempt up to MAX_BACKOFF_S: 30 s rides out a
#: webhook's restart without hammering it. ``REDLINE_ALERT_BACKOFF_S`` changes it (tests use 1 s).
BACKOFF_S = 30.0

#: Changes whose two texts are held at once while routing (rules may match words in them): a
#: routing batch (``outbox.ROUTE_BATCH``, 200) of live blogs would otherwise hold 400 whole texts.
DETAILS_AT_ONCE = 20
#: Longest wait between attempts: an outage of a day costs ~24 attempts, and a receiver that
#: comes back hears from redline within the hour.
MAX_BACKOFF_S = 3600.0


@dataclass
class DeliveryReport:
    """What one pass did; ``deferred`` deliveries were due but the time budget ran out."""

    routed: int = 0
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    #: Deliveries waiting for a retry after this pass, and when the first is due.
    waiting: int = 0
    next_attempt_at: str | None = None

    @property
    def busy(self) -> bool:
        """Whether the pass found anything to do."""
        return any((self.routed, self.queued, self.sent, self.retrying, self.gave_up, self.deferred))

    def summary(self) -> str:
        """``alerts: 2 sent, 1 failed (will retry)``: the counts that are not zero."""
        parts = [(self.sent, "sent"), (self.retrying, "failed (will retry)"), (self.gave_up, "failed (gave up)"),
                 (self.deferred, "left for the next run")]
        shown = [f"{count} {what}" for count, what in parts if count]
        if not shown and self.waiting:
            return (f"alerts: nothing due now; {self.waiting} waiting for a retry, the first at "
                    f"{self.next_attempt_at} (`redline alerts retry` sends now)")
        return f"alerts: {', '.join(shown) if shown else 'nothing to send'}"


def deliver_due(db_path: str, config: Config, *, time_budget: float) -> DeliveryReport:
    """Route, seal and make one attempt per due delivery, starting no attempt after ``time_budget``
    seconds (one already started runs to its own timeout: 4 s for webhooks, 15 s for email).

    Opens its own connection, so it is safe to call from a worker thread. Without any
    ``[[alerts]]`` rule the outbox is left alone: changes wait for rules (see :func:`_route`).
    """
    deadline = time.monotonic() + time_budget
    report = DeliveryReport()
    db = open_database(db_path, create=False)
    try:
        with translate_errors(db_path):
            known = rules.targets(config)
            _route(db, config, known, report)
            _seal(db, report, config.base_url)
            for delivery in outbox.due(db, now_iso()):
                if time.monotonic() >= deadline:
                    report.deferred += 1
                else:
                    _attempt(db, delivery, known, report)
            report.waiting, report.next_attempt_at = outbox.waiting(db, now_iso())
    finally:
        db.close()
    return report


def _route(db: sqlite_utils.Database, config: Config, known: dict[str, rules.Target],
           report: DeliveryReport) -> None:
    """Match every unrouted change against today's rules. With no rule configured the changes
    are left waiting (a missing config file must not drop alerts); see ``rules.STALE_AFTER_S``."""
    if not config.alerts:
        return
    while ids := outbox.unrouted(db):
        now = now_iso()
        items = [item for start in range(0, len(ids), DETAILS_AT_ONCE)
                 for change in outbox.change_details(db, ids[start:start + DETAILS_AT_ONCE])
                 for item in rules.items_for(config, change, known, now)]
        outbox.route(db, ids, items, now)
        report.routed += len(ids)


def _seal(db: sqlite_utils.Database, report: DeliveryReport, base_url: str | None) -> None:
    """Turn open items into messages: each at once, or a digest when its window has passed."""
    now = now_iso()
    groups: dict[tuple[str, float | None], list[dict]] = {}
    for item in outbox.open_items(db):
        groups.setdefault((item["target"], item["digest_seconds"]), []).append(item)
    for (target, window), items in groups.items():
        if window is None:
            batches = [[item] for item in items]
        elif parse_iso(items[0]["created_at"]) + timedelta(seconds=window) <= parse_iso(now):
            batches = [items]
        else:
            continue
        for batch in batches:
            changes = _spelled_out(db, [item["change_id"] for item in batch])
            if not changes:
                continue
            title, body = message.digest(changes, base_url)
            give_up = max(item["give_up_seconds"] for item in batch)
            sealed = outbox.NewDelivery(
                key=f"redline-{uuid.uuid4()}", target=target, target_label=batch[0]["target_label"],
                rule=batch[0]["rule"], title=title, body=body, give_up_seconds=give_up,
                item_ids=tuple(item["id"] for item in batch),
            )
            report.queued += outbox.seal(db, sealed, now, _later(now, give_up))


def _spelled_out(db: sqlite_utils.Database, change_ids: list[int]) -> list[dict]:
    """The changes of one message, with both texts only for those the message spells out
    (``message.MAX_DIGEST_CHANGES``, oldest first): a digest of a burst stays small in memory."""
    changes = outbox.change_details(db, change_ids, bodies=len(change_ids) <= message.MAX_DIGEST_CHANGES)
    if len(changes) > message.MAX_DIGEST_CHANGES:
        shown = outbox.change_details(db, [change["id"] for change in changes[:message.MAX_DIGEST_CHANGES]])
        changes[:len(shown)] = shown
    return changes


def _attempt(db: sqlite_utils.Database, delivery: dict, known: dict[str, rules.Target],
             report: DeliveryReport) -> None:
    now = now_iso()
    if not outbox.claim(db, delivery["id"], now, _later(now, backoff(delivery["attempts"] + 1))):
        return  # another sender took it
    target = known.get(delivery["target"])
    if target is None:
        error: str | None = "its notify URL is no longer in the configuration"
    else:
        error = sender.send(target.url, delivery["key"], delivery["title"], delivery["body"])
    if error is None:
        outbox.mark_sent(db, delivery["id"], now_iso())
        report.sent += 1
        log.info("alert %d sent to %s", delivery["id"], delivery["target_label"])
        return
    give_up = target is None or now_iso() >= delivery["give_up_at"]
    outbox.mark_failed_attempt(db, delivery["id"], error, give_up=give_up)
    report.errors.append(f"{delivery['target_label']}: {error}")
    if give_up:
        report.gave_up += 1
        log.warning("alert %d to %s failed, giving up (`redline alerts retry` tries again): %s",
                    delivery["id"], delivery["target_label"], error)
    else:
        report.retrying += 1
        log.warning("alert %d to %s failed (attempt %d, will retry): %s",
                    delivery["id"], delivery["target_label"], delivery["attempts"] + 1, error)


def backoff(attempt: int) -> float:
    """Seconds to wait after the ``attempt``-th attempt (1-based) before the next one."""
    first = environ.number("REDLINE_ALERT_BACKOFF_S", BACKOFF_S)
    return min(first * 2 ** min(attempt - 1, 32), MAX_BACKOFF_S)  # 2**32: far past the cap, no overflow


def _later(now: str, seconds: float) -> str:
    return to_iso(parse_iso(now) + timedelta(seconds=seconds))
