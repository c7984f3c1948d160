"""How stored bytes are packed: raw pages, wire bodies and blocked answers, exactly recoverable.

Why: a news page is 50-500 KB, but from one fetch to the next almost all of it is the outlet's
chrome (the same scripts, styles and menus), and the story itself is already stored as text in
the version's own row. Per-row zlib kept ~40 KB per version; packing each page against what the
database already holds keeps a few hundred bytes. Every blob stays exactly recoverable: the
archive export and the hash chain (``redline verify``) digest the bytes as received, and every
page is decoded and compared at write time before its blob is kept.

A blob names its codec in its first byte. A zlib stream's first byte always has 8 in its low four
bits (deflate), which none of the tags below has, so rows written before migration 0008 keep
reading as they are:

- zlib (legacy, no tag): the whole row, as stored before;
- ``TAG_ZSTD``: one zstd frame of the bytes alone (blocked answers, wire bodies nothing else fits);
- ``TAG_OUTLET`` *dict id*: a page packed with a zstd raw-content dictionary made of its outlet's
  reference page (table ``blob_dicts``, one per outlet, made from the first page stored for it)
  followed by the version's own text (headline, byline, body), so the story costs almost nothing;
- ``TAG_DELTA`` *version id*, *depth*: a page packed against the previous version's page (decoded)
  followed by the version's own text; at most :data:`KEYFRAME_EVERY` - 1 deltas follow one
  keyframe, so reading any version decodes at most that many pages;
- ``TAG_GZIP`` *recipe*: a wire body that zlib reproduces from the decoded page (gzip or deflate
  ``Content-Encoding`` from a zlib-based server, which is most of them): the gzip header bytes and
  the zlib parameters, nothing else;
- ``TAG_HEADERS``: an exchange's request or response headers (their JSON text), one zstd frame
  packed with :data:`HEADER_DICTIONARY` (rows stored before are the JSON text itself, a ``str``);
- ``TAG_HEADS`` *dict id*: the same, packed with :data:`HEADER_DICTIONARY` followed by its outlet's
  reference heads (``blob_dicts`` of kind ``heads``, migration 0012: the request and response head
  of the first exchange stored for the outlet), one zstd frame without its 4-byte magic number
  (the tag says what it is). An outlet sends nearly the same head every time (server, caching,
  security policy), so only what moves (length, date, request id) costs bytes.

Numbers after a tag are unsigned LEB128 varints. zstd frames carry a checksum, so a damaged blob
raises :class:`Damaged` instead of returning wrong bytes (a different page would also fail the
chain's digests).

Pages packed with text depend on their row's ``headline``, ``byline`` and ``body``, and deltas on
the previous version's row: versions are never edited or deleted one by one (only with their
article, all together), so this holds; editing them by hand shows in ``redline verify``.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils
import zstandard

from redline.core.clock import now_iso

TAG_ZSTD = 0x01
TAG_OUTLET = 0x02
TAG_DELTA = 0x03
TAG_GZIP = 0x04
TAG_HEADERS = 0x05
TAG_HEADS = 0x06
TAGS = (TAG_ZSTD, TAG_OUTLET, TAG_DELTA, TAG_GZIP, TAG_HEADERS, TAG_HEADS)
#: ``blob_dicts.kind`` (migration 0012): an outlet's reference page, or its reference heads.
PAGE_REFERENCE = "page"
HEADS_REFERENCE = "heads"

#: zstd level for pages and dictionaries. On bench/storage.py's corpus-chromed pages, packed against
#: the outlet's reference page and the row's text: 332 B median at level 9, 326 B at 19 (but ~10x the
#: time: 17 ms against 1.5 ms a page), 380 B at 3.
LEVEL = 9
#: A full (outlet-dictionary) page after at most this many deltas: bounds a read to this many
#: decodes (0.1-0.5 ms each for a 200 KB page); deltas are about half a keyframe (bench/storage.py
#: at 100,000 articles: 174 B against 363 B median), so longer runs would save little more.
KEYFRAME_EVERY = 8
#: Smallest page that becomes its outlet's reference page: an error page or a stub (a few KB) would
#: serve every later page of the outlet badly; real article pages are 50-500 KB.
MIN_REFERENCE = 16 * 1024
#: Largest request + response head (JSON text) that becomes its outlet's reference heads: real heads
#: are 0.5-2 KB; a head swollen by cookies or a policy list would make every later frame's
#: dictionary big for no gain (such a head is packed with :data:`HEADER_DICTIONARY` alone, and the
#: outlet's next exchange may become the reference).
MAX_HEADS_REFERENCE = 8 * 1024
#: Decoded outlet reference pages kept per database connection (bytes): every page an outlet stores
#: is packed against its one reference (50-500 KB), so this holds some forty outlets' at once.
DICT_CACHE_BYTES = 16 * 1024 * 1024
#: Decoded pages kept per database connection (bytes): one delta chain (at most
#: :data:`KEYFRAME_EVERY` pages of ~500 KB), all a walk through an article's versions in order
#: needs. Pages are cached as the bases of deltas, so a daemon storing new versions of many
#: articles fills this with pages it never reads again: at 32 MB shared with the dictionaries it
#: was most of the daemon's memory growth in a 10-minute soak (122 to 176 MiB).
PAGE_CACHE_BYTES = 4 * 1024 * 1024
#: Largest window a stored frame may need (zstd's default limit: 128 MB, far above any page).
MAX_WINDOW = 1 << 27
#: zlib settings tried to reproduce a gzip/deflate wire body, most common first: level 6 (zlib's and
#: Apache's default), 1 (nginx's default), 9 (gzip -9, most libraries' "best"), then the rest; memLevel 8
#: is zlib's default, 9 what some servers use. A failing try stops at its first differing output byte.
GZIP_LEVELS = (6, 1, 9, 5, 4, 3, 2, 7, 8)
GZIP_MEMLEVELS = (8, 9)
#: Bytes of page fed per step while trying a zlib recipe (output is compared after each).
GZIP_STEP = 16 * 1024
#: The empty stored block a zlib flush writes (Z_SYNC_FLUSH / Z_FULL_FLUSH); a one-shot compression
#: never writes one, so a stream holding these bytes is not tried (by chance they occur about once in
#: 4 GB of deflate output: such a body is then only stored as it came, never wrongly).
SYNC_FLUSH = b"\x00\x00\xff\xff"
#: zlib settings that matched lately, tried first (a failed try costs about one compression).
GZIP_RECENT = 3
_RECENT_RECIPES: list[tuple[int, int]] = []


class Damaged(ValueError):
    """A stored blob no longer decodes (a damaged byte, a missing dictionary or base version)."""


# --- small pieces ----------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(blob: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(blob):
            raise Damaged("a blob header is cut short")
        byte = blob[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7


def is_legacy(blob: bytes) -> bool:
    """True for a zlib stream (a row stored before migration 0008)."""
    return len(blob) >= 2 and blob[0] & 0x0F == 8 and (blob[0] << 8 | blob[1]) % 31 == 0


def version_text(headline: str, byline: str, body: str) -> bytes:
    """The version's own text as part of its page's dictionary (the story's words are in the page)."""
    return "\n".join((headline, byline, body)).encode("utf-8")


def _compress(data: bytes, prefix: bytes | None = None, *, magicless: bool = False) -> bytes:
    """One zstd frame (with its checksum); ``magicless`` leaves out the 4-byte magic number, for
    small blobs whose tag already says what they are (``TAG_HEADS``)."""
    dictionary = zstandard.ZstdCompressionDict(prefix, dict_type=zstandard.DICT_TYPE_RAWCONTENT) if prefix else None
    if not magicless:
        return zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=True).compress(data)
    params = zstandard.ZstdCompressionParameters.from_level(
        LEVEL, source_size=len(data), dict_size=len(prefix or b""), format=zstandard.FORMAT_ZSTD1_MAGICLESS,
        write_checksum=True)
    return zstandard.ZstdCompressor(dict_data=dictionary, compression_params=params).compress(data)


