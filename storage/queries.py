"""What readers ask of the database: an article's history, the list of changes, two versions.

The CLI (and later the web view and feeds) call these and write no SQL of their own. Results are
plain dicts shaped like the CLI's JSON contract, so ``--json`` output is these values as they are.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import asdict

import sqlite_utils

from redline.core.errors import NoVersion
from redline.storage import blobs, sources
from redline.storage.articles import require_article

#: The columns of ``changes c`` that :func:`listed_change` reads, for every query listing changes.
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
#: answered by the index alone), ``{window}`` an extra condition or nothing. The columns come in the
#: order of :data:`VERSION_KEYS`, so a row becomes its record in one ``zip``.
HISTORY_VERSIONS = ("SELECT number, first_seen, last_seen, headline{body}, rendered FROM versions INDEXED BY "
                    f"{LISTING} WHERE article_id = ?{{window}} ORDER BY number")
HISTORY_BODY_COLUMNS = ", byline, body, published, modified, extractor_version, method"
#: The keys of a version in a history (the CLI's JSON contract: this order), as
#: :data:`HISTORY_VERSIONS` selects them with and without :data:`HISTORY_BODY_COLUMNS`.
VERSION_KEYS = ("version", "first_seen", "last_seen", "headline", "byline", "body", "published", "modified",
                "extractor_version", "method", "rendered")
LISTING_KEYS = ("version", "first_seen", "last_seen", "headline", "rendered")
#: An article's changes, oldest first (``changes_article`` is ``(article_id, id)``), without the joins
#: a listing of every article's changes needs: the article is known, and the headlines on either
#: side are those of versions the history has just read (:func:`_article_changes`). Joining two
#: versions per change cost a third of a 5,000-version history (bench/scale.py).
HISTORY_CHANGES = ("SELECT id, from_version, to_version, kinds, detected_at, words_added, words_removed, similarity, "
                   "rewritten, reverts_to, reextraction FROM changes WHERE article_id = ?{window} ORDER BY id")
#: The headlines of named versions, from the listing index alone (a change's version outside the
#: window the history read: the one before its oldest version).
HEADLINES_OF = f"SELECT number, headline FROM versions INDEXED BY {LISTING} WHERE article_id = ? AND number IN ({{marks}})"


def history(db: sqlite_utils.Database, *urls: str, newest: int | None = None) -> dict:
    """One article: its URLs, every version and every change (re-extractions flagged); with
    ``newest``, only the newest that many versions and the changes leading to them, so a live blog's
    thousands cost what its last page costs. ``version_count`` and ``change_count`` are the totals.

    Two queries whatever the length (versions, then changes), each row made into its record
    once, from the row's tuple: a 5,000-version live blog is 5,000 rows of each."""
    article = require_article(db, *urls)
    article_id = article["id"]
    latest = db.execute(f"SELECT max(number) FROM versions INDEXED BY {LISTING} WHERE article_id = ?",
                        [article_id]).fetchone()[0] or 0
    low = 1 if newest is None else max(1, latest - newest + 1)
    versions = _versions(db, HISTORY_VERSIONS.format(body=HISTORY_BODY_COLUMNS, window=" AND number >= ?"),
                         [article_id, low], VERSION_KEYS)
    changes = _article_changes(db, article, versions, " AND COALESCE(to_version, from_version) >= ?", [low],
                               whole=low == 1)
    change_count = len(changes) if low == 1 else db.execute(
        "SELECT count(*) FROM changes WHERE article_id = ?", [article_id]).fetchone()[0]
    return {**_about(db, article), "versions": versions, "changes": changes, "version_count": latest,
            "change_count": change_count}


def _versions(db: sqlite_utils.Database, sql: str, params: list, keys: tuple[str, ...]) -> list[dict]:
    """Version records from :data:`HISTORY_VERSIONS` rows (``rendered``, the last column, a bool)."""
    versions = [dict(zip(keys, row)) for row in db.execute(sql, params)]
    for version in versions:
        version["rendered"] = bool(version["rendered"])
    return versions


