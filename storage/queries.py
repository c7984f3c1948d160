"""What readers ask of the database: an article's history, the list of changes, two versions.

The CLI (and later the web view and feeds) call these and write no SQL of their own. Results are
plain dicts shaped like the CLI's JSON contract, so ``--json`` output is these values as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

import sqlite_utils

from redline.core.errors import NoVersion
from redline.storage import blobs, sources
from redline.storage.articles import require_article

#: The columns of ``changes c`` that :func:`change_from_row` reads, for every query listing changes.
CHANGE_COLUMNS = """
    c.id, c.from_version, c.to_version, c.kinds, c.detected_at, c.words_added, c.words_removed,
    c.similarity, c.rewritten, c.reverts_to, c.reextraction
"""
#: Every listing of changes reads them with their article and the versions on either side (``vb``
#: before, ``va`` after; either is missing for a first version or a removal): the join, once.
CHANGES_JOINED = """
    FROM changes c
    JOIN articles a ON a.id = c.article_id
    LEFT JOIN versions vb ON vb.article_id = c.article_id AND vb.number = c.from_version
    LEFT JOIN versions va ON va.article_id = c.article_id AND va.number = c.to_version
"""
#: The columns :func:`listed_change` reads besides ``CHANGE_COLUMNS`` (``outlet`` is the caller's).
LISTED_COLUMNS = f"a.id AS article_id, a.url, {CHANGE_COLUMNS}, vb.headline AS headline_before, va.headline AS headline_after"


#: The index that lists an article's versions (migration 0009), named in the history's queries: the
#: planner prefers the unique ``(article_id, number)`` index, which would read every version's table
#: row (and, for ``rendered``, its raw page) instead; tests/test_history_plan.py checks the plans.
LISTING = "versions_listing"
#: An article's versions in order; ``{body}`` is :data:`HISTORY_BODY_COLUMNS` or nothing (a listing,
#: answered by the index alone), ``{window}`` an extra condition or nothing.
HISTORY_VERSIONS = ("SELECT number, first_seen, last_seen, headline, rendered{body} FROM versions INDEXED BY "
                    f"{LISTING} WHERE article_id = ?{{window}} ORDER BY number")
HISTORY_BODY_COLUMNS = ", byline, body, published, modified, extractor_version, method"
#: An article's changes with the headlines on either side, looked up in the listing index.
HISTORY_CHANGES = f"""
    SELECT {LISTED_COLUMNS}, a.outlet
    FROM changes c
    JOIN articles a ON a.id = c.article_id
    LEFT JOIN versions vb INDEXED BY {LISTING} ON vb.article_id = c.article_id AND vb.number = c.from_version
    LEFT JOIN versions va INDEXED BY {LISTING} ON va.article_id = c.article_id AND va.number = c.to_version
    WHERE c.article_id = ?
