"""Tracked articles and the URLs they are known under.

An article is found by any URL it was tracked or seen under: the tracked URL, the final URL
after redirects, and its same-host ``rel=canonical``. Two rows that turn out to be one story
(tracked twice under different URLs) are merged when one of them has no versions yet; when both
already have histories they stay apart, because merging two histories would rewrite the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlite_utils

from redline.core.errors import NotTracked
from redline.core.clock import now_iso

#: Rows read per query when walking all articles: bounded memory on 100k-article databases.
PAGE_SIZE = 500


@dataclass(frozen=True)
class Tracked:
    """The result of tracking one URL."""

    url: str
    article_id: int
    created: bool


@dataclass(frozen=True)
class FetchTarget:
    """What the crawler needs to fetch an article politely (conditional GET, digest short-circuit)."""

    article_id: int
    url: str
    etag: str | None
    last_modified: str | None
    raw_digest: str | None
    outlet: str | None = None


def track(db: sqlite_utils.Database, urls: list[str], outlet: str | None = None) -> list[Tracked]:
    """Start tracking canonical ``urls``; URLs already known (as any alias) are left as they are."""
    with db.atomic():
        created = track_discovered(db, [(url, outlet) for url in urls])
        return [Tracked(url, article_id_for(db, url), is_new) for url, is_new in zip(urls, created, strict=True)]


def article_id_for(db: sqlite_utils.Database, url: str) -> int | None:
    """The article known under ``url`` (any alias), or None."""
    row = db.execute("SELECT article_id FROM aliases WHERE url = ?", [url]).fetchone()
    return row[0] if row else None


def require_article(db: sqlite_utils.Database, *urls: str) -> dict:
    """The article row for the first of ``urls`` that is known, or NotTracked naming the first."""
    for url in urls:
        article_id = article_id_for(db, url)
        if article_id is not None:
            return next(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    raise NotTracked(urls[0])


def _target_filter(due_before: str | None, include_removed: bool) -> tuple[str, list]:
    states = ("active", "removed") if include_removed else ("active",)
    where = f"state IN ({', '.join('?' for _ in states)})"
    params: list = list(states)
    if due_before is not None:
        where += " AND (next_check_at IS NULL OR next_check_at <= ?)"
        params.append(due_before)
    return where, params


def fetch_targets(
    db: sqlite_utils.Database, *, due_before: str | None = None, include_removed: bool = True
) -> Iterator[FetchTarget]:
    """Articles to fetch, read a page at a time in id order.

    Without ``due_before`` every active (and, by default, removed) article; with it only those
    whose ``next_check_at`` is unset or not after that time. Paging by id stays correct while the
    crawl moves checked articles' ``next_check_at`` into the future.
    """
    where, params = _target_filter(due_before, include_removed)
    last_id = 0
    while True:
        rows = db.execute(
            f"SELECT id, url, etag, last_modified, raw_digest, outlet FROM articles WHERE id > ? AND {where} "
            "ORDER BY id LIMIT ?",
            [last_id, *params, PAGE_SIZE],
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield FetchTarget(*row)
        last_id = rows[-1][0]


def count_targets(db: sqlite_utils.Database, *, due_before: str | None = None, include_removed: bool = True) -> int:
    """How many articles :func:`fetch_targets` would yield now."""
    where, params = _target_filter(due_before, include_removed)
    return db.execute(f"SELECT count(*) FROM articles WHERE {where}", params).fetchone()[0]


@dataclass(frozen=True)
class ScheduleFacts:
    """What the recheck policy needs to know about one article."""

    outlet: str | None
    added_at: str
    last_changed_at: str | None


def schedule_facts(db: sqlite_utils.Database, article_id: int) -> ScheduleFacts | None:
    row = db.execute(
        "SELECT outlet, added_at, last_changed_at FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return ScheduleFacts(*row) if row else None


def set_next_check(db: sqlite_utils.Database, article_id: int, when: str | None) -> None:
    """Schedule the next check; ``None`` retires the article (no more checks)."""
    if when is None:
        db.execute("UPDATE articles SET state = 'retired', next_check_at = NULL WHERE id = ?", [article_id])
    else:
        db.execute("UPDATE articles SET next_check_at = ? WHERE id = ?", [when, article_id])


def reschedule(db: sqlite_utils.Database, next_check: Callable[[ScheduleFacts, str], str | None]) -> int:
    """Recompute the next check of every article that is checked and not retired, from its last
    check, with ``next_check`` (the policy now in force); returns how many were rescheduled."""
    count, last_id = 0, 0
    while rows := db.execute(
        "SELECT id, outlet, added_at, last_changed_at, last_checked_at FROM articles WHERE id > ? "
        "AND state IN ('active', 'removed') AND last_checked_at IS NOT NULL ORDER BY id LIMIT ?",
        [last_id, PAGE_SIZE],
    ).fetchall():
        for article_id, outlet, added_at, last_changed_at, last_checked_at in rows:
            set_next_check(db, article_id, next_check(ScheduleFacts(outlet, added_at, last_changed_at), last_checked_at))
        count += len(rows)
        last_id = rows[-1][0]
    return count


def add_alias(db: sqlite_utils.Database, article_id: int, url: str, kind: str) -> int:
    """Record ``url`` as a name of ``article_id``; returns the article that now owns the story.

    When ``url`` already names another article, the two are merged if one of them has no
    versions yet, and the surviving id is returned. Must run inside the caller's transaction.
    """
    owner = article_id_for(db, url)
    if owner is None:
        db.execute(
            "INSERT INTO aliases (url, article_id, kind, added_at) VALUES (?, ?, ?, ?)",
            [url, article_id, kind, now_iso()],
        )
        return article_id
    if owner == article_id:
        return article_id
    if not _has_versions(db, article_id):
        _merge(db, keep=owner, drop=article_id)
        return owner
    if not _has_versions(db, owner):
        _merge(db, keep=article_id, drop=owner)
        return article_id
    return article_id


def _has_versions(db: sqlite_utils.Database, article_id: int) -> bool:
    return db.execute("SELECT 1 FROM versions WHERE article_id = ? LIMIT 1", [article_id]).fetchone() is not None


def _merge(db: sqlite_utils.Database, *, keep: int, drop: int) -> None:
    """Fold article ``drop`` (which has no versions) into ``keep``: its names and checks move over."""
    for table in ("aliases", "checks", "changes", "chain"):
        db.execute(f"UPDATE {table} SET article_id = ? WHERE article_id = ?", [keep, drop])
    db.execute("DELETE FROM articles WHERE id = ?", [drop])


def track_discovered(db: sqlite_utils.Database, links: list[tuple[str, str]]) -> list[bool]:
    """Track discovered ``(canonical url, outlet)`` pairs; True for each that became a new article.

    Built for thousands of links a run, most of them already known: one lookup and two bulk
    inserts per batch instead of three statements per link. URLs known under any alias are left
    as they are (their outlet too). Must run inside the caller's transaction, so a batch commits
    whole or not at all.
    """
    marks = ", ".join("?" for _ in links)
    known = {row[0] for row in db.execute(f"SELECT url FROM aliases WHERE url IN ({marks})",
                                          [url for url, _ in links])}
    new: dict[str, str] = {}
    created = []
    for url, outlet in links:
        created.append(url not in known and url not in new)
        if created[-1]:
            new[url] = outlet
    if new:
        now = now_iso()
        db.conn.executemany("INSERT INTO articles (url, outlet, added_at) VALUES (?, ?, ?)",
                            [(url, outlet, now) for url, outlet in new.items()])
        db.execute(
            "INSERT INTO aliases (url, article_id, kind, added_at) SELECT url, id, 'tracked', added_at "
            f"FROM articles WHERE url IN ({', '.join('?' for _ in new)})",
            list(new),
        )
    return created
