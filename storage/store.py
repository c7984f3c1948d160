"""The storage seam: what redline asks of a database, and the embedded SQLite store that answers.

Everything above storage (the crawler's pipelines, the scheduler's passes, the application
facade) talks to a :class:`Store`, never to SQL or a connection. The protocol is small on purpose:

- **the frontier**: track URLs, the queue of due articles, how many are due;
- **recording**: one fetch's observation (with its next check) in one transaction; one batch of
  discovered links with the reads of their sources; plain "checked, unchanged" rows (a 304, the
  same bytes, new bytes around the latest version's exact content) may be *deferred* and
  committed in batches (see :data:`DEFERRED_CHECKS_MAX`);
- **reading**: history, changes, version pairs, status, and the web view's browsing queries.

:class:`SQLiteStore` is the embedded default (one file, one writing process at a time, guarded by
the scheduler's lock). A shared backend for several machines (PostgreSQL) would implement the
same methods: :meth:`Store.due_targets` as leases taken with ``FOR UPDATE SKIP LOCKED`` and
ended by :meth:`Store.record_check`, per-host politeness kept in a table all nodes read, the
recording methods as the same single transactions. Nothing above this module would change.
The alert outbox (``storage/outbox.py``) is SQLite-only for now and reached through
:attr:`SQLiteStore.db` by the alert sender.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import sqlite_utils

from redline.core.clock import to_iso
from redline.storage import articles, browse, chain, outbox, queries, record, sources, titles
from redline.storage.articles import FetchTarget, ScheduleFacts, Tracked
from redline.storage.db import open_database, translate_errors
from redline.storage.record import Extracted, Fetch, Recorded

__all__ = [
    "Blocked", "FetchFailed", "NextCheck", "Observation", "PageMissing", "PageRead", "SQLiteStore", "SameBytes",
    "StatusCounts", "Store", "open_reader", "open_store",
]


@dataclass(frozen=True)
class FetchFailed:
    """No article came of the fetch: network error, 5xx, robots.txt, not HTML, no text."""

    error: str


@dataclass(frozen=True)
class PageMissing:
    """The page answered 404 or 410."""


@dataclass(frozen=True)
class Blocked:
    """The outlet refused redline (403, 429, 451, a bot challenge or consent wall): the answer is
    kept for inspection, and it is neither a version nor a step towards removal."""

    reason: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class SameBytes:
    """A 304, or a body whose bytes hash to those the latest version was read from."""


@dataclass(frozen=True)
class PageRead:
    """A page with an article in it, and the raw bytes it was read from."""

    article: Extracted
    raw: bytes


Observation = FetchFailed | PageMissing | Blocked | SameBytes | PageRead

#: Decides an article's next check from its facts and the check's time: a timestamp, or None to
#: retire it. The scheduler's policy supplies it; storage only stores the answer.
NextCheck = Callable[[ScheduleFacts, str], "str | None"]


#: Deferred "checked, unchanged" rows are committed once this many wait, or once the oldest has
#: waited :data:`DEFERRED_CHECKS_MAX_AGE_S`, whichever comes first, and whenever anything else is
#: recorded (in that record's transaction, before it) or the store closes.  Why: each commit is
#: an fsync of the WAL (2-5 ms here, against ~0.3 ms for the statements of one check), so a 304
#: pass paid mostly for its commits (500 304s: 2.6 s of 8.7 s profiled were COMMITs).  256 makes
#: the commit cost per check negligible (< 0.02 ms); more would only lengthen what a kill can lose.
DEFERRED_CHECKS_MAX = 256
#: The oldest deferred row waits at most this long (the crawler also flushes on a timer when no
#: more checks arrive): what a ``kill -9`` can lose is at most this second of unchanged checks,
#: whose articles are simply due again.  Shorter than the stop grace of ``crawl --once`` (1.5 s),
#: so even a stop that is cut off has flushed what arrived before the signal.
DEFERRED_CHECKS_MAX_AGE_S = 1.0


@dataclass(frozen=True)
class _Deferred:
    """One deferred check: written later exactly as :meth:`SQLiteStore.record_check` would have."""

    article_id: int
    fetch: Fetch
    next_check: NextCheck
    #: For a page read as the latest version's content: that version's number (else a SameBytes).
    seen: int | None = None


@dataclass(frozen=True)
class StatusCounts:
    """The numbers in the daemon's status line."""

    tracked: int
    due: int
    checks_last_minute: int
    changes_today: int


