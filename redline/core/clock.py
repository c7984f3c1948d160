"""The one place redline reads the time, and the one timestamp format it writes.

Timestamps are ISO 8601 UTC with a ``Z`` and whole seconds (``2026-11-25T22:00:00Z``), so they sort
as text and SQL comparisons on them are correct.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redline.core.errors import InvalidTime

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: Exchange times (request sent, response complete) keep microseconds: an archive needs the
#: order and spacing of requests, and WARC 1.1 dates carry sub-second precision.
PRECISE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now_iso() -> str:
    """The current time as a redline timestamp."""
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)


def now_precise() -> str:
    """The current time with microseconds (``2026-11-25T22:00:00.123456Z``), for exchange times."""
    return datetime.now(UTC).strftime(PRECISE_FORMAT)


def to_iso(moment: datetime) -> str:
    """Format an aware datetime as a redline timestamp (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_iso(timestamp: str) -> datetime:
    """Read a timestamp redline wrote (``2026-11-25T22:00:00Z``) back as an aware datetime."""
    return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def parse_user_time(text: str) -> str:
    """Read a user's ISO 8601 date or time (``2026-11-25``, ``…T22:00``, ``…+03:00``) as a timestamp."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidTime(
            f"{text!r} is not an ISO 8601 time: write it like 2026-11-25 or 2026-11-25T22:00:00Z"
        ) from None
    return to_iso(moment)
