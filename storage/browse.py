"""The read queries behind the web view: recent changes, per-outlet stats, search, archived pages.

Built for databases of 100k articles that a crawler is writing to: every list is bounded
(keyset pagination on ``changes.id``, ``LIMIT`` on search), per-outlet failures are counted over a
bounded window of recent checks (``checks_time`` index), outlet lists read the
``articles_outlet`` expression index, and :func:`open_reader` gives each
request its own ``query_only`` connection, so a page can never write and, in WAL mode, never
waits for the crawler nor sees half a fetch.

Articles tracked without an outlet are grouped under their host name, so every change has an
outlet to filter by.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from redline.core.config import CHANGE_KINDS
from redline.core.errors import DatabaseMissing, InvalidInput, NotFound
from redline.core.clock import to_iso
from redline.storage import blobs
from redline.storage.db import busy_timeout_ms, translate_errors
from redline.storage.queries import CHANGES_JOINED, LISTED_COLUMNS, listed_change

#: Kinds a change list can be filtered by (the values ``changes.kinds`` holds).

#: Changes per page of the recent-changes list and per feed: a screenful or two, and a feed
#: reader polling hourly misses nothing unless an outlet makes 50 edits an hour.
PAGE_SIZE = 50

#: Failures are counted over the last day of checks (the scheduler checks every article at least
#: daily) but over at most this many of the newest checks, so the outlets page reads a bounded
#: slice of ``checks`` however busy the crawler is (measured: ~0.1 s for the cap, 100k articles).
FAILURE_WINDOW = timedelta(days=1)
FAILURE_WINDOW_MAX_CHECKS = 100_000

#: Version rows read per search (best first), folded into at most SEARCH_RESULTS articles.
SEARCH_VERSIONS = 500
SEARCH_RESULTS = 50

#: Words around a search hit in its snippet (FTS5 allows at most 64).
SNIPPET_WORDS = 24

# Marks FTS5's snippet() puts around hits: control characters never found in stored text, so the
# web layer can escape the snippet and then turn them into <mark>.
HIT_START, HIT_END = "\x02", "\x03"

# An article's outlet, or the host part of its URL ("https://host:port/path" → "host:port") when
# it has none. Identical to the expression of the ``articles_outlet`` index (migration 0003), so
# outlet lists and per-outlet counts read that index instead of the table.
_REST = "substr(a.url, instr(a.url, '://') + 3)"
OUTLET = f"COALESCE(a.outlet, substr({_REST}, 1, instr({_REST} || '/', '/') - 1))"

_TERM = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class ChangePage:
    """One page of changes, newest first; ``older`` is the cursor for the next page (None: last)."""

    rows: list[dict]
    older: int | None


def open_reader(path: str | os.PathLike[str]) -> sqlite_utils.Database:
    """A read-only connection to an existing redline database (``PRAGMA query_only``).

    ``mode=rw`` makes a vanished file an error instead of silently creating an empty one; the
    schema was checked (and upgraded) once by :func:`redline.storage.db.open_database` at start-up.
    """
    if not os.path.isfile(path):
        raise DatabaseMissing(f"no redline database at {path}", path)
    uri = "file:" + urllib.parse.quote(os.fspath(path)) + "?mode=rw"
    with translate_errors(path):
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms() / 1000)
        conn.execute("PRAGMA query_only = ON")
    return sqlite_utils.Database(conn)


def recent_changes(
    db: sqlite_utils.Database, *, outlet: str | None = None, kind: str | None = None,
    article_id: int | None = None, older_than: int | None = None, limit: int = PAGE_SIZE,
) -> ChangePage:
    """Changes newest first (re-extractions left out), optionally of one outlet, kind or article."""
    where, params = ["c.reextraction = 0"], []
    if kind is not None:
        if kind not in CHANGE_KINDS:
            raise InvalidInput(f"unknown kind {kind!r}: use one of {', '.join(CHANGE_KINDS)}")
        where.append("EXISTS (SELECT 1 FROM json_each(c.kinds) WHERE json_each.value = ?)")
        params.append(kind)
    if outlet is not None:
        where.append(f"{OUTLET} = ?")
        params.append(outlet)
    if article_id is not None:
        where.append("c.article_id = ?")
        params.append(article_id)
    if older_than is not None:
        where.append("c.id < ?")
        params.append(older_than)
    sql = f"""
        SELECT {LISTED_COLUMNS}, {OUTLET} AS outlet {CHANGES_JOINED}
        WHERE {" AND ".join(where)}
        ORDER BY c.id DESC LIMIT ?
    """
    rows = [listed_change(row) for row in db.query(sql, [*params, limit + 1])]
    older = rows[limit - 1]["id"] if len(rows) > limit else None
    return ChangePage(rows[:limit], older)


def change_location(db: sqlite_utils.Database, change_id: int) -> dict:
    """Where a change is shown: its article's URL and the two versions it compares."""
    row = next(db.query(
        "SELECT a.url, c.from_version, c.to_version FROM changes c JOIN articles a ON a.id = c.article_id "
        "WHERE c.id = ?", [change_id]), None)
    if row is None:
        raise NotFound(f"there is no change {change_id}")
    return row


