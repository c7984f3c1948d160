"""Exchange headers packed against their outlet's reference heads (storage/blobs.py ``TAG_HEADS``,
migration 0012): they read back exactly, cost a fraction of the frozen dictionary's blobs, damage is
named, and a database written before 0012 opens upgraded with its bytes, history and chain intact."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from redline.storage import articles, blobs, chain, exchange, queries, record
from redline.storage.db import open_database
from redline.storage.exchange import Exchange
from redline.storage.migrations import MIGRATIONS
from testkit.pages import STORY, article_page
from testkit.records import extracted
from testkit.site import Redline

#: What a news server sends with every page, and what moves from one answer to the next.
STEADY = (("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx/1.24.0"), ("Vary", "Accept-Encoding"),
          ("Cache-Control", "max-age=60, public"), ("X-Frame-Options", "SAMEORIGIN"),
          ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
          ("Content-Security-Policy", "default-src 'self' https:; script-src 'self' https://cdn.news.example; "
                                      "img-src * data:"), ("Via", "1.1 varnish"), ("X-Cache", "MISS"))


def _exchange(url: str, n: int, page: bytes, *, extra: tuple[tuple[str, str], ...] = (), gzipped: bool = False
              ) -> Exchange:
    wire = gzip.compress(page, 6, mtime=0) if gzipped else page
    moving = (("Content-Length", str(len(wire))), ("Date", f"Tue, 01 Dec 2026 10:{n % 60:02d}:00 GMT"),
              ("X-Request-Id", f"{n * 7919:016x}"), ("Age", str(n * 3)))
    return Exchange("GET", url, (("User-Agent", "redline/0.1.0"), ("Accept-Encoding", "gzip, deflate, br, zstd"),
                                 ("Host", url.split("/")[2])), f"2026-12-01T10:{n % 60:02d}:00.000000Z", "HTTP/1.1",
                    200, "OK", (*STEADY, *(("Content-Encoding", "gzip"),) * gzipped, *moving, *extra),
                    f"2026-12-01T10:{n % 60:02d}:00.250000Z", wire)


def _record(db, url: str, outlet: str, n: int, **options) -> int:
    """Record a version of ``url`` fetched with a full exchange; returns the version id."""
    article_id = articles.track(db, [url], outlet=outlet)[0].article_id
    page = article_page(f"Story {n}", STORY[:3], churn=n).encode("utf-8")
    done = record.record_content(db, article_id, record.Fetch(url=url, checked_at=f"2026-12-01T10:{n % 60:02d}:00Z",
                                                              status=200, exchange=_exchange(url, n, page, **options)),
                                 extracted(f"Story {n}"), page)
    return db.execute("SELECT id FROM versions WHERE article_id = ? AND number = ?",
                      [article_id, done.version]).fetchone()[0]


def _heads(db, version_id: int) -> tuple[bytes, bytes]:
    return db.execute("SELECT request_headers, response_headers FROM exchanges WHERE version_id = ?",
                      [version_id]).fetchone()


def test_heads_pack_against_their_outlets_reference_and_read_back_exactly(db):
    ids = {(outlet, n): _record(db, f"https://{outlet.lower()}.example/news/{n}", outlet, n)
           for outlet in ("Daily", "Weekly") for n in range(4)}
    for (outlet, n), version_id in ids.items():
        request, response = _heads(db, version_id)
        assert request[0] == response[0] == blobs.TAG_HEADS
        url = f"https://{outlet.lower()}.example/news/{n}"
        page = article_page(f"Story {n}", STORY[:3], churn=n).encode("utf-8")
        sent = _exchange(url, n, page)
        assert exchange.headers(request, db) == [list(h) for h in sent.request_headers]
        assert exchange.headers(response, db) == [list(h) for h in sent.response_headers]
        frozen = blobs.encode_headers(json.dumps([list(h) for h in sent.response_headers], ensure_ascii=False))
        assert len(response) < len(frozen) / 3  # only what moves costs bytes (bench/storage.py: 193 -> 38 B)
    kinds = db.execute("SELECT outlet, kind FROM blob_dicts ORDER BY outlet, kind").fetchall()
    assert kinds == [("Daily", "heads"), ("Weekly", "heads")]  # one reference per outlet; the test pages are stubs
    assert [report.mismatch for report in chain.verify(db)] == [None, None]


def test_heads_too_big_to_be_a_reference_use_the_frozen_dictionary(db):
    cookie = (("Set-Cookie", "session=" + "a1b2c3d4" * 1200),)  # ~9.6 KB: over MAX_HEADS_REFERENCE
    first = _record(db, "https://big.example/news/1", "Big", 1, extra=cookie)
    assert [blob[0] for blob in _heads(db, first)] == [blobs.TAG_HEADERS, blobs.TAG_HEADERS]
    assert db.execute("SELECT count(*) FROM blob_dicts WHERE kind = 'heads'").fetchone()[0] == 0
    second = _record(db, "https://big.example/news/2", "Big", 2)  # the first fit head becomes the reference
    assert [blob[0] for blob in _heads(db, second)] == [blobs.TAG_HEADS, blobs.TAG_HEADS]
    third = _record(db, "https://big.example/news/3", "Big", 3, extra=cookie)  # a big head packs against it too
    assert [blob[0] for blob in _heads(db, third)] == [blobs.TAG_HEADS, blobs.TAG_HEADS]
    assert ["Set-Cookie", cookie[0][1]] in exchange.headers(_heads(db, third)[1], db)
    assert [report.mismatch for report in chain.verify(db)] == [None]


def test_damaged_heads_and_a_lost_reference_are_named(db):
    version_id = _record(db, "https://daily.example/news/1", "Daily", 1)
    _, response = _heads(db, version_id)
    for at in range(2, len(response)):  # every byte after the tag and the reference id
        damaged = bytearray(response)
        damaged[at] ^= 0x01
        with pytest.raises(blobs.Damaged):
            blobs.decode_headers(bytes(damaged), db)
    with pytest.raises(blobs.Damaged):
        blobs.decode_headers(bytes([blobs.TAG_HEADS]) + blobs._varint(999) + response[2:], db)
    with pytest.raises(blobs.Damaged):
        blobs.decode_headers(bytes([0x7F]) + response[1:], db)


# --- a database written before migration 0012 ---------------------------------------------------

OUTLET = "Old Daily"
OLD_URLS = ("https://old.example/news/one", "https://old.example/news/two")
#: Enough chrome that the first page is over ``blobs.MIN_REFERENCE`` and became its outlet's reference.
CHROME = "<div class='menu'>" + "".join(f"<a href='/section/{i}'>Section {i}</a>" for i in range(900)) + "</div>"


def _old_page(headline: str, paragraphs: list[str], churn: int) -> bytes:
    return article_page(headline, paragraphs, churn=churn).replace("</body>", CHROME + "</body>").encode("utf-8")


def _old_database(path: Path) -> dict[int, tuple[bytes, bytes, list, list]]:
    """A database as redline wrote it before migration 0012 (every step up to 0011): an outlet
    reference page without a kind, pages packed against it and as deltas, a gzip body kept as its
    recipe, headers packed with the frozen dictionary (and one row's as JSON text, as before 0008),
    its chain; returns {version id: (page, wire body, request head, response head)}."""
    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0012_head_references")
    assert "kind" not in {column.name for column in old["blob_dicts"].columns}
    written = {}
    reference = None
    for a, url in enumerate(OLD_URLS, 1):
        old.execute("INSERT INTO articles (id, url, outlet, added_at) VALUES (?, ?, ?, '2026-01-01T00:00:00Z')",
                    [a, url, OUTLET])
        old.execute("INSERT INTO aliases VALUES (?, ?, 'tracked', '2026-01-01T00:00:00Z')", [url, a])
        for number in (1, 2):
            headline, paragraphs = f"Story {a} version {number}", STORY[:number + 1]
            body = "\n\n".join(paragraphs)
            page = _old_page(headline, paragraphs, churn=a * 10 + number)
            text = blobs.version_text(headline, "", body)
            if reference is None:  # the outlet's first page, stored as its reference (0008)
                assert len(page) >= blobs.MIN_REFERENCE
                reference = old.execute(
                    "INSERT INTO blob_dicts (outlet, digest, size, content, created_at) VALUES (?, ?, ?, ?, ?)",
                    [OUTLET, hashlib.sha256(page).hexdigest(), len(page), blobs._compress(page),
                     "2026-01-01T00:00:00Z"]).lastrowid
                reference_page = page
            if number == 1:  # a keyframe against the outlet's reference page
                raw = bytes([blobs.TAG_OUTLET]) + blobs._varint(reference) + blobs._compress(page, reference_page + text)
            else:  # a delta on version 1 (reads blob_dicts by id only, as the code before 0012 did)
                raw = blobs.encode_page(old, a, OUTLET, page, text)
                assert raw[0] == blobs.TAG_DELTA
            seen = f"2026-01-0{number}T00:00:0{a}Z"
            version_id = old.execute(
                "INSERT INTO versions (article_id, number, headline, byline, body, content_digest, first_seen, "
                "last_seen, extractor_version, source_url, encoding, raw_html) VALUES (?, ?, ?, '', ?, ?, ?, ?, 'old', "
                "?, 'utf-8', ?)", [a, number, headline, body, record.content_digest(headline, "", body), seen, seen,
                                   url, raw]).lastrowid
            sent = _exchange(url, a * 10 + number, page, gzipped=a == 2)
            request = [list(h) for h in sent.request_headers]
            response = [list(h) for h in sent.response_headers]
            stored_request = json.dumps(request) if (a, number) == (1, 1) else blobs.encode_headers(json.dumps(request))
            old.execute("INSERT INTO exchanges VALUES (?, 'GET', ?, ?, ?, 'HTTP/1.1', 200, 'OK', ?, ?, ?)",
                        [version_id, url, stored_request, sent.requested_at,
                         blobs.encode_headers(json.dumps(response)), sent.responded_at,
                         blobs.encode_wire(sent.body, page)])
            chain.append_version(old, version_id)
            written[version_id] = (page, sent.body, request, response)
    old.conn.commit()
    old.close()
    return written


def test_a_database_from_before_0012_upgrades_with_its_bytes_history_and_chain(tmp_path):
    path = tmp_path / "old.db"
    written = _old_database(path)
    redline = Redline(path)
    assert "4 record(s) match" in redline("verify").stdout  # opened (0012 applied) and still intact
    history = redline("history", OLD_URLS[1], "--json").json()
    assert [(v["version"], v["headline"]) for v in history["versions"]] == [
        (1, "Story 2 version 1"), (2, "Story 2 version 2")]

    db = open_database(path)
    assert MIGRATIONS.pending(db) == []
    assert db.execute("SELECT outlet, kind FROM blob_dicts").fetchall() == [(OUTLET, "page")]
    for version_id, (page, wire, request, response) in written.items():
        row = next(db.query("SELECT v.raw_html, v.headline, v.byline, v.body, e.body AS e_body, e.request_headers, "
                            "e.response_headers FROM versions v JOIN exchanges e ON e.version_id = v.id "
                            "WHERE v.id = ?", [version_id]))
        assert blobs.page_of(db, row) == page
        assert exchange.wire_body(row["e_body"], lambda page=page: page) == wire
        assert exchange.headers(row["request_headers"], db) == request
        assert exchange.headers(row["response_headers"], db) == response
    assert queries.latest_raw(db, 2)["raw_html"] == written[max(written)][0]

    # A new article of the same outlet after the upgrade: its page packs against the old reference
    # page (kind ``page`` by default), its heads against a new reference of kind ``heads``.
    url = "https://old.example/news/three"
    article_id = articles.track(db, [url], outlet=OUTLET)[0].article_id
    page = _old_page("Story 3", STORY[:4], churn=30)
    fetched = _exchange(url, 30, page, gzipped=True)
    record.record_content(db, article_id, record.Fetch(url=url, checked_at="2026-01-05T00:00:00Z", status=200,
                                                       exchange=fetched), extracted("Story 3"), page)
    raw, request, response = db.execute(
        "SELECT v.raw_html, e.request_headers, e.response_headers FROM versions v JOIN exchanges e "
        "ON e.version_id = v.id WHERE v.article_id = ?", [article_id]).fetchone()
    assert raw[0] == blobs.TAG_OUTLET and blobs._read_varint(raw, 1)[0] == 1
    assert request[0] == response[0] == blobs.TAG_HEADS
    assert db.execute("SELECT kind FROM blob_dicts ORDER BY id").fetchall() == [("page",), ("heads",)]
    db.close()
    written[0] = (page, fetched.body, [], [])

    assert "5 record(s) match" in redline("verify").stdout
    out = tmp_path / "all.warc.gz"
    redline("export", "--warc", str(out))
    with open(out, "rb") as handle:
        responses = [(r.http_headers, r.raw_stream.read()) for r in ArchiveIterator(handle) if r.rec_type == "response"]
    assert len(responses) == 5
    for _, wire, _, response in written.values():
        [http] = [h for h, payload in responses if payload == wire]  # the body exactly as received
        assert not response or [list(h) for h in http.headers] == response  # and its head as stored