class Store(Protocol):
    """What redline needs of a database (see the module docstring for a shared backend)."""

    # --- the frontier -------------------------------------------------------------------------
    def track(self, urls: Sequence[str], outlet: str | None = None) -> list[Tracked]: ...
    def due_targets(self, due_before: str | None) -> Iterator[FetchTarget]: ...
    def count_due(self, due_before: str | None) -> int: ...

    # --- recording ----------------------------------------------------------------------------
    def record_check(self, article_id: int, fetch: Fetch, observed: Observation,
                     next_check: NextCheck, *, may_defer: bool = False) -> Recorded: ...
    def flush_checks(self) -> int: ...
    def deferred_checks(self) -> int: ...
    def apply_schedule(self, fingerprint: str, next_check: NextCheck) -> int | None: ...
    def record_discovery(self, links: Sequence[tuple[str, str, str]],
                         reads: Sequence[sources.SourceAnswer]) -> list[bool]: ...
    def source_validators(self, outlets: list[str]) -> dict[tuple[str, str], sources.Validators]: ...
    def record_reextraction(self, article_id: int, source: dict, article: Extracted,
                            at: str) -> Recorded | None: ...
    def title_template(self, host: str) -> frozenset[str]: ...
    def note_title(self, host: str, article_id: int, title: str, at: str,
                   learn: titles.Learn) -> frozenset[str]: ...
    def mark_title_template(self, article_id: int, number: int, keys: frozenset[str]) -> None: ...

    # --- reading ------------------------------------------------------------------------------
    def article(self, *urls: str) -> dict: ...
    def article_ids(self) -> Iterator[int]: ...
    def latest_raw(self, article_id: int, *, page: bool = True) -> dict | None: ...
    def history(self, *urls: str, newest: int | None = None) -> dict: ...
    def history_page(self, *urls: str, before: int | None = None) -> dict: ...
    def changes(self, *, since: str | None = None, after_id: int = 0) -> Iterator[dict]: ...
    def version_pair(self, urls: tuple[str, ...], from_version: int | None,
                     to_version: int | None) -> tuple[dict, dict, dict]: ...
    def status(self) -> dict: ...
    def status_counts(self, now: datetime) -> StatusCounts: ...
    def close(self) -> None: ...


