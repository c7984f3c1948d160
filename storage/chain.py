"""The tamper-evident record: every version, removal and restoration is a link in a hash chain.

Why: a watchdog has to show a third party not only what an outlet published but that redline's
own record was not edited afterwards. Each outlet has one chain (articles tracked without an
outlet: one per host); every new version and every ``removed`` / ``restored`` change appends a
record whose hash covers the previous record's hash, so changing, inserting or deleting anything
before the head changes every hash after it. Someone who keeps a copy of a chain head (shown by
``redline status``, the Atom feed and every export) can later prove the history up to it is
unchanged: ``redline verify --head HASH``.

A record's hash is ``sha256`` (hex) of the UTF-8 JSON array (no spaces, non-ASCII kept)::

    ["redline-chain/1", prev_hash, kind, url, number, at, payload_digest, text_digest,
     html_digest, head_digest]

- ``prev_hash``: the previous record's hash in this chain (64 zeros for the first);
- ``kind``: ``version``, ``removed`` or ``restored``;
- ``url``: the URL the version was fetched from (``versions.source_url``), or the article's URL;
- ``number``: the version number (for a removal the last version, for a restoration the one served);
- ``at``: the response time (``exchanges.responded_at``; ``versions.first_seen`` for versions
  stored before exchanges were kept; ``changes.detected_at`` for removals and restorations);
- ``payload_digest``: ``sha256:`` + base32 of the response body as received (the WARC spelling);
- ``text_digest``: ``versions.content_digest`` recomputed from the headline, byline and body;
- ``html_digest``: sha256 (hex) of the stored decoded HTML (``versions.raw_html``);
- ``head_digest``: sha256 (hex) of the exchange's request and response heads (``""`` if none).

Removals and restorations have ``""`` for the four digests. The format is versioned by its first
element and must never change: a new format would be a new tag and a new migration.

:func:`verify` recomputes every record from the stored data (decoding every body), not from
the digests stored beside it, so an edited body, text, header or time is found and named. Stored
bodies are packed by storage/blobs.py; the digests are of the bytes as received, so repacking a
row (``redline compact``) leaves every record as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlite_utils

from redline.storage import blobs
from redline.storage import exchange as exchanges
from redline.storage import record  # content_digest; record imports this module too, so by module
from redline.storage.browse import OUTLET

FORMAT = "redline-chain/1"
GENESIS = "0" * 64
KINDS = ("version", "removed", "restored")

#: Chain records read per query while verifying or exporting (keyset pages on ``(chain, seq)``):
#: each record may carry a 1 MB body, so pages stay small.
PAGE = 200

#: The fields of a record that go into its hash after ``prev_hash``, in order.
MATERIAL = ("kind", "url", "number", "at", "payload_digest", "text_digest", "html_digest", "head_digest")

#: What a version's record is computed from: the version and its exchange, as ``v_*`` / ``e_*`` columns.
_VERSION_COLUMNS = (
    "v.number AS v_number, v.source_url AS v_source_url, v.first_seen AS v_first_seen, v.headline AS v_headline, "
    "v.byline AS v_byline, v.body AS v_body, v.raw_html AS v_raw_html, e.version_id AS e_version_id, e.method, "
    "e.url AS e_url, e.request_headers, e.requested_at, e.protocol, e.status, e.reason, e.response_headers, "
    "e.responded_at, e.body AS e_body"
)
_JOINED = (
    f"SELECT c.*, {_VERSION_COLUMNS}, ch.from_version AS ch_from, ch.to_version AS ch_to, "
    "ch.detected_at AS ch_detected_at FROM chain c LEFT JOIN versions v ON v.id = c.version_id "
    "LEFT JOIN exchanges e ON e.version_id = c.version_id LEFT JOIN changes ch ON ch.id = c.change_id"
)


def record_hash(prev_hash: str, material: dict) -> str:
    """The hash of one record (see the module docstring for the exact bytes hashed)."""
    values = [FORMAT, prev_hash, *(material[name] for name in MATERIAL)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


# --- appending (inside the transaction that stores the version or change) -----------------


def append_version(db: sqlite_utils.Database, version_id: int) -> str:
    """Chain a version just stored (with its exchange, if any); returns the new record's hash."""
    row = next(db.query(f"SELECT v.article_id, {_VERSION_COLUMNS} FROM versions v "
                        "LEFT JOIN exchanges e ON e.version_id = v.id WHERE v.id = ?", [version_id]))
    return _append(db, row["article_id"], {**_version_material(db, row), "kind": "version"}, version_id=version_id)