def _decompress(frame: bytes, prefix: bytes | None = None, *, magicless: bool = False) -> bytes:
    dictionary = zstandard.ZstdCompressionDict(prefix, dict_type=zstandard.DICT_TYPE_RAWCONTENT) if prefix else None
    fmt = zstandard.FORMAT_ZSTD1_MAGICLESS if magicless else zstandard.FORMAT_ZSTD1
    try:
        return zstandard.ZstdDecompressor(dict_data=dictionary, max_window_size=MAX_WINDOW, format=fmt).decompress(frame)
    except zstandard.ZstdError as exc:
        raise Damaged(f"a stored zstd frame does not decode ({exc})") from None


@dataclass
class _Cache:
    """Recently used decoded bytes by key, at most ``limit`` bytes (a value over a quarter of it is
    not kept: one 10 MB page cannot pin memory or push out the rest)."""

    limit: int
    entries: OrderedDict[object, bytes] = field(default_factory=OrderedDict)
    size: int = 0

    def get(self, key: object) -> bytes | None:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: object, value: bytes) -> None:
        if len(value) > self.limit // 4:
            return
        if key in self.entries:
            self.size -= len(self.entries.pop(key))
        self.entries[key] = value
        self.size += len(value)
        while self.size > self.limit:
            self.size -= len(self.entries.popitem(last=False)[1])


