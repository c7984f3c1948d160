"""The recheck policy with a fake clock: intervals by age, sooner after a change, retirement."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from redline.core.policy import DAY, HOUR, JITTER_FRACTION, MINUTE, Policy, next_check

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _interval(policy: Policy, age: timedelta, since_change: timedelta | None = None) -> float | None:
    now = T0 + age
    when = next_check(policy, first_seen=T0, now=now, rng=random.Random(0),
                      last_changed=now - since_change if since_change is not None else None)
    return None if when is None else (when - now).total_seconds()


@pytest.mark.parametrize(("age", "expected"), [
    (timedelta(minutes=1), 15 * MINUTE),
    (timedelta(hours=2, minutes=59), 15 * MINUTE),
    (timedelta(hours=3), HOUR),
    (timedelta(hours=23), HOUR),
    (timedelta(days=2), 6 * HOUR),
    (timedelta(days=10), DAY),
    (timedelta(days=45), 7 * DAY),
    (timedelta(days=89), 7 * DAY),
])
def test_interval_backs_off_with_age(age, expected):
    got = _interval(Policy(), age)
    assert got == pytest.approx(expected, rel=JITTER_FRACTION)


def test_retired_after_stop_after():
    assert _interval(Policy(), timedelta(days=90)) is None
    assert _interval(Policy(stop_after=10 * DAY), timedelta(days=11)) is None


def test_a_recent_change_brings_the_fast_schedule_back():
    assert _interval(Policy(), timedelta(days=20), since_change=timedelta(minutes=5)) == pytest.approx(
        15 * MINUTE, rel=JITTER_FRACTION)
    # an article edited on day 80 is not retired on day 91
    assert _interval(Policy(), timedelta(days=91), since_change=timedelta(days=11)) == pytest.approx(
        DAY, rel=JITTER_FRACTION)


def test_jitter_spreads_checks_within_bounds():
    gaps = {_gap(seed) for seed in range(50)}
    assert len(gaps) > 40
    assert all(abs(gap - 15 * MINUTE) <= JITTER_FRACTION * 15 * MINUTE for gap in gaps)


def _gap(seed: int) -> float:
    when = next_check(Policy(), first_seen=T0, last_changed=None, now=T0, rng=random.Random(seed))
    assert when is not None
    return (when - T0).total_seconds()


def test_overrides():
    policy = Policy().with_overrides({"fresh": 5 * MINUTE, "stop_after": 30 * DAY})
    assert _interval(policy, timedelta(minutes=1)) == pytest.approx(5 * MINUTE, rel=JITTER_FRACTION)
    assert _interval(policy, timedelta(days=31)) is None