def append_change(db: sqlite_utils.Database, change_id: int, kind: str) -> str:
    """Chain a ``removed`` or ``restored`` change just stored; returns the new record's hash."""
    row = next(db.query(
        "SELECT ch.article_id, ch.from_version AS ch_from, ch.to_version AS ch_to, ch.detected_at AS ch_detected_at, "
        "a.url FROM changes ch JOIN articles a ON a.id = ch.article_id WHERE ch.id = ?", [change_id]))
    return _append(db, row["article_id"], {**_change_material(row, kind), "url": row["url"]}, change_id=change_id)


def _append(db: sqlite_utils.Database, article_id: int, material: dict, *, version_id: int | None = None,
            change_id: int | None = None) -> str:
    name = db.execute(f"SELECT {OUTLET} FROM articles a WHERE a.id = ?", [article_id]).fetchone()[0]
    last = db.execute("SELECT seq, hash FROM chain WHERE chain = ? ORDER BY seq DESC LIMIT 1", [name]).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    digest = record_hash(prev, material)
    row = {"chain": name, "seq": seq, "article_id": article_id, "version_id": version_id, "change_id": change_id,
           **material, "prev_hash": prev, "hash": digest}
    db.execute(f"INSERT INTO chain ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
    return digest


def _version_material(db: sqlite_utils.Database, row: dict) -> dict:
    """A version's record fields, recomputed from its stored rows (raises blobs.Damaged on damage)."""
    has_exchange = row["e_version_id"] is not None
    html = blobs.page_of(db, row, "v_")
    wire = exchanges.wire_body(row["e_body"] if has_exchange else None, lambda: html)
    return {
        "url": row["v_source_url"] or "",
        "number": row["v_number"],
        "at": row["responded_at"] if has_exchange else row["v_first_seen"],
        "payload_digest": exchanges.payload_digest(wire),
        "text_digest": record.content_digest(row["v_headline"], row["v_byline"], row["v_body"]),
        "html_digest": hashlib.sha256(html).hexdigest(),
        "head_digest": exchanges.head_digest({**row, "url": row["e_url"]}, db) if has_exchange else "",
    }


def _change_material(row: dict, kind: str) -> dict:
    return {"kind": kind, "number": row["ch_from"] if kind == "removed" else row["ch_to"],
            "at": row["ch_detected_at"], "payload_digest": "", "text_digest": "", "html_digest": "",
            "head_digest": ""}


def change_kind(kinds: list[str]) -> str | None:
    """Which chain record a change makes: ``removed``, ``restored``, or None (edits are chained
    through their versions)."""
    return "removed" if "removed" in kinds else "restored" if "restored" in kinds else None


def backfill(db: sqlite_utils.Database) -> int:
    """Chain a history stored before chains existed, oldest first (the upgrade migration's step).

    Versions count at their first sighting, removals and restorations when detected; at equal
    times a version precedes the change that announces it, as when they are recorded."""
    items = db.execute(
        "SELECT at, ord, oid, kind FROM ("
        " SELECT first_seen AS at, 0 AS ord, id AS oid, 'version' AS kind FROM versions"
        " UNION ALL"
        " SELECT detected_at, 1, id, CASE WHEN kinds LIKE '%\"removed\"%' THEN 'removed' ELSE 'restored' END"
        " FROM changes WHERE reextraction = 0 AND (kinds LIKE '%\"removed\"%' OR kinds LIKE '%\"restored\"%')"
        ") ORDER BY at, ord, oid"
    ).fetchall()
    for _at, _ord, oid, kind in items:
        if kind == "version":
            append_version(db, oid)
        else:
            append_change(db, oid, kind)
    return len(items)


# --- reading -------------------------------------------------------------------------------


def heads(db: sqlite_utils.Database) -> list[dict]:
    """The newest record of every chain: ``{"chain", "seq", "hash", "at"}``, by chain name (none
    for a file a read-only connection opened before its upgrade, which has no chain yet)."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain'").fetchone() is None:
        return []
    return [dict(row) for row in db.query(
        "SELECT c.chain, c.seq, c.hash, c.at FROM chain c "
        "WHERE c.seq = (SELECT max(seq) FROM chain WHERE chain = c.chain) ORDER BY c.chain")]


@dataclass(frozen=True)
class Mismatch:
    """The first record of a chain that does not match, and why."""

    chain: str
    seq: int | None
    kind: str
    url: str
    number: int | None
    at: str
    reason: str

    def describe(self) -> str:
        what = f"version {self.number}" if self.kind == "version" else f"{self.kind} (version {self.number})"
        where = f"record {self.seq}" if self.seq is not None else "a record"
        return f"{self.chain}: {where} ({what} of {self.url}, {self.at}) does not match: {self.reason}"


@dataclass
class ChainReport:
    """What verifying one chain found: ``mismatch`` is None when every record matched."""

    chain: str
    records: int = 0
    head: str = GENESIS
    mismatch: Mismatch | None = None
    found_heads: set[str] = field(default_factory=set)


def verify(db: sqlite_utils.Database, *, article_id: int | None = None, wanted_heads: frozenset[str] = frozenset(),
           on_record: Callable[[], None] | None = None) -> list[ChainReport]:
    """Recompute every chain (or only ``article_id``'s records and their links) from the stored data.

    Each record is checked four ways: its sequence number follows the previous one (none deleted),
    its ``prev_hash`` is the previous record's hash, its hash is that of its fields, and its fields
    equal what the stored version or change says now. Versions and removals/restorations that
    are in no chain are reported too (rows added behind redline's back). ``wanted_heads`` are
    hashes a third party kept: each found is put in its report's ``found_heads``.
    """
    names = ([db.execute("SELECT chain FROM chain WHERE article_id = ? LIMIT 1", [article_id]).fetchone()]
             if article_id is not None else db.execute("SELECT DISTINCT chain FROM chain ORDER BY chain").fetchall())
    reports = [_verify_chain(db, row[0], article_id, wanted_heads, on_record) for row in names if row]
    stray = _unchained(db, article_id)
    if stray is not None:
        report = next((r for r in reports if r.chain == stray.chain), None)
        if report is None:
            reports.append(ChainReport(stray.chain, mismatch=stray))
        elif report.mismatch is None:
            report.mismatch = stray
    return reports


def _verify_chain(db: sqlite_utils.Database, name: str, article_id: int | None, wanted: frozenset[str],
                  on_record: Callable[[], None] | None) -> ChainReport:
    report = ChainReport(name)
    prev, expected_seq = GENESIS, 1
    for row in _records(db, name, article_id):
        if on_record:
            on_record()
        report.records += 1
        if article_id is not None:  # only this article's records: link to the stored predecessor
            before = db.execute("SELECT hash FROM chain WHERE chain = ? AND seq = ?", [name, row["seq"] - 1]).fetchone()
            prev, expected_seq = (before[0] if before else GENESIS), row["seq"]
        reason = _check(db, row, prev, expected_seq)
        if reason:
            report.mismatch = Mismatch(name, row["seq"], row["kind"], row["url"], row["number"], row["at"], reason)
            return report
        if row["hash"] in wanted:
            report.found_heads.add(row["hash"])
        prev, expected_seq, report.head = row["hash"], row["seq"] + 1, row["hash"]
    return report


def _records(db: sqlite_utils.Database, name: str, article_id: int | None) -> Iterator[dict]:
    where, args = ("c.chain = ? AND c.article_id = ?", [name, article_id]) if article_id is not None else (
        "c.chain = ?", [name])
    last = 0
    while rows := list(db.query(f"{_JOINED} WHERE {where} AND c.seq > ? ORDER BY c.seq LIMIT {PAGE}",
                                [*args, last])):
        yield from rows
        last = rows[-1]["seq"]


def _check(db: sqlite_utils.Database, row: dict, prev: str, expected_seq: int) -> str | None:
    """Why a record does not match (None when it does)."""
    if row["seq"] != expected_seq:
        return f"records {expected_seq}–{row['seq'] - 1} of the chain are missing (deleted?)"
    if row["prev_hash"] != prev:
        return "it does not link to the record before it (prev_hash differs)"
    stored = {name: row[name] for name in MATERIAL}
    if record_hash(row["prev_hash"], stored) != row["hash"]:
        return "the chain record itself was altered (its hash does not match its fields)"
    if row["kind"] == "version":
        if row["v_number"] is None:
            return "the version it records is gone from the versions table"
        try:
            actual = {**_version_material(db, row), "kind": "version"}
        except blobs.Damaged:
            # A page is packed with its row's text: edited text shows as that, not as a damaged body.
            if record.content_digest(row["v_headline"], row["v_byline"], row["v_body"]) != stored["text_digest"]:
                return _DIFFERS["text_digest"]
            return "the stored body is damaged (it no longer decompresses)"
    else:
        if row["ch_detected_at"] is None:
            return f"the {row['kind']} change it records is gone from the changes table"
        actual = {**_change_material(row, row["kind"]), "url": row["url"]}
    for name in MATERIAL:
        if actual[name] != stored[name]:
            return _DIFFERS.get(name, f"{name} differs from the stored data")
    return None


_DIFFERS = {
    "payload_digest": "the stored response body differs from the one chained (payload digest)",
    "text_digest": "the stored headline, byline or text differs from what was chained (text digest)",
    "html_digest": "the stored HTML differs from what was chained (HTML digest)",
    "head_digest": "the stored request or response headers differ from what was chained",
    "at": "the stored response time differs from the one chained",
    "number": "the version number differs from the one chained",
    "url": "the URL differs from the one chained",
}


def _unchained(db: sqlite_utils.Database, article_id: int | None) -> Mismatch | None:
    """The first version, removal or restoration that no chain record covers."""
    only = "AND v.article_id = ?" if article_id is not None else ""
    args = [article_id] if article_id is not None else []
    row = db.execute(
        f"SELECT {OUTLET}, v.source_url, v.number, v.first_seen FROM versions v JOIN articles a ON a.id = v.article_id "
        f"WHERE NOT EXISTS (SELECT 1 FROM chain c WHERE c.version_id = v.id) {only} ORDER BY v.id LIMIT 1", args
    ).fetchone()
    if row:
        return Mismatch(row[0], None, "version", row[1] or "", row[2], row[3], "it is in no chain (added outside redline?)")
    only = only.replace("v.article_id", "ch.article_id")
    row = db.execute(
        f"SELECT {OUTLET}, a.url, ch.kinds, ch.from_version, ch.to_version, ch.detected_at FROM changes ch "
        f"JOIN articles a ON a.id = ch.article_id WHERE ch.reextraction = 0 "
        f"AND (ch.kinds LIKE '%\"removed\"%' OR ch.kinds LIKE '%\"restored\"%') "
        f"AND NOT EXISTS (SELECT 1 FROM chain c WHERE c.change_id = ch.id) {only} ORDER BY ch.id LIMIT 1", args
    ).fetchone()
    if row:
        kind = change_kind(json.loads(row[2])) or "restored"
        return Mismatch(row[0], None, kind, row[1], row[3] if kind == "removed" else row[4], row[5],
                        "it is in no chain (added outside redline?)")
    return None