@dataclass
class _Caches:
    """Per-connection memory of decoded outlet dictionaries (by digest) and pages (by version id)."""

    dicts: _Cache = field(default_factory=lambda: _Cache(DICT_CACHE_BYTES))
    pages: _Cache = field(default_factory=lambda: _Cache(PAGE_CACHE_BYTES))


def _cache(db: sqlite_utils.Database) -> _Caches:
    cache = getattr(db, "_redline_blob_cache", None)
    if cache is None:
        cache = _Caches()
        try:
            db._redline_blob_cache = cache  # type: ignore[attr-defined]  # one per Database object
        except AttributeError:  # a bare sqlite3.Connection: no memory between calls
            pass
    return cache


# --- standalone blobs (blocked answers, wire bodies) -------------------------------------------


def pack(data: bytes) -> bytes:
    """Bytes that depend on nothing else in the database."""
    return bytes([TAG_ZSTD]) + _compress(data)


def unpack(blob: bytes) -> bytes:
    """Bytes stored by :func:`pack` (or zlib before migration 0008)."""
    if is_legacy(blob):
        try:
            return zlib.decompress(blob)
        except zlib.error as exc:
            raise Damaged(f"a stored zlib stream does not decompress ({exc})") from None
    if blob[:1] != bytes([TAG_ZSTD]):
        raise Damaged("a stored blob has an unknown codec tag")
    return _decompress(blob[1:])


# --- exchange headers (exchanges.request_headers, exchanges.response_headers) -------------------

#: What most HTTP heads say, as a zstd raw-content dictionary for an exchange's headers: redline's own
#: request headers and the response headers news servers send most. Measured on a realistic pair (a
#: 313-byte request and a 556-byte response head as JSON): 869 B as text, 600 B with zstd alone, 272 B
#: with this dictionary. FROZEN: stored blobs need these exact bytes to decode; a better dictionary
#: needs a new tag.
HEADER_DICTIONARY = (
    '[["Accept","text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"],["Accept-Language","en"],'
    '["User-Agent","redline/0.1.0 (news edit tracker; +https://pypi.org/project/redline-news/)"],'
    '["Accept-Encoding","gzip, deflate, br, zstd"],["If-None-Match",""],["If-Modified-Since",""],'
    '["Host","www."],["Content-Type","text/html; charset=utf-8"],["Content-Type","text/html; charset=UTF-8"],'
    '["Cache-Control","max-age=0, no-cache, no-store, must-revalidate, private, public"],["Server","nginx"],'
    '["Server","cloudflare"],["Vary","Accept-Encoding"],["X-Frame-Options","SAMEORIGIN"],'
    '["Strict-Transport-Security","max-age=31536000; includeSubDomains; preload"],'
    "[\"Content-Security-Policy\",\"default-src 'self' https:; script-src 'self' 'unsafe-inline'\"],"
    '["X-Content-Type-Options","nosniff"],["Referrer-Policy","strict-origin-when-cross-origin"],'
    '["Content-Encoding","gzip"],["Content-Length",""],["Connection","keep-alive"],["Accept-Ranges","bytes"],'
    '["Age",""],["Via","1.1 varnish"],["X-Cache","HIT"],["Set-Cookie",""],["ETag","W/\\""],'
    '["Last-Modified","Mon, 01 Jan 2026 00:00:00 GMT"],["Expires",""],["Date","Tue, 01 Dec 2026 00:00:00 GMT"]]'
).encode("utf-8")