def _article_changes(db: sqlite_utils.Database, article: dict, versions: list[dict], window: str,
                     params: list, *, whole: bool = False) -> list[dict]:
    """One article's changes in ``window`` (a condition on ``changes``), as :func:`listed_change`
    gives them; the headlines on either side come from ``versions`` (the records just read) and,
    for versions outside them, from one lookup in the listing index (none when ``versions`` are
    all the article has: a change's version that is not among them has no headline)."""
    article_id, url, outlet = article["id"], article["url"], article["outlet"]
    rows = db.execute(HISTORY_CHANGES.format(window=window), [article_id, *params]).fetchall()
    headlines = {version["version"]: version["headline"] for version in versions}
    missing = () if whole else {n for row in rows for n in row[1:3] if n is not None and n not in headlines}
    if missing:
        headlines.update(db.execute(HEADLINES_OF.format(marks=", ".join("?" * len(missing))),
                                    [article_id, *sorted(missing)]).fetchall())
    return [change_record(article_id, url, outlet, *row, headlines.get(row[1]), headlines.get(row[2]))
            for row in rows]


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
    versions = _versions(db, HISTORY_VERSIONS.format(body="", window=" AND number BETWEEN ? AND ?"),
                         [article_id, low, top], LISTING_KEYS)
    changes = _article_changes(db, article, versions, " AND COALESCE(to_version, from_version) BETWEEN ? AND ?",
                               [low, top])
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
    """A change as every listing shows it: its article, outlet, fields and the headlines around it
    (``row``: :data:`LISTED_COLUMNS` and ``outlet``)."""
    return change_record(row["article_id"], row["url"], row["outlet"], row["id"], row["from_version"],
                         row["to_version"], row["kinds"], row["detected_at"], row["words_added"], row["words_removed"],
                         row["similarity"], row["rewritten"], row["reverts_to"], row["reextraction"],
                         row["headline_before"], row["headline_after"])


def change_record(article_id: int, url: str, outlet: str, change_id: int, from_version: int | None,
                  to_version: int | None, kinds: str, detected_at: str, words_added: int, words_removed: int,
                  similarity: float | None, rewritten: int, reverts_to: int | None, reextraction: int,
                  headline_before: str | None, headline_after: str | None) -> dict:
    """A change's record (the CLI's JSON contract: these keys in this order) from its stored
    values (``kinds`` the stored JSON list), positional so a query's row tuple passes as it is."""
    return {
        "article_id": article_id,
        "url": url,
        "outlet": outlet,
        "id": change_id,
        "from_version": from_version,
        "to_version": to_version,
        "kinds": list(_kinds(kinds)),
        "detected_at": detected_at,
        "words_added": words_added,
        "words_removed": words_removed,
        "similarity": similarity,
        "rewritten": bool(rewritten),
        "reverts_to": reverts_to,
        "flip_flop": reverts_to is not None,
        "reextraction": bool(reextraction),
        "headline_before": headline_before,
        "headline_after": headline_after,
    }


@functools.lru_cache(maxsize=256)
def _kinds(stored: str) -> tuple[str, ...]:
    """A change's kinds from their stored JSON text: a handful of distinct lists over any number of
    changes, so each is parsed once (a tuple here, a new list in each record)."""
    return tuple(json.loads(stored))


def latest_raw(db: sqlite_utils.Database, article_id: int, *, page: bool = True) -> dict | None:
    """The latest version of an article with its raw HTML decompressed (for re-extraction, and for
    confirming a fresh extraction against the page the version was read from); with ``page``
    False, without it (no ``raw_html`` key: the recheck fast path mostly does without the page,
    and decoding it costs more than the rest of this row)."""
    row = next(db.query(
        "SELECT v.number, v.first_seen, v.source_url, v.encoding, v.extractor_version, v.rendered, "
        "a.outlet, v.headline, v.byline, v.body, v.content_digest, v.published, v.modified, v.method, "
        f"v.title_template, v.shown_texts{', v.raw_html' if page else ''} "
        "FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.article_id = ? ORDER BY v.number DESC LIMIT 1",
        [article_id],
    ), None)
    if row is not None and page:
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
