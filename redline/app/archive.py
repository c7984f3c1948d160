"""The archive's operations on one database: export it (WARC, JSONL) and verify its hash chains.

What ``redline export`` and ``redline verify`` do, for any front end (the CLI is a thin shell
over these, as over :class:`redline.Redline`). Each opens the database (upgrading an older one,
which chains its history), reads one consistent snapshot, and streams: records are read a keyset
page at a time and written one by one, so memory stays flat however large the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redline.app.facade import Redline
from redline.core.clock import parse_user_time
from redline.core.errors import VerificationFailed
from redline.core.urls import lookup_names
from redline.storage import blobs, chain, exports, record
from redline.storage.db import translate_errors
from redline.storage.store import SQLiteStore

FORMATS = ("warc", "jsonl")



@dataclass(frozen=True)
class Exported:
    """What an export wrote: how many records (WARC) or articles (JSONL), and the chain heads."""

    path: Path
    count: int
    heads: list[dict]


@dataclass
class Verified:
    """What verifying found: one report per chain, and the kept heads that were not found."""

    reports: list[chain.ChainReport]
    missing_heads: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing_heads and all(report.mismatch is None for report in self.reports)


@contextmanager
def _snapshot(app: Redline) -> Iterator[SQLiteStore]:
    """The database opened (and upgraded), inside one read transaction."""
    with app.store() as store, translate_errors(store.path), exports.snapshot(store.db):
        yield store


def filters(store: SQLiteStore, *, url: str | None = None, outlet: str | None = None, since: str | None = None,
            until: str | None = None) -> exports.Filters:
    """The user's filters, checked: an article URL must be tracked, times must be ISO 8601."""
    return exports.Filters(
        article_id=store.article(*lookup_names(url))["id"] if url else None, outlet=outlet,
        since=parse_user_time(since) if since else None, until=parse_user_time(until) if until else None,
    )


def export(app: Redline, kind: str, path: Path, *, force: bool = False, url: str | None = None,
           outlet: str | None = None, since: str | None = None, until: str | None = None,
           progress: Callable[[Callable[[], int]], object] | None = None) -> Exported:
    """Write the record (or the filtered part of it) as ``kind`` (``warc`` or ``jsonl``) to ``path``.

    ``progress(total)`` may return a context manager yielding an ``advance()`` callback (or None):
    the CLI's progress bar. The file appears only when complete (see export/output.py).
    """
    from redline.app.export.output import atomic_output

    assert kind in FORMATS
    with _snapshot(app) as store:
        chosen = filters(store, url=url, outlet=outlet, since=since, until=until)
        heads = chain.heads(store.db)
        count_all = (lambda: exports.count_records(store.db, chosen)) if kind == "warc" else \
            (lambda: exports.count_articles(store.db, chosen))
        with atomic_output(path, force=force) as handle, _progress(progress, count_all) as advance:
            if kind == "warc":
                from redline.app.export.warc import write_warc

                count = write_warc(handle, exports.archive_records(store.db, chosen), heads,
                                   _description(chosen, url), path.name, advance)
            else:
                from redline.app.export.jsonl import write_jsonl

                count = write_jsonl(handle, exports.articles(store.db, chosen), advance)
    return Exported(path, count, heads)


def verify(app: Redline, *, url: str | None = None, heads: tuple[str, ...] = (),
           progress: Callable[[Callable[[], int]], object] | None = None) -> Verified:
    """Recompute the hash chains (or one article's records) from the stored data; ``heads`` are
    hashes someone kept, each checked to still be a record of an intact chain."""
    wanted = frozenset(h.strip().lower() for h in heads)
    with _snapshot(app) as store:
        article_id = store.article(*lookup_names(url))["id"] if url else None
        total = lambda: store.db.execute(  # noqa: E731
            "SELECT count(*) FROM chain WHERE ? IS NULL OR article_id = ?", [article_id, article_id]).fetchone()[0]
        with _progress(progress, total) as advance:
            reports = chain.verify(store.db, article_id=article_id, wanted_heads=wanted, on_record=advance)
    found = set().union(*(report.found_heads for report in reports))
    return Verified(reports, sorted(wanted - found))


@dataclass(frozen=True)
class Compacted:
    """What compacting did: the rows repacked, and the file's size before and after (VACUUM only)."""

    repacked: blobs.Repacked
    size_before: int
    size_after: int
    vacuumed: bool


def compact(app: Redline, *, vacuum: bool = False,
            progress: Callable[[Callable[[], int]], object] | None = None) -> Compacted:
    """Repack rows stored before migration 0008 (zlib) in the packed codecs, a batch per transaction
    (safe beside a running daemon, resumable after Ctrl-C), then with ``vacuum`` rewrite the file
    so the freed pages go back to the disk (needs free space for a copy and no other process)."""
    with app.store() as store:
        size_before = os.path.getsize(app.db_path)
        with _progress(progress, lambda: blobs.legacy_rows(store.db)) as advance:
            done = blobs.repack(store.db, outlet_of=lambda article_id: record.outlet_of(store.db, article_id),
                                on_version=advance)
        if vacuum:
            with translate_errors(app.db_path):
                store.db.execute("VACUUM")
    return Compacted(done, size_before, os.path.getsize(app.db_path), vacuum)


def require_ok(result: Verified) -> None:
    """Raise :class:`VerificationFailed` unless everything matched."""
    if not result.ok:
        raise VerificationFailed("verification failed: the record does not match its hash chain (see above)")


@contextmanager
def _progress(progress: Callable[[Callable[[], int]], object] | None, total: Callable[[], int]
              ) -> Iterator[Callable[[], None] | None]:
    if progress is None:
        yield None
        return
    with progress(total) as advance:  # type: ignore[attr-defined]
        yield advance


def _description(chosen: exports.Filters, url: str | None) -> str:
    parts = [f"article {url}" if url else "", f"outlet {chosen.outlet}" if chosen.outlet else "",
             f"captured since {chosen.since}" if chosen.since else "",
             f"captured before {chosen.until}" if chosen.until else ""]
    picked = ", ".join(p for p in parts if p)
    return "redline export" + (f" ({picked})" if picked else " (everything)")
