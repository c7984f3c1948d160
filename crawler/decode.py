"""Turning fetched bytes into text: which charset, and is it HTML at all.

Order of evidence: byte-order mark → HTTP ``Content-Type`` charset → ``<meta charset>`` /
``<meta http-equiv=content-type>`` in the first bytes → detection (charset-normalizer).  A
declared charset is evidence, not truth: Russian outlets in particular still serve pages whose
declaration lies (UTF-8 bytes labelled windows-1251 after a CMS migration, KOI8-R served as
windows-1251).  So a declaration loses when the bytes do not decode with it, or when they are
valid multi-byte UTF-8 that the declared single-byte charset would turn into mojibake, or when
the decoded text is measurably more chaotic than with the detected charset.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from redline.core.errors import NoArticle

__all__ = ["Decoded", "decode_html", "is_html"]

#: How far into the body ``<meta>`` charset declarations are looked for (HTML5 says 1024 bytes;
#: real pages put them after long ``<script>`` blocks, so a little more).
META_SCAN_BYTES = 4096
#: A declared charset whose decoded text has a charset-normalizer mess ratio this much higher
#: than the detected charset's loses to detection.  The mess ratio of clean text is ~0; KOI8-R
#: read as windows-1251 scores > 0.3 on any paragraph of Russian; 0.1 leaves room for pages
#: with odd symbols.
MESS_MARGIN = 0.1
#: A page declared UTF-8 that fails to decode is still read as UTF-8 (bad sequences becoming
#: U+FFFD, as browsers do) when it has at least this many valid non-ASCII characters per run of
#: broken bytes. Legacy text labelled UTF-8 has next to none: the corpus's windows-1251 page read
#: as UTF-8 has 0 valid characters for 11 broken runs (each Cyrillic word is one run), while UTF-8
#: pages of the corpus with a broken sequence have 21 to 2775 per run, and a bare test page with a
#: lone surrogate in its title and headline has 2 (a curly quote and a ©) for its 2 runs.
UTF8_VALID_PER_BROKEN = 1
_REPLACED = re.compile("\ufffd+")
#: Bytes fed to the mess measure (it is linear, but no need to read a 2 MB page).
MESS_SAMPLE = 16384

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE
)
#: Single-byte legacy charsets: bytes that are valid non-ASCII UTF-8 are practically never
#: meaningful text in these, so valid UTF-8 overrides such a declaration.
_LEGACY_SINGLE_BYTE = frozenset({
    "cp1251", "cp1252", "cp1250", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "koi8-r", "koi8-u", "latin-1", "iso8859-1", "iso8859-2", "iso8859-5", "iso8859-15",
    "mac-cyrillic", "cp866", "ascii",
})
#: Legacy multi-byte charsets that valid UTF-8 also overrides (mislabelled Chinese pages).
_LEGACY_MULTI_BYTE = frozenset({"gb2312", "gbk", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr"})
_ENCODING_ALIASES = {"x-cp1251": "cp1251", "win-1251": "cp1251", "windows-1251": "cp1251",
                     "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
                     "ascii": "cp1252"}

_NON_HTML_TYPES = re.compile(
    r"^(?:image|audio|video|font|model)/|^application/(?:pdf|json|zip|gzip|"
    r"x-gzip|msword|vnd\.|javascript|x-javascript|ld\+json|rss\+xml|atom\+xml|x-shockwave)|"
    r"^text/(?:css|javascript|csv|calendar|x-)",
    re.IGNORECASE,
)
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\x1f\x8b",
          b"RIFF", b"BM", b"II*\x00", b"MM\x00*", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF",
          b"wOF2", b"%!PS", b"{\\rtf", b"\xd0\xcf\x11\xe0")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|script|div|p|"
    rb"article|section|h[1-6]|table|link|style|!--)", re.IGNORECASE | re.DOTALL)
_HTML_ANYWHERE = re.compile(rb"<(?:html|body|p|div|article|h1)[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    """Decoded page text, the Python codec used and where the decision came from."""

    text: str
    encoding: str
    source: str  #: "bom", "header", "meta" or "detected"


def _codec(name: str | None) -> str | None:
    """Python codec name for a charset label, or ``None`` for unknown labels."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ENCODING_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def _is_multibyte_utf8(body: bytes) -> bool:
    """Valid UTF-8 with non-ASCII content: a strong signal whatever the page declares."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mess(text: str) -> float:
    return mess_ratio(text[:MESS_SAMPLE], maximum_threshold=1.0)


def _detect(body: bytes) -> str | None:
    best = from_bytes(body).best()
    return _codec(best.encoding) if best is not None else None


def _mostly_utf8(body: bytes) -> str | None:
    """UTF-8 with a few broken sequences (a lone surrogate, a cut-off character), decoded with
    U+FFFD for them as browsers do; ``None`` when the bytes are not UTF-8 at all."""
    text = body.decode("utf-8", errors="replace")
    broken = len(_REPLACED.findall(text)) - body.count("\ufffd".encode())
    valid = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    return text if valid >= broken * UTF8_VALID_PER_BROKEN else None


def _accept(body: bytes, declared: str) -> str | None:
    """The decoded text when ``declared`` survives the sanity checks, else ``None``."""
    try:
        text = body.decode(declared)
    except UnicodeDecodeError:
        return _mostly_utf8(body) if declared == "utf-8" else None
    except LookupError:
        return None
    if declared in ("utf-8", "utf-16", "utf-32") or body.isascii():
        return text
    if declared in _LEGACY_SINGLE_BYTE or declared in _LEGACY_MULTI_BYTE:
        if _is_multibyte_utf8(body):
            return None  # UTF-8 bytes in a legacy label: the label lies
    if declared in _LEGACY_SINGLE_BYTE:
        detected = _detect(body)
        if detected and detected != declared and detected not in _LEGACY_MULTI_BYTE:
            try:
                alternative = body.decode(detected)
            except (UnicodeDecodeError, LookupError):
                return text
            if _mess(text) > _mess(alternative) + MESS_MARGIN:
                return None
    return text


def decode_html(body: bytes, content_type: str | None) -> Decoded:
    """Decode a fetched page: BOM → header charset → meta charset → detection.

    Raises :class:`~redline.core.errors.NoArticle` when nothing decodes acceptably.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            try:
                return Decoded(body[len(bom):].decode(encoding), encoding, "bom")
            except UnicodeDecodeError:
                break
    for source, declared in (("header", _header_charset(content_type)), ("meta", _meta_charset(body))):
        if declared:
            text = _accept(body, declared)
            if text is not None:
                return Decoded(text, declared, source)
    if _is_multibyte_utf8(body) or body.isascii():
        return Decoded(body.decode("utf-8"), "utf-8", "detected")
    detected = _detect(body)
    if detected:
        try:
            return Decoded(body.decode(detected), detected, "detected")
        except (UnicodeDecodeError, LookupError):
            pass
    raise NoArticle(
        f"undecodable body: {len(body)} bytes match no declared or detectable charset"
    )


def is_html(body: bytes, content_type: str | None) -> bool:
    """Whether a response is an HTML page (not a PDF, image, JSON feed, archive...).

    Both the content type and the bytes are checked: servers label PDFs ``text/html`` and
    HTML ``application/octet-stream``.  A missing or odd content type with an HTML-looking
    body is HTML.
    """
    head = body[:1024].lstrip()
    for bom, _ in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):].lstrip()
            break
    if any(head.startswith(magic) for magic in _MAGIC):
        return False
    if head[:1] in (b"{", b"["):
        return False  # JSON
    media = (content_type or "").split(";")[0].strip().lower()
    looks_html = bool(_HTML_START.match(head)) or bool(_HTML_ANYWHERE.search(body[:4096]))
    if media in ("text/html", "application/xhtml+xml"):
        return bool(head) and (looks_html or not head.startswith(b"<?xml"))
    if media and _NON_HTML_TYPES.search(media):  # octet-stream and typos fall through to sniffing
        return False
    return looks_html
