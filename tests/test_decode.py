"""Charset decisions (BOM → header → meta → detection, with sanity checks) and HTML sniffing."""

from __future__ import annotations

import codecs

import pytest

from bench.corpus import corpus_dir, load_manifest, missing_reason, page_bytes
from redline.crawler.decode import Decoded, decode_html, is_html
from redline.core.errors import NoArticle

RUSSIAN = (
    "Президент заявил, что экономика страны продолжает расти, несмотря на санкции и падение цен на "
    "нефть. Эксперты Высшей школы экономики сомневаются в этом прогнозе и ждут замедления роста "
    "уже в следующем квартале. Центральный банк сохранил ключевую ставку на прежнем уровне."
)


def page(meta: str = "", text: str = RUSSIAN) -> str:
    return (f"<!DOCTYPE html><html><head>{meta}<title>Новости экономики</title></head>"
            f"<body><h1>Экономика растёт</h1><p>{text}</p><p>{text}</p></body></html>")


META_1251 = '<meta charset="windows-1251">'
META_HTTP_EQUIV_1251 = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
META_UTF8 = '<meta charset="utf-8">'


def _same_codec(a: str, b: str) -> bool:
    return codecs.lookup(a).name == codecs.lookup(b).name


def test_windows_1251_declared_by_header_only() -> None:
    html = page()
    decoded = decode_html(html.encode("cp1251"), "text/html; charset=windows-1251")
    assert decoded == Decoded(html, "cp1251", "header")


@pytest.mark.parametrize("meta", [META_1251, META_HTTP_EQUIV_1251])
def test_windows_1251_declared_by_meta_only(meta: str) -> None:
    html = page(meta)
    decoded = decode_html(html.encode("cp1251"), "text/html")
    assert (decoded.text, decoded.source) == (html, "meta")
    assert _same_codec(decoded.encoding, "windows-1251")


def test_windows_1251_detected_without_declaration() -> None:
    html = page()
    decoded = decode_html(html.encode("cp1251"), None)
    assert (decoded.text, decoded.source) == (html, "detected")


def test_meta_says_windows_1251_but_bytes_are_utf8() -> None:
    html = page(META_1251)
    decoded = decode_html(html.encode("utf-8"), "text/html")
    assert decoded.text == html
    assert decoded.encoding == "utf-8"


def test_header_says_gb2312_but_bytes_are_utf8() -> None:
    html = page(text="人工智能迈上新台阶。" * 20)
    decoded = decode_html(html.encode("utf-8"), "text/html; charset=gb2312")
    assert (decoded.text, decoded.encoding) == (html, "utf-8")


def test_meta_says_utf8_but_bytes_are_windows_1251() -> None:
    html = page(META_UTF8)
    decoded = decode_html(html.encode("cp1251"), None)
    assert decoded.text == html
    assert decoded.source == "detected"


def test_utf8_with_a_lone_surrogate_stays_utf8_with_a_replacement() -> None:
    """One broken sequence (a lone surrogate's bytes) must not send a UTF-8 page to detection,
    which read the whole page in a legacy charset (mojibake in every version it stored)."""
    html = page(META_UTF8, text=RUSSIAN + " \ud800конец")
    decoded = decode_html(html.encode("utf-8", errors="surrogatepass"), "text/html; charset=utf-8")
    assert decoded.encoding == "utf-8"
    assert decoded.text == html.replace("\ud800", "\ufffd" * 3)


def test_koi8r_page() -> None:
    html = page('<meta charset="koi8-r">')
    decoded = decode_html(html.encode("koi8-r"), None)
    assert (decoded.text, decoded.source) == (html, "meta")


def test_koi8r_bytes_declared_windows_1251_lose_to_detection() -> None:
    html = page(META_1251)
    decoded = decode_html(html.encode("koi8-r"), "text/html; charset=windows-1251")
    assert decoded.text == html
    assert decoded.source == "detected"


@pytest.mark.parametrize("codec,bom", [
    ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
])
def test_bom_wins_over_declarations(codec: str, bom: bytes) -> None:
    html = page(META_1251)
    decoded = decode_html(bom + html.encode(codec), "text/html; charset=windows-1251")
    assert (decoded.text, decoded.encoding, decoded.source) == (html, codec, "bom")


@pytest.mark.parametrize("label", ["x-user-defined", "utf8mb4-typo", "windows-1251x", ""])
def test_unknown_charset_names_fall_through(label: str) -> None:
    html = page(f'<meta charset="{label}">')
    decoded = decode_html(html.encode("cp1251"), f"text/html; charset={label}")
    assert decoded.text == html
    assert decoded.source == "detected"


def test_ascii_page() -> None:
    decoded = decode_html(b"<html><body><p>Plain text</p></body></html>", None)
    assert decoded.text == "<html><body><p>Plain text</p></body></html>"


def test_undecodable_body_raises() -> None:
    with pytest.raises(NoArticle, match="undecodable body"):
        decode_html(bytes(range(256)) * 20, None)


# --- is_html ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body,content_type,expected", [
    (b"<!DOCTYPE html><html><body>x</body></html>", "text/html; charset=utf-8", True),
    (b"<html><body><p>x</p></body></html>", None, True),
    (b"  \n<div><p>fragment</p></div>", "application/octet-stream", True),
    (b"<!doctype html><p>x", "text/plain", True),
    (codecs.BOM_UTF8 + b"<html><p>x</p></html>", "", True),
    (b"%PDF-1.7\n...", "text/html", False),
    (b"%PDF-1.4\n...", "application/pdf", False),
    (b"\x89PNG\r\n\x1a\n....", None, False),
    (b"\xff\xd8\xff\xe0....JFIF", "text/html", False),
    (b"GIF89a....", None, False),
    (b'{"articles": []}', "application/json", False),
    (b'{"articles": []}', "text/html", False),
    (b"<html><body>x</body></html>", "image/png", False),
    (b"<?xml version='1.0'?><rss><channel></channel></rss>", "application/rss+xml", False),
    (b"just some text", "text/plain", False),
    (b"", "text/html", False),
])
def test_is_html(body: bytes, content_type: str | None, expected: bool) -> None:
    assert is_html(body, content_type) is expected


# --- corpus ------------------------------------------------------------------------------------------

corpus = pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())


@corpus
@pytest.mark.parametrize("page_id,codec", [("gn1-bdc7803f", "windows-1251"), ("rdb-qq", "utf-8")])
def test_corpus_pages_with_tricky_charsets(page_id: str, codec: str) -> None:
    entry = next(e for e in load_manifest() if e["id"] == page_id)
    raw = page_bytes(entry)
    decoded = decode_html(raw, "text/html")
    assert _same_codec(decoded.encoding, codec)
    assert decoded.text == raw.decode(entry["encoding"])
    if page_id == "rdb-qq":
        assert "人工智能" in decoded.text