class SQLiteStore:
    """The embedded store: one SQLite file (WAL), one connection per store object.

    Every method translates SQLite's failures into :class:`~redline.core.errors.DatabaseError`.
    The browsing queries of the web view are here too, for read-only stores (:func:`open_reader`).
    """

    def __init__(self, db: sqlite_utils.Database, path: str | os.PathLike[str]) -> None:
        self.db = db
        self.path = str(path)
        self._deferred: list[_Deferred] = []
        self._deferred_since = 0.0  #: time.monotonic() when the oldest deferred check was taken

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit any deferred checks, then close (the connection is closed even if that fails)."""
        try:
            self.flush_checks()
        finally:
            self.db.close()

    # --- the frontier -------------------------------------------------------------------------
    def track(self, urls: Sequence[str], outlet: str | None = None) -> list[Tracked]:
        with translate_errors(self.path):
            return articles.track(self.db, list(urls), outlet=outlet)

    def due_targets(self, due_before: str | None) -> Iterator[FetchTarget]:
        """Articles to fetch (every one when ``due_before`` is None), read a page at a time."""
        with translate_errors(self.path):
            yield from articles.fetch_targets(self.db, due_before=due_before)

    def count_due(self, due_before: str | None) -> int:
        with translate_errors(self.path):
            return articles.count_targets(self.db, due_before=due_before)

    # --- recording ----------------------------------------------------------------------------
    def record_check(self, article_id: int, fetch: Fetch, observed: Observation,
                     next_check: NextCheck, *, may_defer: bool = False) -> Recorded:
        """The check, any version and change, and the next check date: one transaction.

        With ``may_defer``, a check that writes nothing but a check row, ``last_seen``, the
        validators and the next check date (no evidence) is only queued, and committed with the
        next batch: a :class:`SameBytes` check of an active article, and a :class:`PageRead` whose
        article is the latest version's content exactly (new bytes around an unchanged story)
        of an active article with no miss streak, under names it already has (see
        :meth:`_same_content`).  Anything else commits at once, with the queued checks before it
        in its transaction, so rows keep their order.  A deferred check that a crash loses
        leaves its article due again, as if the fetch had not happened.
        """
        with translate_errors(self.path):
            if may_defer and isinstance(observed, SameBytes):
                deferred = self._defer(article_id, fetch, next_check)
                if deferred is not None:
                    return deferred
            if may_defer and isinstance(observed, PageRead):
                seen = self._same_content(article_id, fetch, observed.article)
                if seen is not None:
                    return self._queue(_Deferred(article_id, fetch, next_check, seen), "unchanged", seen)
            with self.db.atomic():
                self._write_deferred()
                result = self._record(_Deferred(article_id, fetch, next_check), observed)
            self._deferred.clear()
        return result

    def flush_checks(self) -> int:
        """Commit the deferred checks now (one transaction); returns how many there were."""
        count = len(self._deferred)
        if count:
            with translate_errors(self.path), self.db.atomic():
                self._write_deferred()
            self._deferred.clear()
        return count

    def deferred_checks(self) -> int:
        """How many checks wait to be committed."""
        return len(self._deferred)

    def _defer(self, article_id: int, fetch: Fetch, next_check: NextCheck) -> Recorded | None:
        """Queue an unchanged check, or None when it must be recorded now (the article is not
        active: a removed article answering again is a ``restored`` change, evidence)."""
        row = self.db.execute(
            "SELECT state, (SELECT max(number) FROM versions WHERE article_id = a.id) FROM articles a WHERE id = ?",
            [article_id]).fetchone()
        if row is None or row[0] != "active":
            return None
        return self._queue(_Deferred(article_id, fetch, next_check), record.unchanged_outcome(fetch), row[1])

    def _same_content(self, article_id: int, fetch: Fetch, article: Extracted) -> int | None:
        """The number of the latest version when recording ``article`` now would only say "seen
        again" (``record.record_content``'s unchanged branch, with nothing else to write), else
        None.  Each condition is one thing that branch could otherwise write: a version (other
        content), a ``restored`` change (not active), a reset miss streak (a 404 before: a lost
        reset would let the next 404 count towards removal), a new alias or a merge (a name
        not yet the article's)."""
        row = self.db.execute(
            "SELECT a.state, a.miss_streak, v.number, v.content_digest FROM articles a "
            "JOIN versions v ON v.article_id = a.id WHERE a.id = ? ORDER BY v.number DESC LIMIT 1",
            [article_id]).fetchone()
        if row is None or row[0] != "active" or row[1] or \
                row[3] != record.content_digest(article.headline, article.byline, article.body):
            return None
        for url in (fetch.final_url, article.canonical_url):
            if url and articles.article_id_for(self.db, url) != article_id:
                return None
        return row[2]

    def _queue(self, check: _Deferred, outcome: str, version: int | None) -> Recorded:
        """Add ``check`` to the batch (committing the batch when it is full or old enough).  The
        fetch's wire exchange is dropped: only a new version keeps one, and a batch of 256 pages'
        bodies would hold tens of megabytes."""
        if not self._deferred:
            self._deferred_since = time.monotonic()
        self._deferred.append(replace(check, fetch=replace(check.fetch, exchange=None)))
        if (len(self._deferred) >= DEFERRED_CHECKS_MAX
                or time.monotonic() - self._deferred_since >= DEFERRED_CHECKS_MAX_AGE_S):
            self.flush_checks()
        return Recorded(check.article_id, outcome, version)

    def _write_deferred(self) -> None:
        """Write the deferred checks inside the caller's transaction (cleared once it commits)."""
        for check in self._deferred:
            if check.seen is None:
                self._record(check, SameBytes())
            else:
                record.record_seen_again(self.db, check.article_id, check.fetch, check.seen)
                self._schedule(check)

    def _record(self, check: _Deferred, observed: Observation) -> Recorded:
        result = _RECORDERS[type(observed)](self.db, check.article_id, check.fetch, observed)
        self._schedule(check)
        return result

    def _schedule(self, check: _Deferred) -> None:
        facts = articles.schedule_facts(self.db, check.article_id)
        if facts is not None:
            articles.set_next_check(self.db, check.article_id, check.next_check(facts, check.fetch.checked_at))

    def apply_schedule(self, fingerprint: str, next_check: NextCheck) -> int | None:
        """Make the recheck schedule identified by ``fingerprint`` the one in force: when it differs
        from the one the database last ran with, every article's next check is recomputed with
        ``next_check`` (how many is returned); when it is the same, nothing is done (None)."""
        with translate_errors(self.path), self.db.atomic():
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schedule'").fetchone()
            if row is not None and row[0] == fingerprint:
                return None
            count = articles.reschedule(self.db, next_check)
            self.db.execute("INSERT INTO meta (key, value) VALUES ('schedule', ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [fingerprint])
        return count

    def record_discovery(self, links: Sequence[tuple[str, str, str]],
                         reads: Sequence[sources.SourceAnswer]) -> list[bool]:
        """Track discovered ``(url, outlet, source_url)`` links and record the reads of their
        sources, in one transaction; returns, per link, whether it was a new article."""
        with translate_errors(self.path), self.db.atomic():
            created = articles.track_discovered(self.db, [(url, outlet) for url, outlet, _ in links]) if links else []
            new_by_source: dict[tuple[str, str], int] = {}
            for (_, outlet, source_url), new in zip(links, created):
                new_by_source[(outlet, source_url)] = new_by_source.get((outlet, source_url), 0) + new
            for read in reads:
                sources.record_source(self.db, read, new_by_source.pop((read.outlet, read.url), 0))
        return created

    def source_validators(self, outlets: list[str]) -> dict[tuple[str, str], sources.Validators]:
        with translate_errors(self.path):
            return sources.validators(self.db, outlets)

    def record_reextraction(self, article_id: int, source: dict, article: Extracted,
                            at: str) -> Recorded | None:
        """Store ``article``, re-read from ``source`` (a :meth:`latest_raw` row), if it differs."""
        with translate_errors(self.path), self.db.atomic():
            self._write_deferred()  # a new version: the checks queued before it come first
            result = record.reextracted(self.db, article_id, source, article, at)
        self._deferred.clear()
        return result

    def title_template(self, host: str) -> frozenset[str]:
        """The ``<title>`` template learned for an outlet host (storage/titles.py)."""
        with translate_errors(self.path):
            return titles.template(self.db, host)

    def note_title(self, host: str, article_id: int, title: str, at: str,
                   learn: titles.Learn) -> frozenset[str]:
        """Add an article's latest ``<title>`` to its host's sample and learn the template again
        with ``learn`` when the sample changed (one transaction); returns the host's keys."""
        with translate_errors(self.path):
            return titles.note_title(self.db, host, article_id, title, at, learn)

    def mark_title_template(self, article_id: int, number: int, keys: frozenset[str]) -> None:
        """Version ``number`` reads the same with the template ``keys``."""
        with translate_errors(self.path), self.db.atomic():
            titles.mark_version(self.db, article_id, number, keys)

    # --- reading ------------------------------------------------------------------------------
    def article(self, *urls: str) -> dict:
        with translate_errors(self.path):
            return articles.require_article(self.db, *urls)

    def article_ids(self) -> Iterator[int]:
        with translate_errors(self.path):
            yield from queries.article_ids(self.db)

    def latest_raw(self, article_id: int, *, page: bool = True) -> dict | None:
        with translate_errors(self.path):
            return queries.latest_raw(self.db, article_id, page=page)

    def history(self, *urls: str, newest: int | None = None) -> dict:
        with translate_errors(self.path):
            return queries.history(self.db, *urls, newest=newest)

    def history_page(self, *urls: str, before: int | None = None) -> dict:
        with translate_errors(self.path):
            return queries.history_page(self.db, *urls, before=before)

    def changes(self, *, since: str | None = None, after_id: int = 0) -> Iterator[dict]:
        with translate_errors(self.path):
            yield from queries.changes(self.db, since=since, after_id=after_id)

    def version_pair(self, urls: tuple[str, ...], from_version: int | None,
                     to_version: int | None) -> tuple[dict, dict, dict]:
        with translate_errors(self.path):
            return queries.version_pair(self.db, urls, from_version, to_version)

    def status(self) -> dict:
        with translate_errors(self.path):
            return queries.status(self.db)

    def status_counts(self, now: datetime) -> StatusCounts:
        """Counts for the status line, each one indexed query."""
        minute_ago = to_iso(now - timedelta(minutes=1))
        midnight = to_iso(now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
        with translate_errors(self.path):
            return StatusCounts(
                tracked=articles.count_targets(self.db),
                due=articles.count_targets(self.db, due_before=to_iso(now)),
                checks_last_minute=self.db.execute(
                    "SELECT count(*) FROM checks WHERE checked_at >= ?", [minute_ago]).fetchone()[0],
                changes_today=self.db.execute(
                    "SELECT count(*) FROM changes WHERE detected_at >= ? AND reextraction = 0", [midnight]
                ).fetchone()[0],
            )

    # --- browsing (the web view) --------------------------------------------------------------
    def recent_changes(self, **filters: object) -> browse.ChangePage:
        with translate_errors(self.path):
            return browse.recent_changes(self.db, **filters)  # type: ignore[arg-type]

    def change_location(self, change_id: int) -> dict:
        with translate_errors(self.path):
            return browse.change_location(self.db, change_id)

    def outlets(self) -> tuple[str, list[dict], dict]:
        """Per-outlet figures over the failure window: (window start, rows, check totals)."""
        with translate_errors(self.path):
            since = browse.failure_window_start(self.db)
            return since, browse.outlets(self.db, since), browse.check_totals(self.db, since)

    def outlet_names(self) -> list[str]:
        with translate_errors(self.path):
            return browse.outlet_names(self.db)

    def chain_heads(self) -> list[dict]:
        """The newest record of every hash chain (storage/chain.py), for feeds and exports."""
        with translate_errors(self.path):
            return chain.heads(self.db)

    def search(self, text: str) -> list[dict]:
        with translate_errors(self.path):
            return browse.search(self.db, text)

    def archived_version(self, article_id: int, number: int) -> dict:
        with translate_errors(self.path):
            return browse.archived_version(self.db, article_id, number)

    def blocked_answer(self, article_id: int) -> dict:
        with translate_errors(self.path):
            return browse.blocked_answer(self.db, article_id)

    def change_details(self, change_ids: Iterable[int]) -> list[dict]:
        with translate_errors(self.path):
            return outbox.change_details(self.db, change_ids)


def _record_failure(db: sqlite_utils.Database, article_id: int, fetch: Fetch, observed: FetchFailed) -> Recorded:
    return record.record_failure(db, article_id, fetch, observed.error)


def _record_missing(db: sqlite_utils.Database, article_id: int, fetch: Fetch, _: PageMissing) -> Recorded:
    return record.record_missing(db, article_id, fetch)


def _record_blocked(db: sqlite_utils.Database, article_id: int, fetch: Fetch, observed: Blocked) -> Recorded:
    return record.record_blocked(db, article_id, fetch, observed.reason, observed.headers, observed.body)


def _record_same(db: sqlite_utils.Database, article_id: int, fetch: Fetch, _: SameBytes) -> Recorded:
    return record.record_unchanged_bytes(db, article_id, fetch)


def _record_page(db: sqlite_utils.Database, article_id: int, fetch: Fetch, observed: PageRead) -> Recorded:
    return record.record_content(db, article_id, fetch, observed.article, observed.raw)


_RECORDERS: dict[type, Callable[..., Recorded]] = {
    FetchFailed: _record_failure, PageMissing: _record_missing, Blocked: _record_blocked, SameBytes: _record_same,
    PageRead: _record_page,
}


def open_store(path: str | os.PathLike[str], *, create: bool = True) -> SQLiteStore:
    """Open (creating or upgrading it if ``create``) the database at ``path`` for reading and writing."""
    return SQLiteStore(open_database(path, create=create), path)


def open_reader(path: str | os.PathLike[str]) -> SQLiteStore:
    """A read-only store (``PRAGMA query_only``) on an existing database: one per web request."""
    return SQLiteStore(browse.open_reader(path), path)