def encode_heads(db: sqlite_utils.Database, outlet: str, request: str, response: str) -> tuple[bytes, bytes]:
    """An exchange's request and response headers (their JSON text) as stored (inside the caller's
    transaction): packed against the outlet's reference heads (made from these when the outlet has
    none), each checked to decode before it is kept; against :data:`HEADER_DICTIONARY` alone when
    the outlet has no reference and these heads are too big to become one."""
    heads = f"{request}\n{response}".encode("utf-8")
    found = _reference(db, outlet, HEADS_REFERENCE, heads if len(heads) <= MAX_HEADS_REFERENCE else None)
    if found is None:
        return encode_headers(request), encode_headers(response)
    dict_id, reference = found
    packed = []
    for text in (request, response):
        blob = bytes([TAG_HEADS]) + _varint(dict_id) + _compress(text.encode("utf-8"), HEADER_DICTIONARY + reference,
                                                                  magicless=True)
        # never keep what does not read back exactly (the frozen dictionary's blob is checked too)
        packed.append(blob if decode_headers(blob, db) == text else encode_headers(text))
    return packed[0], packed[1]


def encode_headers(text: str) -> bytes:
    """Headers (their JSON text) packed with :data:`HEADER_DICTIONARY` alone (``TAG_HEADERS``, as
    stored before migration 0012; needs nothing else to decode): checked to decode before it is kept."""
    blob = bytes([TAG_HEADERS]) + _compress(text.encode("utf-8"), HEADER_DICTIONARY)
    if _decompress(blob[1:], HEADER_DICTIONARY) != text.encode("utf-8"):  # never keep what does not read back
        raise Damaged("packed headers do not read back")
    return blob


def decode_headers(stored: str | bytes, db: sqlite_utils.Database) -> str:
    """The headers' JSON text from a stored column: packed (``bytes``: with the frozen dictionary, or
    with the outlet's reference heads from ``db``) or as stored before (``str``)."""
    if isinstance(stored, str):
        return stored
    try:
        if stored[:1] == bytes([TAG_HEADERS]):
            return _decompress(stored[1:], HEADER_DICTIONARY).decode("utf-8")
        if stored[:1] == bytes([TAG_HEADS]):
            dict_id, pos = _read_varint(stored, 1)
            return _decompress(stored[pos:], HEADER_DICTIONARY + _dictionary(db, dict_id), magicless=True).decode("utf-8")
    except UnicodeDecodeError:
        raise Damaged("stored headers are not UTF-8") from None
    raise Damaged("stored headers have an unknown codec tag")


# --- pages (versions.raw_html) -----------------------------------------------------------------


def encode_page(db: sqlite_utils.Database, article_id: int, outlet: str, page: bytes, text: bytes, *,
                before: int | None = None) -> bytes:
    """The blob of a version's page (inside the caller's transaction): a new version's, or with
    ``before`` (its number) an existing one's being repacked.

    A delta on the article's version before it when that one's chain is short, else a keyframe
    against the outlet's reference page (made from this page when the outlet has none). Checked
    by decoding: a blob that does not give the page back is never kept."""
    previous = db.execute("SELECT id, raw_html, headline, byline, body FROM versions WHERE article_id = ? "
                          "AND number < ? ORDER BY number DESC LIMIT 1",
                          [article_id, before if before is not None else 1 << 62]).fetchone()
    blob = None
    if previous is not None and previous[1]:
        depth = _depth(previous[1])
        if depth + 1 < KEYFRAME_EVERY:
            base = _page(db, previous[0], previous[1], version_text(*previous[2:]))
            blob = (bytes([TAG_DELTA]) + _varint(previous[0]) + _varint(depth + 1)
                    + _compress(page, base + text))
    if blob is None:
        found = _reference(db, outlet, PAGE_REFERENCE, page if len(page) >= MIN_REFERENCE else None)
        if found is None:
            blob = pack(page)
        else:
            dict_id, reference = found
            blob = bytes([TAG_OUTLET]) + _varint(dict_id) + _compress(page, reference + text)
    if decode_page(db, blob, text) != page:  # never keep what does not give the page back
        blob = pack(page)
    return blob


