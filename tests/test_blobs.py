"""Packed storage (storage/blobs.py): every codec gives back the exact bytes, rows stored as zlib
before migration 0008 keep reading, and ``redline compact`` repacks them without losing a row or
breaking the chain or the WARC export."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import zlib
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from bench.corpus import corpus_dir, load_manifest, missing_reason, page_bytes
from redline.storage import articles, blobs, browse, chain, queries, record
from redline.storage.db import open_database
from redline.storage.migrations import MIGRATIONS
from testkit.pages import STORY, article_page
from testkit.records import extracted
from testkit.site import Redline

needs_corpus = pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())


def _corpus_pages() -> list[bytes]:
    return [page_bytes(entry) for entry in load_manifest()]


def _churned(page: bytes, n: int) -> bytes:
    """The page as fetched the ``n``-th time: chrome that moves (a time stamp and a nonce)."""
    return page.replace(b"</body>", f'<p class="stamp">generated {n:06d} nonce {n * 7919:x}</p></body>'.encode(), 1)


def _versions(db) -> list[dict]:
    return list(db.query("SELECT id, article_id, number, raw_html, headline, byline, body FROM versions ORDER BY id"))


@needs_corpus
def test_every_corpus_page_comes_back_exactly_through_keyframes_and_deltas(db):
    """Each corpus page is an article of one of three outlets, stored over several edits (more than
    a keyframe interval for some), so outlet dictionaries, deltas and new keyframes are all used."""
    pages = _corpus_pages()
    expected: dict[int, bytes] = {}
    for i, page in enumerate(pages):
        url = f"https://outlet-{i % 3}.example/story-{i}"
        article_id = articles.track(db, [url], outlet=f"Outlet {i % 3}")[0].article_id
        count = blobs.KEYFRAME_EVERY + 2 if i % 10 == 0 else 3
        for n in range(count):
            fetched = _churned(page, n)
            done = record.record_content(db, article_id, record.Fetch(url=url, checked_at=f"2026-11-25T10:{n:02d}:00Z"),
                                         extracted(f"Story {i} edit {n}", f"Text of story {i}, edit {n}."), fetched)
            expected[db.execute("SELECT id FROM versions WHERE article_id = ? AND number = ?",
                                [article_id, done.version]).fetchone()[0]] = fetched
    rows = _versions(db)
    tags = {row["raw_html"][0] for row in rows}
    assert tags == {blobs.TAG_OUTLET, blobs.TAG_DELTA}
    assert all(blobs._depth(row["raw_html"]) < blobs.KEYFRAME_EVERY for row in rows)
    assert db.execute("SELECT count(*) FROM blob_dicts").fetchone()[0] == 3  # one reference page per outlet
    kept = blobs._cache(db)  # what a daemon's writer holds after storing them: one chain, three references
    assert kept.pages.size <= blobs.PAGE_CACHE_BYTES and kept.dicts.size <= blobs.DICT_CACHE_BYTES
    fresh = open_database(db.conn.execute("PRAGMA database_list").fetchone()[2])  # no cache from the writes
    for row in rows:
        assert blobs.page_of(fresh, row) == expected[row["id"]]
    fresh.close()
    for row in rows:  # a delta keeps what moved, not the page (here: a stamp, and the text)
        if row["raw_html"][0] == blobs.TAG_DELTA:
            assert len(row["raw_html"]) < len(zlib.compress(expected[row["id"]], 6)) / 20


@needs_corpus
@pytest.mark.parametrize("encoding", ["identity", "gzip-1", "gzip-6", "gzip-9", "nginx", "deflate", "streamed",
                                      "opaque"])
def test_every_wire_body_comes_back_exactly(encoding):
    for page in _corpus_pages()[::6]:
        if encoding == "identity":
            wire, tag = page, None
        elif encoding.startswith("gzip-"):
            wire, tag = gzip.compress(page, int(encoding[-1]), mtime=1764000000), blobs.TAG_GZIP
        elif encoding == "nginx":  # zlib level 1, no mtime, OS byte 3
            deflate = zlib.compressobj(1, zlib.DEFLATED, -15, 8)
            stream = deflate.compress(page) + deflate.flush()
            wire = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + stream + blobs._gzip_trailer(page)
            tag = blobs.TAG_GZIP
        elif encoding == "deflate":  # Content-Encoding: deflate, the zlib format
            wire, tag = zlib.compress(page, 6), blobs.TAG_GZIP
        elif encoding == "streamed":  # a server flushing every 4 KB: no recipe, kept as it came
            deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
            stream = b"".join(deflate.compress(page[i:i + 4096]) + deflate.flush(zlib.Z_SYNC_FLUSH)
                              for i in range(0, len(page), 4096)) + deflate.flush()
            wire = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + stream + blobs._gzip_trailer(page)
            tag = blobs.TAG_ZSTD
        else:  # brotli or zstd from the server: bytes no zlib setting makes
            wire, tag = os.urandom(2000) + page[:5000], blobs.TAG_ZSTD
        blob = blobs.encode_wire(wire, page)
        assert (blob[0] if blob else None) == tag
        assert blobs.decode_wire(blob, lambda page=page: page) == wire


def test_a_stub_page_never_becomes_its_outlets_reference(db):
    [stub, real] = articles.track(db, ["https://stub.example/a", "https://stub.example/b"], outlet="Stub")
    record.record_content(db, stub.article_id, record.Fetch(url=stub.url, checked_at="2026-11-25T10:00:00Z"),
                          extracted("Stub"), b"<html>moved</html>")
    page = article_page("Real story", STORY).encode() * 40  # a full-size page
    record.record_content(db, real.article_id, record.Fetch(url=real.url, checked_at="2026-11-25T10:00:00Z"),
                          extracted("Real"), page)
    [(size,)] = db.execute("SELECT size FROM blob_dicts WHERE outlet = 'Stub'").fetchall()
    assert size == len(page)
    tags = [row["raw_html"][0] for row in _versions(db)]
    assert tags == [blobs.TAG_ZSTD, blobs.TAG_OUTLET]
    assert [blobs.page_of(db, row) for row in _versions(db)] == [b"<html>moved</html>", page]


def test_rows_stored_as_zlib_keep_reading_and_damage_is_named(db):
    assert blobs.unpack(zlib.compress(b"<html>old</html>", 6)) == b"<html>old</html>"
    assert blobs.unpack(blobs.pack(b"blocked page")) == b"blocked page"
    with pytest.raises(blobs.Damaged):
        blobs.unpack(b"\x00\x11\x22\x33")
    packed = bytearray(blobs.pack(b"a page " * 1000))
    packed[len(packed) // 2] ^= 0x01
    with pytest.raises(blobs.Damaged):
        blobs.unpack(bytes(packed))
    with pytest.raises(blobs.Damaged):  # a delta whose base version is gone
        blobs.decode_page(db, bytes([blobs.TAG_DELTA]) + blobs._varint(999) + blobs._varint(1) + b"x", b"")


# --- a database written before migration 0008 ---------------------------------------------------

OLD_URLS = ("https://old.example/news/one", "https://old.example/news/two")
BLOCKED_PAGE = b"<html><body>Please verify you are a human.</body></html>"


def _old_database(path: Path) -> dict[int, tuple[bytes, bytes]]:
    """A database as redline wrote it before migration 0008: zlib pages, zlib wire bodies (one
    outlet served gzip), its chain; returns {version id: (page, wire body)}."""
    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0008_blobs")
    written = {}
    for a, url in enumerate(OLD_URLS, 1):
        old.execute("INSERT INTO articles (id, url, added_at) VALUES (?, ?, '2026-01-01T00:00:00Z')", [a, url])
        old.execute("INSERT INTO aliases VALUES (?, ?, 'tracked', '2026-01-01T00:00:00Z')", [url, a])
        for number in range(1, 4):
            headline = f"Story {a} version {number}"
            page = article_page(headline, STORY[:number + 1], churn=number).encode("utf-8")
            wire = gzip.compress(page, 6, mtime=0) if a == 2 else page
            body = "\n\n".join(STORY[:number + 1])
            seen = f"2026-01-0{number}T00:00:00Z"
            version_id = old.execute(
                "INSERT INTO versions (article_id, number, headline, byline, body, content_digest, first_seen, "
                "last_seen, extractor_version, source_url, encoding, raw_html) VALUES (?, ?, ?, '', ?, ?, ?, ?, 'old', "
                "?, 'utf-8', ?)", [a, number, headline, body, record.content_digest(headline, "", body), seen, seen,
                                   url, zlib.compress(page, 6)]).lastrowid
            headers = [["Content-Type", "text/html; charset=utf-8"]] + ([["Content-Encoding", "gzip"]] if a == 2 else [])
            old.execute(
                "INSERT INTO exchanges VALUES (?, 'GET', ?, '[[\"Host\", \"old.example\"]]', ?, 'HTTP/1.1', 200, 'OK', "
                "?, ?, ?)", [version_id, url, seen, json.dumps(headers), seen,
                             zlib.compress(wire, 6) if wire != page else None])
            chain.append_version(old, version_id)
            written[version_id] = (page, wire)
    check_id = old.execute("INSERT INTO checks (article_id, checked_at, url, status, outcome, error) VALUES "
                           "(1, '2026-01-04T00:00:00Z', ?, 403, 'blocked', 'HTTP 403')", [OLD_URLS[0]]).lastrowid
    old.execute("INSERT INTO blocked_answers VALUES (1, ?, 403, 'HTTP 403', '{}', ?)",
                [check_id, zlib.compress(BLOCKED_PAGE, 6)])
    old.conn.commit()
    old.close()
    return written


def test_an_old_database_opens_reads_and_repacks_resumably(tmp_path):
    path = tmp_path / "old.db"
    written = _old_database(path)
    db = open_database(path)  # applies 0008: the rows stay as they are
    assert blobs.legacy_rows(db) == 6
    assert queries.latest_raw(db, 1)["raw_html"] == written[3][0]

    def stop_after_three() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    calls: list[int] = []
    with pytest.raises(KeyboardInterrupt):  # interrupted inside its second batch
        blobs.repack(db, batch=2, outlet_of=lambda a: record.outlet_of(db, a), on_version=stop_after_three)
    assert blobs.legacy_rows(db) == 4  # the first batch committed, the second rolled back whole
    done = blobs.repack(db, batch=2, outlet_of=lambda a: record.outlet_of(db, a))
    assert (done.versions, done.exchanges, done.blocked, blobs.legacy_rows(db)) == (4, 3, 1, 0)
    assert browse.blocked_answer(db, 1)["body"] == BLOCKED_PAGE.decode()
    assert blobs.repack(db, outlet_of=lambda a: record.outlet_of(db, a)).versions == 0  # nothing left to do
    for row in _versions(db):
        assert row["raw_html"][0] in blobs.TAGS
        assert blobs.page_of(db, row) == written[row["id"]][0]
    for version_id, body in db.execute("SELECT version_id, body FROM exchanges"):
        page = written[version_id][0]
        assert blobs.decode_wire(body, lambda page=page: page) == written[version_id][1]
    db.close()


def test_compact_keeps_verify_and_the_warc_export_intact(tmp_path):
    path = tmp_path / "old.db"
    written = _old_database(path)
    redline = Redline(path)
    assert "6 record(s) match" in redline("verify").stdout  # opened (0008 applied) and still intact
    done = redline("compact", "--vacuum").stdout
    assert "repacked 6 page(s), 3 response body(ies), 1 blocked answer(s)" in done and "vacuumed" in done
    with sqlite3.connect(path) as conn:
        assert {row[0][0] for row in conn.execute("SELECT raw_html FROM versions")} <= set(blobs.TAGS)
        assert {row[0][0] for row in conn.execute("SELECT body FROM exchanges WHERE body IS NOT NULL")} == {
            blobs.TAG_GZIP}
    assert "6 record(s) match" in redline("verify").stdout
    assert "repacked 0 page(s)" in redline("compact").stdout
    out = tmp_path / "all.warc.gz"
    redline("export", "--warc", str(out))
    with open(out, "rb") as handle:
        payloads = [r.raw_stream.read() for r in ArchiveIterator(handle) if r.rec_type == "response"]
    assert len(payloads) == 6
    for page, wire in written.values():
        assert sum(payload.endswith(wire) for payload in payloads) == 1  # each body exactly as received


#: The header dictionary's digest: stored headers need these exact bytes to decode, so changing them
#: must fail here (a better dictionary needs a new codec tag, the old one kept for old rows).
HEADER_DICTIONARY_SHA256 = "6fd111da3559b233b2d14c1ea381f1d6a6ec643be8bcebb2e66c76f379e04382"


def test_exchange_headers_pack_small_and_read_back_exactly(db):
    assert hashlib.sha256(blobs.HEADER_DICTIONARY).hexdigest() == HEADER_DICTIONARY_SHA256
    heads = [
        [["User-Agent", "redline/0.1.0 (news edit tracker; +https://pypi.org/project/redline-news/)"],
         ["Accept-Encoding", "gzip, deflate, br, zstd"], ["Host", "www.example-news.com"]],
        [["Content-Type", "text/html; charset=utf-8"], ["Server", "nginx"], ["Content-Length", "48213"],
         ["Date", "Tue, 01 Dec 2026 15:40:00 GMT"], ["X-Request-Id", "00000000000a3f21"]],
        [["Content-Disposition", "inline; filename=\"доклад №2.html\""], ["X-Empty", ""]],
        [],
    ]
    for head in heads:
        text = json.dumps(head, ensure_ascii=False)
        blob = blobs.encode_headers(text)
        assert blob[0] == blobs.TAG_HEADERS and blobs.decode_headers(blob, db) == text
        assert blobs.decode_headers(text, db) == text  # a row stored before: the JSON text itself
    assert len(blobs.encode_headers(json.dumps(heads[0] + heads[1]))) < len(json.dumps(heads[0] + heads[1])) / 2
    damaged = bytearray(blobs.encode_headers(json.dumps(heads[1])))
    damaged[len(damaged) // 2] ^= 0x01
    with pytest.raises(blobs.Damaged):
        blobs.decode_headers(bytes(damaged), db)