"""


def history(db: sqlite_utils.Database, *urls: str, newest: int | None = None) -> dict:
    """One article: its URLs, every version and every change (re-extractions flagged); with
    ``newest``, only the newest that many versions and the changes leading to them, so a live blog's
    thousands cost what its last page costs. ``version_count`` and ``change_count`` are the totals."""
    article = require_article(db, *urls)
    article_id = article["id"]
    latest = db.execute(f"SELECT max(number) FROM versions INDEXED BY {LISTING} WHERE article_id = ?",
                        [article_id]).fetchone()[0] or 0
    low = 1 if newest is None else max(1, latest - newest + 1)
    versions = [
        {
            "version": row["number"],
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "headline": row["headline"],
            "byline": row["byline"],
            "body": row["body"],
            "published": row["published"],
            "modified": row["modified"],
            "extractor_version": row["extractor_version"],
            "method": row["method"],
            "rendered": bool(row["rendered"]),
        }
        for row in db.query(HISTORY_VERSIONS.format(body=HISTORY_BODY_COLUMNS, window=" AND number >= ?"),
                            [article_id, low])
    ]
    changes = [listed_change(row) for row in db.query(
        HISTORY_CHANGES + " AND COALESCE(c.to_version, c.from_version) >= ? ORDER BY c.id", [article_id, low])]
    change_count = len(changes) if low == 1 else db.execute(
        "SELECT count(*) FROM changes WHERE article_id = ?", [article_id]).fetchone()[0]
    return {**_about(db, article), "versions": versions, "changes": changes, "version_count": latest,
            "change_count": change_count}


def _about(db: sqlite_utils.Database, article: dict) -> dict:
    """What a history says about the article itself: its URLs, state and dates."""
    aliases = [row[0] for row in db.execute(
        "SELECT url FROM aliases WHERE article_id = ? ORDER BY added_at, url", [article["id"]]
    )]
    return {
        "url": article["url"],
        "aliases": aliases,
        "state": article["state"],
        "outlet": article["outlet"],
        "added_at": article["added_at"],
        "last_checked_at": article["last_checked_at"],
    }


#: Versions (and the changes between them) on one page of the web view's history: a live blog's
#: thousands stay a page of ~100 KB that renders in milliseconds.
HISTORY_PAGE = 100


def history_page(db: sqlite_utils.Database, *urls: str, before: int | None = None,
                 limit: int = HISTORY_PAGE) -> dict:
    """One page of an article's history for a listing, newest versions first: the ``limit``
    versions numbered below ``before`` (default: the newest), without their text, and the changes
    that lead to them; plus the totals, the latest headline and the cursors (``older``: the
    ``before`` of the next page back, ``newer``: of the page after; None at either end).

    Keyset paging on the version number (versions are numbered 1, 2, … per article with no gaps),
    read from the listing index: the same few milliseconds on page 1 and page 50.
    """
    article = require_article(db, *urls)
    article_id = article["id"]
    latest, headline = db.execute(
        f"SELECT number, headline FROM versions INDEXED BY {LISTING} WHERE article_id = ? ORDER BY number DESC LIMIT 1",
        [article_id]).fetchone() or (0, None)
    top = latest if before is None else max(min(before - 1, latest), min(latest, 1))
    low = max(1, top - limit + 1)
    versions = [
        {"version": row["number"], "first_seen": row["first_seen"], "last_seen": row["last_seen"],
         "headline": row["headline"], "rendered": bool(row["rendered"])}
        for row in db.query(HISTORY_VERSIONS.format(body="", window=" AND number BETWEEN ? AND ?"),
                            [article_id, low, top])
    ]
    changes = [listed_change(row) for row in db.query(
        HISTORY_CHANGES + " AND COALESCE(c.to_version, c.from_version) BETWEEN ? AND ? ORDER BY c.id",
        [article_id, low, top])]
    return {
        **_about(db, article), "versions": versions, "changes": changes, "headline": headline, "version_count": latest,
        "change_count": db.execute("SELECT count(*) FROM changes WHERE article_id = ?", [article_id]).fetchone()[0],
        "older": low if low > 1 else None, "newer": min(top + limit, latest) + 1 if top < latest else None,
    }


def changes(
    db: sqlite_utils.Database, *, since: str | None = None, after_id: int = 0,
    include_reextractions: bool = False,
) -> Iterator[dict]:
    """Every flagged change, oldest first, with the headlines on either side.

    ``since`` (a timestamp, inclusive) and ``after_id`` (the last change already seen) narrow it.
    """
    where = ["c.id > ?"]
    params: list = [after_id]
    if since:
        where.append("c.detected_at >= ?")
        params.append(since)
    if not include_reextractions:
        where.append("c.reextraction = 0")
    sql = f"""
        SELECT {LISTED_COLUMNS}, a.outlet {CHANGES_JOINED}
        WHERE {" AND ".join(where)}
        ORDER BY c.detected_at, c.id
    """
    for row in db.query(sql, params):
        yield listed_change(row)


def version_pair(
    db: sqlite_utils.Database, urls: tuple[str, ...], from_version: int | None, to_version: int | None
) -> tuple[dict, dict, dict]:
    """The article and two of its versions (default: the last two) for a diff."""
    article = require_article(db, *urls)
    latest = db.execute(
        "SELECT max(number) FROM versions WHERE article_id = ?", [article["id"]]
    ).fetchone()[0]
    if latest is None:
        raise NoVersion(f"{urls[0]} has no stored version yet", urls[0])
    to_version = latest if to_version is None else to_version
    from_version = max(to_version - 1, 1) if from_version is None else from_version
    pair = []
    for number in (from_version, to_version):
        row = next(db.query(
            "SELECT number, headline, byline, body, first_seen, last_seen FROM versions "
            "WHERE article_id = ? AND number = ?",
            [article["id"], number],
        ), None)
        if row is None:
            raise NoVersion(f"{urls[0]} has no version {number}: it has versions 1 to {latest}", urls[0])
        pair.append(row)
    return article, pair[0], pair[1]


def listed_change(row: dict) -> dict:
    """A change as every listing shows it: its article, outlet, fields and the headlines around it."""
    return {
        "article_id": row["article_id"],
        "url": row["url"],
        "outlet": row["outlet"],
        **change_from_row(row),
        "headline_before": row["headline_before"],
        "headline_after": row["headline_after"],
    }


def change_from_row(row: dict) -> dict:
    return {
        "id": row["id"],
        "from_version": row["from_version"],
        "to_version": row["to_version"],
        "kinds": json.loads(row["kinds"]),
        "detected_at": row["detected_at"],
        "words_added": row["words_added"],
        "words_removed": row["words_removed"],
        "similarity": row["similarity"],
        "rewritten": bool(row["rewritten"]),
        "reverts_to": row["reverts_to"],
        "flip_flop": row["reverts_to"] is not None,
        "reextraction": bool(row["reextraction"]),
    }


def latest_raw(db: sqlite_utils.Database, article_id: int) -> dict | None:
    """The latest version of an article with its raw HTML decompressed (for re-extraction, and for
    confirming a fresh extraction against the page the version was read from)."""
    row = next(db.query(
        "SELECT v.number, v.first_seen, v.source_url, v.encoding, v.extractor_version, v.raw_html, v.rendered, "
        "a.outlet, v.headline, v.byline, v.body, v.content_digest, v.published, v.modified, v.method, "
        "v.title_template FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.article_id = ? ORDER BY v.number DESC LIMIT 1",
        [article_id],
    ), None)
    if row is not None:
        row["raw_html"] = blobs.page_of(db, row)
    return row


def article_ids(db: sqlite_utils.Database) -> Iterator[int]:
    """Every article id, in order, read a page at a time."""
    last_id = 0
    while rows := db.execute(
        "SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT 500", [last_id]
    ).fetchall():
        yield from (row[0] for row in rows)
        last_id = rows[-1][0]


#: Articles whose latest check was blocked (403, 429, 451, a challenge or consent wall), by outlet.
BLOCKED_NOW_BY_OUTLET = """
    SELECT a.outlet, count(*) FROM blocked_answers b
    JOIN checks k ON k.id = b.check_id JOIN articles a ON a.id = b.article_id
    WHERE k.checked_at = a.last_checked_at GROUP BY a.outlet