def outlets(db: sqlite_utils.Database, since: str) -> list[dict]:
    """Per outlet: articles (and how many removed), changes, last check and change, and failed and
    blocked checks since ``since`` (see :func:`failure_window_start`) with the newest one's reason."""
    stats = {
        row["outlet"]: {**row, "removed": 0, "changes": 0, "last_changed_at": None, "failures": 0,
                        "last_failure_at": None, "last_error": None, "last_error_url": None, "blocked": 0,
                        "last_blocked_at": None, "last_blocked_article": None, "last_blocked_reason": None}
        for row in db.query(  # covered by the articles_outlet index
            f"SELECT {OUTLET} AS outlet, count(*) AS articles, max(a.last_checked_at) AS last_checked_at "
            "FROM articles a GROUP BY 1 ORDER BY 1"
        )
    }
    for row in db.query(
        f"SELECT {OUTLET} AS outlet, count(*) AS removed FROM articles a WHERE a.state = 'removed' GROUP BY 1"
    ):
        stats[row["outlet"]].update(row)
    for row in db.query(
        f"SELECT {OUTLET} AS outlet, count(*) AS changes, max(c.detected_at) AS last_changed_at "
        "FROM changes c JOIN articles a ON a.id = c.article_id WHERE c.reextraction = 0 GROUP BY 1"
    ):
        stats[row["outlet"]].update(row)
    # With one max() in a query SQLite takes the bare columns (error, url) from the row holding
    # the maximum: here the newest failing check.
    for row in db.query(
        f"SELECT {OUTLET} AS outlet, count(*) AS failures, max(k.checked_at) AS last_failure_at, "
        "k.error AS last_error, k.url AS last_error_url "
        "FROM checks k JOIN articles a ON a.id = k.article_id "
        "WHERE k.checked_at >= ? AND k.outcome = 'error' GROUP BY 1",
        [since],
    ):
        stats[row["outlet"]].update(row)
    for row in db.query(
        f"SELECT {OUTLET} AS outlet, count(*) AS blocked, max(k.checked_at) AS last_blocked_at, "
        "k.article_id AS last_blocked_article, k.error AS last_blocked_reason "
        "FROM checks k JOIN articles a ON a.id = k.article_id "
        "WHERE k.checked_at >= ? AND k.outcome = 'blocked' GROUP BY 1",
        [since],
    ):
        stats[row["outlet"]].update(row)
    return list(stats.values())


def check_totals(db: sqlite_utils.Database, since: str) -> dict:
    """How many checks were made since ``since``, and how many failed or were blocked."""
    row = db.execute(
        "SELECT count(*), COALESCE(sum(outcome = 'error'), 0), COALESCE(sum(outcome = 'blocked'), 0) "
        "FROM checks WHERE checked_at >= ?", [since]
    ).fetchone()
    return {"checks": row[0], "failures": row[1], "blocked": row[2]}


