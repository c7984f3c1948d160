"""Streaming reads for the exports (redline/app/export/): the archive records and the articles.

Built for 100k-article files: every iterator reads keyset pages (``(chain, seq)`` for archive
records, ``articles.id`` for articles), so memory stays flat however large the file is, and
bodies are decoded one record at a time. Callers that want one consistent snapshot run
the whole export inside :func:`snapshot` (a WAL read transaction: the crawler keeps writing,
the export sees none of it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlite_utils

from redline.core.errors import DatabaseFailure
from redline.storage import blobs
from redline.storage.browse import OUTLET
from redline.storage.exchange import headers as exchange_headers
from redline.storage.exchange import wire_body

#: Rows per keyset page: archive records carry bodies (up to a few MB each), articles their versions.
RECORD_PAGE = 100
ARTICLE_PAGE = 200


@dataclass(frozen=True)
class Filters:
    """Which part of the history to export. ``since`` is inclusive, ``until`` exclusive (so
    consecutive exports tile); both are redline timestamps and compare to the second."""

    article_id: int | None = None
    outlet: str | None = None
    since: str | None = None
    until: str | None = None


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Read everything inside one read transaction, so an export is one moment of the history."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("ROLLBACK")


def _where(filters: Filters, time_column: str) -> tuple[str, list]:
    clauses, args = [], []
    if filters.article_id is not None:
        clauses.append("a.id = ?")
        args.append(filters.article_id)
    if filters.outlet is not None:
        clauses.append(f"{OUTLET} = ?")
        args.append(filters.outlet)
    if filters.since is not None:
        clauses.append(f"substr({time_column}, 1, 19) >= ?")
        args.append(filters.since[:19])
    if filters.until is not None:
        clauses.append(f"substr({time_column}, 1, 19) < ?")
        args.append(filters.until[:19])
    return (" AND ".join(clauses) or "1"), args


_RECORDS = (
    "SELECT c.chain, c.seq, c.kind, c.url AS chain_url, c.number, c.at, c.payload_digest, c.text_digest, "
    "c.html_digest, c.head_digest, c.prev_hash, c.hash, a.url AS article_url, a.outlet, "
    "v.id AS version_id, v.headline, v.byline, v.body, v.content_digest, v.first_seen, v.last_seen, v.published, "
    "v.modified, v.source_url, v.encoding, v.extractor_version, v.method AS extraction_method, v.raw_html, "
    "e.version_id AS e_version_id, e.method, e.url AS request_url, e.request_headers, e.requested_at, e.protocol, "
    "e.status, e.reason, e.response_headers, e.responded_at, e.body AS e_body, "
    "ch.id AS change_id, ch.from_version, ch.to_version, ch.kinds, ch.reverts_to, ch.reextraction, "
    "tc.kinds AS to_kinds, tc.from_version AS to_from, tc.reverts_to AS to_reverts, tc.reextraction AS to_reextraction "
    "FROM chain c LEFT JOIN articles a ON a.id = c.article_id "
    "LEFT JOIN versions v ON v.id = c.version_id LEFT JOIN exchanges e ON e.version_id = c.version_id "
    "LEFT JOIN changes ch ON ch.id = c.change_id "
    "LEFT JOIN changes tc ON c.kind = 'version' AND tc.article_id = c.article_id AND tc.to_version = c.number "
    " AND tc.id = (SELECT max(id) FROM changes WHERE article_id = c.article_id AND to_version = c.number)"
)


def count_records(db: sqlite_utils.Database, filters: Filters) -> int:
    where, args = _where(filters, "c.at")
    return db.execute(f"SELECT count(*) FROM chain c LEFT JOIN articles a ON a.id = c.article_id WHERE {where}",
                      args).fetchone()[0]


def archive_records(db: sqlite_utils.Database, filters: Filters) -> Iterator[dict]:
    """Every chain record (version, removal, restoration) matching ``filters``, by chain and
    sequence, with what an archive needs: for versions the exchange (``body``: the response
    body as received, decompressed), the decoded HTML (``html``), the extracted reading and the
    change that led to it (``change``: kinds, from version, reverts_to)."""
    where, args = _where(filters, "c.at")
    last: tuple[str, int] = ("", 0)
    while rows := list(db.query(
        f"{_RECORDS} WHERE {where} AND (c.chain, c.seq) > (?, ?) ORDER BY c.chain, c.seq LIMIT {RECORD_PAGE}",
        [*args, *last],
    )):
        for row in rows:
            try:
                yield _archive_record(db, row)
            except blobs.Damaged:
                path = db.execute("PRAGMA database_list").fetchone()[2]
                raise DatabaseFailure(
                    f"the stored body of version {row['number']} of {row['chain_url']} is damaged (it no longer "
                    "decompresses): `redline verify` shows what else is; nothing was exported", path
                ) from None
        last = (rows[-1]["chain"], rows[-1]["seq"])


def _archive_record(db: sqlite_utils.Database, row: dict) -> dict:
    record = {key: row[key] for key in (
        "chain", "seq", "kind", "number", "at", "payload_digest", "text_digest", "html_digest", "head_digest",
        "prev_hash", "hash", "article_url", "outlet", "headline", "byline", "content_digest", "first_seen",
        "last_seen", "published", "modified", "source_url", "encoding", "extractor_version", "extraction_method")}
    record["url"] = row["chain_url"]
    record["article_url"] = row["article_url"] or row["chain_url"]
    record["exchange"] = None
    record["html"] = None
    record["change"] = None
    if row["kind"] == "version":
        html = record["html"] = blobs.page_of(db, row)
        if row["e_version_id"] is not None:
            record["exchange"] = {
                "method": row["method"], "url": row["request_url"],
                "request_headers": [tuple(h) for h in exchange_headers(row["request_headers"], db)],
                "requested_at": row["requested_at"], "protocol": row["protocol"], "status": row["status"],
                "reason": row["reason"], "response_headers": [tuple(h) for h in exchange_headers(row["response_headers"], db)],
                "responded_at": row["responded_at"], "body": wire_body(row["e_body"], lambda: html),
            }
        if row["to_kinds"] is not None:
            record["change"] = {"from_version": row["to_from"], "kinds": json.loads(row["to_kinds"]),
                                "reverts_to": row["to_reverts"], "reextraction": bool(row["to_reextraction"])}
    elif row["change_id"] is not None:
        record["change"] = {"from_version": row["from_version"], "to_version": row["to_version"],
                            "kinds": json.loads(row["kinds"]), "reverts_to": row["reverts_to"],
                            "reextraction": bool(row["reextraction"])}
    return record


def count_articles(db: sqlite_utils.Database, filters: Filters) -> int:
    where, args = _article_where(filters)
    return db.execute(f"SELECT count(*) FROM articles a WHERE {where}", args).fetchone()[0]


def _article_where(filters: Filters) -> tuple[str, list]:
    if filters.since is None and filters.until is None:
        return _where(filters, "")
    return _article_time_where(filters)


def _article_time_where(filters: Filters) -> tuple[str, list]:
    """Articles with at least one version first seen in the window (the window then also bounds
    which versions and changes are listed)."""
    where, args = _where(Filters(filters.article_id, filters.outlet), "")
    window, window_args = _where(Filters(since=filters.since, until=filters.until), "v.first_seen")
    return (f"{where} AND EXISTS (SELECT 1 FROM versions v WHERE v.article_id = a.id AND {window})",
            [*args, *window_args])


def articles(db: sqlite_utils.Database, filters: Filters) -> Iterator[dict]:
    """Every article matching ``filters`` with its versions and changes, one article at a time,
    by id. With ``since``/``until`` only versions first seen, and changes detected, in the window."""
    where, args = _article_where(filters)
    version_window, version_args = _where(Filters(since=filters.since, until=filters.until), "first_seen")
    change_window, change_args = _where(Filters(since=filters.since, until=filters.until), "detected_at")
    last = 0
    while rows := list(db.query(
        f"SELECT a.id, a.url, a.outlet, {OUTLET} AS outlet_or_host, a.state, a.added_at FROM articles a "
        f"WHERE {where} AND a.id > ? ORDER BY a.id LIMIT {ARTICLE_PAGE}", [*args, last],
    )):
        for row in rows:
            row["aliases"] = [r[0] for r in db.execute(
                "SELECT url FROM aliases WHERE article_id = ? ORDER BY added_at, url", [row["id"]])]
            row["versions"] = list(db.query(
                "SELECT v.number, v.first_seen, v.last_seen, e.responded_at, v.headline, v.byline, v.body, "
                "v.published, v.modified, v.content_digest, v.source_url, v.extractor_version "
                "FROM versions v LEFT JOIN exchanges e ON e.version_id = v.id "
                f"WHERE v.article_id = ? AND {version_window} ORDER BY v.number", [row["id"], *version_args]))
            row["changes"] = list(db.query(
                "SELECT id, from_version, to_version, kinds, detected_at, words_added, words_removed, similarity, "
                "rewritten, reverts_to, reextraction FROM changes "
                f"WHERE article_id = ? AND {change_window} ORDER BY id", [row["id"], *change_args]))
            row["bodies"] = _bodies(db, row["id"], row["changes"])
            yield row
        last = rows[-1]["id"]


def _bodies(db: sqlite_utils.Database, article_id: int, changes: list[dict]) -> dict[int, dict]:
    """Headline, byline and body of every version a change names (even one outside the window)."""
    numbers = sorted({n for c in changes for n in (c["from_version"], c["to_version"]) if n is not None})
    if not numbers:
        return {}
    marks = ", ".join("?" for _ in numbers)
    return {row["number"]: row for row in db.query(
        f"SELECT number, headline, byline, body FROM versions WHERE article_id = ? AND number IN ({marks})",
        [article_id, *numbers])}