def decode_page(db: sqlite_utils.Database, blob: bytes | None, text: bytes) -> bytes:
    """A version's page from its ``raw_html`` blob and :func:`version_text` of its row."""
    if not blob:
        return b""
    tag = blob[0]
    if tag == TAG_OUTLET:
        dict_id, pos = _read_varint(blob, 1)
        return _decompress(blob[pos:], _dictionary(db, dict_id) + text)
    if tag == TAG_DELTA:
        base_id, pos = _read_varint(blob, 1)
        _, pos = _read_varint(blob, pos)
        row = db.execute("SELECT raw_html, headline, byline, body FROM versions WHERE id = ?", [base_id]).fetchone()
        if row is None:
            raise Damaged(f"the version a stored page is a delta of (id {base_id}) is gone")
        return _decompress(blob[pos:], _page(db, base_id, row[0], version_text(*row[1:])) + text)
    return unpack(blob)


def page_of(db: sqlite_utils.Database, row: dict, prefix: str = "") -> bytes:
    """The page of a version row that has ``raw_html``, ``headline``, ``byline`` and ``body``
    (under ``prefix``: ``v_`` for the chain's joined rows)."""
    return decode_page(db, row[f"{prefix}raw_html"],
                       version_text(row[f"{prefix}headline"], row[f"{prefix}byline"], row[f"{prefix}body"]))


def _page(db: sqlite_utils.Database, version_id: int, blob: bytes | None, text: bytes) -> bytes:
    cache = _cache(db).pages
    key = (version_id, hashlib.sha256(blob or b"").digest())  # a rewritten row is a new key
    page = cache.get(key)
    if page is None:
        page = decode_page(db, blob, text)
        cache.put(key, page)
    return page


def _depth(blob: bytes) -> int:
    """Deltas between this blob and its keyframe (0 for a keyframe or a legacy row)."""
    if blob[:1] != bytes([TAG_DELTA]):
        return 0
    _, pos = _read_varint(blob, 1)
    return _read_varint(blob, pos)[0]