"""


def status(db: sqlite_utils.Database, *, failures: int = 10) -> dict:
    """Counts per outlet (``blocked``: articles whose latest answer refused redline), totals, the
    next due check, the most recent failed checks and the articles blocked now (with the reason), and the
    head of every hash chain (``chain_heads``)."""
    from redline.storage import chain  # chain reads browse, which imports this module
    outlets = [
        dict(row) for row in db.query(
            "SELECT outlet, count(*) AS articles, sum(state = 'active') AS active, "
            "sum(state = 'removed') AS removed, sum(state = 'retired') AS retired, "
            "max(last_checked_at) AS last_check, min(next_check_at) AS next_check "
            "FROM articles GROUP BY outlet ORDER BY outlet"
        )
    ]
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731 - a local shorthand for counts
    recent = [
        dict(row) for row in db.query(
            "SELECT a.url, c.checked_at, c.status, c.error FROM checks c JOIN articles a ON a.id = c.article_id "
            "WHERE c.outcome = 'error' ORDER BY c.id DESC LIMIT ?", [failures]
        )
    ]
    discovered = {row[0]: row[1] for row in db.execute(
        "SELECT outlet, max(last_checked_at) FROM sources GROUP BY outlet")}
    blocked_now = {row[0]: row[1] for row in db.execute(BLOCKED_NOW_BY_OUTLET)}
    for row in outlets:
        row["last_discovery"] = discovered.get(row["outlet"])
        row["blocked"] = blocked_now.get(row["outlet"], 0)
    blocked = [
        dict(row) for row in db.query(
            "SELECT a.url, k.checked_at, b.status, b.reason FROM blocked_answers b "
            "JOIN checks k ON k.id = b.check_id JOIN articles a ON a.id = b.article_id "
            "WHERE k.checked_at = a.last_checked_at ORDER BY k.checked_at DESC LIMIT ?", [failures]
        )
    ]
    return {
        "outlets": outlets,
        "failing_sources": [asdict(failure) for failure in sources.failing_sources(db)],
        "articles": one("SELECT count(*) FROM articles"),
        "versions": one("SELECT count(*) FROM versions"),
        "changes": one("SELECT count(*) FROM changes WHERE reextraction = 0"),
        "checks": one("SELECT count(*) FROM checks"),
        "last_check": one("SELECT max(checked_at) FROM checks"),
        "next_check": one("SELECT min(next_check_at) FROM articles WHERE state IN ('active', 'removed')"),
        "recent_failures": recent,
        "blocked": blocked,
        "chain_heads": chain.heads(db),
    }