def failure_window_start(db: sqlite_utils.Database, now: datetime | None = None) -> str:
    """The start of the checks window: a day ago, or later when that holds too many checks."""
    start = to_iso((now or datetime.now(UTC)) - FAILURE_WINDOW)
    row = db.execute(
        "SELECT checked_at FROM checks ORDER BY checked_at DESC LIMIT 1 OFFSET ?",
        [FAILURE_WINDOW_MAX_CHECKS - 1],
    ).fetchone()
    return max(start, row[0]) if row else start


def outlet_names(db: sqlite_utils.Database) -> list[str]:
    """Every outlet name (or host of articles without one), sorted."""
    return [row[0] for row in db.execute(f"SELECT DISTINCT {OUTLET} FROM articles a ORDER BY 1")]


def fts_query(text: str) -> str:
    """A user's search words as a safe FTS5 query: every word or "quoted phrase" must match.

    Each term is quoted, so FTS5 operators and stray punctuation can never be a syntax error;
    a trailing ``*`` on a word keeps its meaning (prefix search: ``budg*``).
    """
    terms = []
    for phrase, word in _TERM.findall(text):
        prefix = bool(word) and word.endswith("*")
        term = (phrase or word.rstrip("*")).replace('"', "").strip()
        if term:
            terms.append(f'"{term}"' + ("*" if prefix else ""))
    if not terms:
        raise InvalidInput("type one or more words to search for")
    return " ".join(terms)


def search(db: sqlite_utils.Database, text: str) -> list[dict]:
    """Articles whose headline or body match ``text``, best first, with every matching version.

    ``versions`` lists the matching version numbers, so text that an outlet later cut is found,
    and shown as no longer in the latest version.
    """
    sql = f"""
        SELECT v.article_id, v.number, a.url, {OUTLET} AS outlet, v.headline, v.first_seen, v.last_seen,
               snippet(versions_fts, -1, ?, ?, '…', ?) AS snippet,
               (SELECT max(number) FROM versions WHERE article_id = v.article_id) AS latest
        FROM versions_fts f
        JOIN versions v ON v.id = f.rowid
        JOIN articles a ON a.id = v.article_id
        WHERE versions_fts MATCH ?
        ORDER BY f.rank LIMIT ?
    """
    found: dict[int, dict] = {}
    params = [HIT_START, HIT_END, SNIPPET_WORDS, fts_query(text), SEARCH_VERSIONS]
    for row in db.query(sql, params):
        hit = found.get(row["article_id"])
        if hit is None:
            if len(found) == SEARCH_RESULTS:
                continue
            hit = found[row["article_id"]] = {**row, "versions": []}
        hit["versions"].append(row["number"])
    for hit in found.values():
        hit["versions"].sort()
        hit["in_latest"] = hit["latest"] in hit["versions"]
    return list(found.values())


def archived_version(db: sqlite_utils.Database, article_id: int, number: int) -> dict:
    """One stored version's raw HTML (decoded) with what is needed to show it as an archive."""
    row = next(db.query(
        "SELECT v.number, v.headline, v.byline, v.body, v.first_seen, v.last_seen, v.source_url, v.encoding, "
        "v.raw_html, a.url "
        "FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.article_id = ? AND v.number = ?",
        [article_id, number],
    ), None)
    if row is None:
        raise NotFound(f"there is no version {number} of article {article_id}")
    row["raw_html"] = blobs.page_of(db, row)
    return row


def blocked_answer(db: sqlite_utils.Database, article_id: int) -> dict:
    """The latest answer that blocked redline from an article: status, reason, headers, body text."""
    row = next(db.query(
        "SELECT a.url, k.checked_at, b.status, b.reason, b.headers, b.body FROM blocked_answers b "
        "JOIN checks k ON k.id = b.check_id JOIN articles a ON a.id = b.article_id WHERE b.article_id = ?",
        [article_id],
    ), None)
    if row is None:
        raise NotFound(f"article {article_id} was never blocked")
    row["headers"] = json.loads(row["headers"] or "{}")
    row["body"] = blobs.unpack(row["body"]).decode("utf-8", errors="replace") if row["body"] else ""
    return row
