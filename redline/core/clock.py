"""The one place redline reads the time, and the one timestamp format it writes.

Timestamps are ISO 8601 UTC with milliseconds and a ``Z`` (``2026-11-25T22:00:00.123Z``), so they sort
as text and SQL comparisons on them are correct. Databases written before 0.2 hold whole seconds
(``2026-11-25T22:00:00Z``); both forms are read, and they sort correctly against each other except
within one and the same second.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redline.core.errors import InvalidTime

#: What :func:`to_iso` writes, before the microseconds are cut to milliseconds.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: What earlier versions wrote (whole seconds), still read.
WHOLE_SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now_iso() -> str:
    """The current time as a redline timestamp."""
    return to_iso(datetime.now(UTC))


def precise(moment: datetime) -> str:
    """An aware datetime with microseconds: exchange times (request sent, response complete) keep
    them, since an archive needs the order and spacing of requests and WARC 1.1 dates carry them."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def to_iso(moment: datetime) -> str:
    """Format an aware datetime as a redline timestamp (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return text[:-4] + "Z"  # microseconds → milliseconds


def parse_iso(timestamp: str) -> datetime:
    """Read a timestamp redline wrote (``2026-11-25T22:00:00Z``) back as an aware datetime."""
    form = TIMESTAMP_FORMAT if "." in timestamp else WHOLE_SECONDS_FORMAT
    return datetime.strptime(timestamp, form).replace(tzinfo=UTC)


def parse_user_time(text: str) -> str:
    """Read a user's ISO 8601 date or time (``2026-11-25``, ``…T22:00``, ``…+03:00``) as a timestamp."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidTime(
            f"{text!r} is not an ISO 8601 time: write it like 2026-11-25 or 2026-11-25T22:00:00Z"
        ) from None
    return to_iso(moment)