def _reference(db: sqlite_utils.Database, outlet: str, kind: str, candidate: bytes | None) -> tuple[int, bytes] | None:
    """The outlet's reference of ``kind`` (a page, or heads): (id, bytes), made from ``candidate``
    when it has none yet (None while it has none and there is no fit candidate)."""
    row = db.execute("SELECT id FROM blob_dicts WHERE outlet = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                     [outlet, kind]).fetchone()
    if row is not None:
        return row[0], _dictionary(db, row[0])
    if candidate is None:
        return None
    digest = hashlib.sha256(candidate).hexdigest()
    dict_id = db.execute(
        "INSERT INTO blob_dicts (outlet, kind, digest, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [outlet, kind, digest, len(candidate), _compress(candidate), now_iso()],
    ).lastrowid
    _cache(db).dicts.put(digest, candidate)
    return dict_id, candidate


def _dictionary(db: sqlite_utils.Database, dict_id: int) -> bytes:
    row = db.execute("SELECT digest, content FROM blob_dicts WHERE id = ?", [dict_id]).fetchone()
    if row is None:
        raise Damaged(f"the outlet reference a stored blob needs (blob_dicts id {dict_id}) is gone")
    cache = _cache(db).dicts
    reference = cache.get(row[0])  # keyed by digest: ids can come back after a rollback
    if reference is None:
        reference = _decompress(row[1])
        if hashlib.sha256(reference).hexdigest() != row[0]:
            raise Damaged(f"the outlet reference id {dict_id} is damaged")
        cache.put(row[0], reference)
    return reference


# --- repacking rows stored before migration 0008 (``redline compact``) -------------------------


@dataclass
class Repacked:
    """What :func:`repack` did: rows rewritten and their stored bytes before and after."""

    versions: int = 0
    exchanges: int = 0
    blocked: int = 0
    bytes_before: int = 0
    bytes_after: int = 0


#: Versions repacked per write transaction: 200 corpus pages of unrelated sites (keyframes, the slow
#: case) took 7.9 s at load 7.8 on the shared 2-core VM, so 50 hold the write lock ~2 s at worst and
#: a daemon writing beside it waits well inside the 15 s busy timeout.
REPACK_BATCH = 50
_LEGACY = "{column} IS NOT NULL AND substr({column}, 1, 1) NOT IN (x'01', x'02', x'03', x'04')"


def legacy_rows(db: sqlite_utils.Database) -> int:
    """Versions whose page is still zlib (what :func:`repack` has left to do)."""
    return db.execute(f"SELECT count(*) FROM versions WHERE {_LEGACY.format(column='raw_html')}").fetchone()[0]


def repack(db: sqlite_utils.Database, *, batch: int = REPACK_BATCH, outlet_of: Callable[[int], str],
           on_version: Callable[[], None] | None = None) -> Repacked:
    """Rewrite every zlib row (pages, wire bodies, blocked answers) in the packed codecs.

    One transaction per ``batch`` versions, oldest first (a delta's base is always an earlier
    version, repacked before it). Interrupted, it loses nothing (a row is replaced only by a blob
    that decodes to the same bytes, in the transaction that checked it) and resumes where it
    stopped: rows already packed are not selected again. ``outlet_of`` names an article's outlet."""
    done = Repacked()
    last = 0
    while True:
        with db.atomic():
            rows = db.execute(
                "SELECT v.id, v.article_id, v.number, v.raw_html, v.headline, v.byline, v.body, e.body "
                "FROM versions v LEFT JOIN exchanges e ON e.version_id = v.id WHERE v.id > ? AND "
                f"({_LEGACY.format(column='v.raw_html')} OR {_LEGACY.format(column='e.body')}) "
                "ORDER BY v.id LIMIT ?", [last, batch]).fetchall()
            for version_id, article_id, number, raw, headline, byline, body, wire in rows:
                text = version_text(headline, byline, body)
                page = decode_page(db, raw, text)
                if raw and is_legacy(raw):
                    packed = encode_page(db, article_id, outlet_of(article_id), page, text, before=number)
                    db.execute("UPDATE versions SET raw_html = ? WHERE id = ?", [packed, version_id])
                    done.versions += 1
                    done.bytes_before += len(raw)
                    done.bytes_after += len(packed)
                if wire and is_legacy(wire):
                    packed_wire = encode_wire(unpack(wire), page)
                    db.execute("UPDATE exchanges SET body = ? WHERE version_id = ?", [packed_wire, version_id])
                    done.exchanges += 1
                    done.bytes_before += len(wire)
                    done.bytes_after += len(packed_wire or b"")
                if on_version is not None:
                    on_version()
        if not rows:
            break
        last = rows[-1][0]
    with db.atomic():
        for article_id, blob in db.execute(
                f"SELECT article_id, body FROM blocked_answers WHERE {_LEGACY.format(column='body')}").fetchall():
            packed = pack(unpack(blob))
            db.execute("UPDATE blocked_answers SET body = ? WHERE article_id = ?", [packed, article_id])
            done.blocked += 1
            done.bytes_before += len(blob)
            done.bytes_after += len(packed)
    return done


# --- wire bodies (exchanges.body) --------------------------------------------------------------


def encode_wire(wire: bytes, page: bytes) -> bytes | None:
    """The blob of a response body as received, given the decoded page it became.

    ``None`` when the body is the page itself; a zlib recipe when zlib reproduces it from the page
    byte for byte; else the bytes packed alone (brotli, zstd, or a gzip no recipe matches)."""
    if wire == page:
        return None
    recipe = _gzip_recipe(wire, page)
    if recipe is not None:
        return bytes([TAG_GZIP]) + recipe
    return pack(wire)


def decode_wire(blob: bytes | None, page: Callable[[], bytes]) -> bytes:
    """A response body as received from its ``exchanges.body`` blob (``page`` gives the decoded page)."""
    if blob is None:
        return page()
    if blob[:1] == bytes([TAG_GZIP]):
        return _replay_recipe(blob[1:], page())
    return unpack(blob)


def _gzip_header_length(wire: bytes) -> int | None:
    """Length of a gzip member's header (RFC 1952), or None when ``wire`` is not gzip."""
    if len(wire) < 18 or wire[:3] != b"\x1f\x8b\x08":
        return None
    flags, pos = wire[3], 10
    if flags & 0x04:
        pos += 2 + int.from_bytes(wire[10:12], "little")
    for bit in (0x08, 0x10):
        if flags & bit:
            end = wire.find(b"\x00", pos)
            if end < 0:
                return None
            pos = end + 1
    if flags & 0x02:
        pos += 2
    return pos if pos <= len(wire) - 8 else None


def _gzip_recipe(wire: bytes, page: bytes) -> bytes | None:
    """Recipe bytes (format, level, memLevel, window bits, header) that rebuild ``wire`` from ``page``."""
    header_length = _gzip_header_length(wire)
    if header_length is not None:
        fmt, header, stream = 0, wire[:header_length], wire[header_length:-8]
        if wire[-8:] != _gzip_trailer(page):
            return None
        wbits = -15
    elif len(wire) >= 6 and is_legacy(wire):  # Content-Encoding: deflate as the RFC means it (zlib)
        fmt, header, stream, wbits = 1, b"", wire, 15
    else:
        return None
    if SYNC_FLUSH in stream:  # a streaming server flushed as it wrote: no one-shot recipe rebuilds that
        return None
    tries = [(level, mem_level) for level in GZIP_LEVELS for mem_level in GZIP_MEMLEVELS]
    if fmt == 0 and header[8] in (2, 4):  # the gzip XFL byte: 2 = best compression, 4 = fastest
        tries.sort(key=lambda t: t[0] != (9 if header[8] == 2 else 1))
    tries.sort(key=lambda t: t not in _RECENT_RECIPES)  # a server keeps its settings: try the last ones first
    for level, mem_level in tries:
        if _reproduces(stream, page, level, wbits, mem_level):
            if (level, mem_level) in _RECENT_RECIPES:
                _RECENT_RECIPES.remove((level, mem_level))
            _RECENT_RECIPES.insert(0, (level, mem_level))
            del _RECENT_RECIPES[GZIP_RECENT:]
            return bytes([fmt, level, mem_level]) + header
    return None


def _reproduces(stream: bytes, page: bytes, level: int, wbits: int, mem_level: int) -> bool:
    deflate = zlib.compressobj(level, zlib.DEFLATED, wbits, mem_level)
    done = 0
    for start in range(0, len(page), GZIP_STEP):
        out = deflate.compress(page[start:start + GZIP_STEP])
        if stream[done:done + len(out)] != out:
            return False
        done += len(out)
    out = deflate.flush()
    return stream[done:] == out


def _gzip_trailer(page: bytes) -> bytes:
    return zlib.crc32(page).to_bytes(4, "little") + (len(page) & 0xFFFFFFFF).to_bytes(4, "little")


def _replay_recipe(recipe: bytes, page: bytes) -> bytes:
    if len(recipe) < 3:
        raise Damaged("a stored gzip recipe is cut short")
    fmt, level, mem_level, header = recipe[0], recipe[1], recipe[2], recipe[3:]
    try:
        deflate = zlib.compressobj(level, zlib.DEFLATED, -15 if fmt == 0 else 15, mem_level)
    except (ValueError, zlib.error) as exc:
        raise Damaged(f"a stored gzip recipe is damaged ({exc})") from None
    stream = deflate.compress(page) + deflate.flush()
    return header + stream + _gzip_trailer(page) if fmt == 0 else stream
