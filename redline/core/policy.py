"""When to look at an article again: a pure function of its age, its last change and the clock.

Stories change most in their first hours (corrections, updated figures, softened headlines) and
rarely after a month, so rechecks back off with age. The defaults follow what news-diff trackers
converged on (NewsDiffs: 15 min while fresh, hourly to a day, every few hours to a week, then
rarely; NewsSniffer drops articles after ~40 days) with a longer tail for removals:

=========================  ==========  ==================
age of the article          interval    config key
=========================  ==========  ==================
under 3 hours               15 minutes  ``fresh``
under 24 hours              1 hour      ``day``
under 7 days                6 hours     ``week``
under 30 days               1 day       ``month``
until ``stop_after``        1 week      ``later``
after ``stop_after`` (90d)  never       (article retired)
=========================  ==========  ==================

An article that just changed is checked sooner again: the interval is the shorter of the one for
its age and the one for the time since its last change, so an edit restarts the fast schedule.
Jitter spreads checks so that articles discovered together do not stay in lock-step forever.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta

from redline.core.clock import parse_iso, to_iso
from redline.core.config import Config

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR

#: ± fraction of the interval added at random: 10% is enough to de-synchronise batches while
#: keeping "every 15 minutes" recognisably 13.5–16.5 minutes.
JITTER_FRACTION = 0.1


@dataclass(frozen=True)
class Policy:
    """Recheck intervals (seconds) by age tier; every field can be overridden in ``[schedule]``."""

    fresh: float = 15 * MINUTE
    day: float = HOUR
    week: float = 6 * HOUR
    month: float = DAY
    later: float = 7 * DAY
    stop_after: float = 90 * DAY

    def with_overrides(self, overrides: dict[str, float]) -> Policy:
        """This policy with some intervals replaced (keys are the field names)."""
        return replace(self, **overrides) if overrides else self

    def interval(self, age: float) -> float:
        """The recheck interval for something ``age`` seconds old."""
        for limit, every in ((3 * HOUR, self.fresh), (DAY, self.day), (7 * DAY, self.week), (30 * DAY, self.month)):
            if age < limit:
                return every
        return self.later


def policies_by_outlet(config: Config) -> dict[str | None, Policy]:
    """The policy per outlet name (``None``: articles of no configured outlet), with overrides."""
    default = Policy().with_overrides(config.schedule)
    chosen: dict[str | None, Policy] = {None: default}
    for outlet in config.outlets:
        chosen[outlet.name] = default.with_overrides(outlet.schedule)
    return chosen


def discover_max_ages(config: Config) -> dict[str, float]:
    """How old (seconds) a feed or sitemap entry may be for discovery to take it, by outlet name.

    ``discover_max_age`` of the outlet, else of the file, else the outlet's ``stop_after``: redline
    watches an article for that long, so an entry last changed longer ago is past the age it cares
    about, and a 10-year sitemap archive is not tracked wholesale.
    """
    policies = policies_by_outlet(config)
    return {outlet.name: outlet.discover_max_age or config.discover_max_age or policies[outlet.name].stop_after
            for outlet in config.outlets}


#: Names accepted in ``[schedule]`` tables of the config.
SCHEDULE_KEYS = tuple(f.name for f in fields(Policy))


def next_check(
    policy: Policy,
    *,
    first_seen: datetime,
    last_changed: datetime | None,
    now: datetime,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to check next, or None when the article is past ``stop_after`` and should retire.

    Age counts from when redline first saw the article; a change counts as a fresh start both for
    the interval and for retirement, so a story edited on day 80 is watched closely again.
    """
    since_first = max((now - first_seen).total_seconds(), 0.0)
    since_change = max((now - last_changed).total_seconds(), 0.0) if last_changed else since_first
    if min(since_first, since_change) >= policy.stop_after:
        return None
    every = min(policy.interval(since_first), policy.interval(since_change))
    jitter = (rng or random).uniform(-JITTER_FRACTION, JITTER_FRACTION) * every
    return now + timedelta(seconds=every + jitter)


def next_check_at(policies: dict[str | None, Policy], *, outlet: str | None, added_at: str,
                  last_changed_at: str | None, checked_at: str) -> str | None:
    """:func:`next_check` on redline timestamps, with the policy of the article's outlet."""
    when = next_check(
        policies.get(outlet) or policies[None], first_seen=parse_iso(added_at), now=parse_iso(checked_at),
        last_changed=parse_iso(last_changed_at) if last_changed_at else None,
    )
    return to_iso(when) if when else None


def fingerprint(policies: dict[str | None, Policy]) -> str:
    """A text that changes when any outlet's intervals change (stored, to reschedule on change)."""
    return json.dumps({str(name): asdict(policy) for name, policy in policies.items()}, sort_keys=True)
