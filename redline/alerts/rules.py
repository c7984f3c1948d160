"""Which change goes to whom: checking the ``[[alerts]]`` rules and matching changes against them.

Rules are matched when a sender routes the outbox, not when the change is recorded: the crawl
never needs the rules, and a rule edited between runs applies to every change not yet routed.
Matching is pure (a change dict from :func:`redline.storage.outbox.change_details` and a rule).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from redline.alerts import sender
from redline.core.config import AlertRule, Config
from redline.core.errors import ConfigError
from redline.core.clock import parse_iso
from redline.storage.differ import excerpt, word_diff
from redline.storage.outbox import Item

#: Kinds that are never "small": a removal or a return has no word count to compare.
ALWAYS_COUNT = frozenset({"headline", "removed", "restored"})

#: A change detected longer ago than this when it is routed is not alerted (it stays in
#: `redline changes` and the feed). Routing normally follows detection within minutes; two days
#: covers a sender that was down over a weekend, yet keeps the first rule a user adds (changes
#: wait in the outbox while there is none) from flooding its targets with last month's changes.
STALE_AFTER_S = 2 * 86400.0


@dataclass(frozen=True)
class Target:
    """One notify URL of the configuration."""

    id: str
    url: str
    label: str


def validate_rules(config: Config) -> None:
    """Check every notify URL with Apprise; a bad one is a :class:`ConfigError` naming its key."""
    for rule in config.alerts:
        for j, url in enumerate(rule.notify):
            reason = sender.problem(url)
            if reason:
                raise ConfigError(f"{config.path}: {rule.key}.notify[{j}] is not a notify URL Apprise can use "
                                  f"({reason})")


def targets(config: Config) -> dict[str, Target]:
    """Every distinct notify URL of the configuration, by target id, in the order written."""
    found: dict[str, Target] = {}
    for rule in config.alerts:
        for url in rule.notify:
            tid = sender.target_id(url)
            if tid not in found:
                found[tid] = Target(tid, url, sender.label(url))
    return found


def matches(rule: AlertRule, change: dict) -> bool:
    """Whether ``change`` is one ``rule`` asks to hear about."""
    kinds = set(change["kinds"])
    if not kinds & set(rule.kinds):
        return False
    if rule.outlets and change["outlet"] not in rule.outlets:
        return False
    if change["reverts_to"] is not None and not rule.flip_flops:
        return False
    words = change["words_added"] + change["words_removed"]
    if not kinds & ALWAYS_COUNT and words < rule.min_words:
        return False
    return not rule.keywords or _mentions(changed_text(change), rule.keywords)


def changed_text(change: dict) -> str:
    """What keywords are looked for in: both headlines, and the body's changed passages with the
    few words around them (the differ's excerpt, uncut), before and after the change, so that a
    phrase like "29 to 20" matches where only the numbers changed."""
    before, after = change["body_before"] or "", change["body_after"] or ""
    segments = excerpt(word_diff(before, after), max_chars=sys.maxsize) if before and after else []
    sides = ["".join(s.text for s in segments if s.op != skipped) for skipped in ("insert", "delete")]
    return "\n".join(filter(None, [change["headline_before"], change["headline_after"], *sides]))


def items_for(config: Config, change: dict, known: dict[str, Target], now: str) -> list[Item]:
    """The (change, target) pairs the rules ask for (none for a change older than
    ``STALE_AFTER_S``); a target named by several rules gets the first rule's treatment (the
    outbox keeps one item per change and target)."""
    if (parse_iso(now) - parse_iso(change["detected_at"])).total_seconds() > STALE_AFTER_S:
        return []
    items: dict[str, Item] = {}
    for rule in config.alerts:
        if not matches(rule, change):
            continue
        for url in rule.notify:
            target = known[sender.target_id(url)]
            items.setdefault(target.id, Item(change["id"], target.id, target.label, rule.key, rule.digest,
                                             rule.give_up_after))
    return list(items.values())


def _mentions(text: str, keywords: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(keyword.casefold() in folded for keyword in keywords)
