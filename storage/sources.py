"""Discovery sources (feeds, sitemaps, section pages): validators, last answer, failure streak.

The discovery spider reads validators from here to make conditional requests; the discovery
pipeline records every answer. Validators are replaced only by a successful read, so a broken
feed is fetched in full (and reported) until it is readable again, and a 304 never hides a
source whose last read failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlite_utils


class SourceAnswer(Protocol):
    """One read of a source, as the crawler reports it (``crawler.items.SourceChecked``)."""

    outlet: str
    url: str
    kind: str
    checked_at: str
    outcome: str  # ok, not_modified, error
    status: int | None
    error: str | None
    etag: str | None
    last_modified: str | None
    links_found: int


@dataclass(frozen=True)
class Validators:
    """What a conditional request to one source sends (``If-None-Match`` / ``If-Modified-Since``)."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class SourceFailure:
    """A source whose last read failed: for ``redline status``'s "recent failures"."""

    outlet: str
    url: str
    kind: str
    checked_at: str
    error: str
    streak: int
    last_ok_at: str | None


def validators(db: sqlite_utils.Database, outlets: list[str]) -> dict[tuple[str, str], Validators]:
    """Validators of every source of ``outlets`` that has any, keyed by ``(outlet, url)``."""
    marks = ", ".join("?" for _ in outlets)
    rows = db.execute(
        f"SELECT outlet, url, etag, last_modified FROM sources WHERE outlet IN ({marks}) "
        "AND (etag IS NOT NULL OR last_modified IS NOT NULL)",
        outlets,
    )
    return {(outlet, url): Validators(etag, modified) for outlet, url, etag, modified in rows}


def record_source(db: sqlite_utils.Database, check: SourceAnswer, links_new: int) -> None:
    """Record one read of a source (``links_new``: how many of its links were new articles)."""
    ok = check.outcome == "ok"
    failed = check.outcome == "error"
    db.execute(
        """
        INSERT INTO sources (outlet, url, kind, etag, last_modified, last_checked_at, last_outcome,
                             last_status, last_error, last_ok_at, failure_streak, links_found, links_new)
        VALUES (:outlet, :url, :kind, :etag, :modified, :at, :outcome, :status, :error,
                CASE WHEN :failed THEN NULL ELSE :at END, :failed, :found, :new)
        ON CONFLICT (outlet, url) DO UPDATE SET
            kind = excluded.kind,
            etag = CASE WHEN :ok THEN excluded.etag ELSE sources.etag END,
            last_modified = CASE WHEN :ok THEN excluded.last_modified ELSE sources.last_modified END,
            last_checked_at = excluded.last_checked_at,
            last_outcome = excluded.last_outcome,
            last_status = excluded.last_status,
            last_error = excluded.last_error,
            last_ok_at = CASE WHEN :failed THEN sources.last_ok_at ELSE excluded.last_checked_at END,
            failure_streak = CASE WHEN :failed THEN sources.failure_streak + 1 ELSE 0 END,
            links_found = CASE WHEN :ok THEN excluded.links_found ELSE sources.links_found END,
            links_new = CASE WHEN :ok THEN excluded.links_new ELSE sources.links_new END
        """,
        {"outlet": check.outlet, "url": check.url, "kind": check.kind,
         "etag": check.etag if ok else None, "modified": check.last_modified if ok else None,
         "at": check.checked_at, "outcome": check.outcome, "status": check.status,
         "error": check.error, "ok": ok, "failed": failed, "found": check.links_found,
         "new": links_new},
    )


def failing_sources(db: sqlite_utils.Database) -> list[SourceFailure]:
    """Sources whose last read failed, the longest-failing first."""
    rows = db.execute(
        "SELECT outlet, url, kind, last_checked_at, last_error, failure_streak, last_ok_at FROM sources "
        "WHERE last_outcome = 'error' ORDER BY failure_streak DESC, outlet, url"
    )
    return [SourceFailure(*row) for row in rows]
