"""Archived copies of stored versions: the raw HTML as fetched, made harmless to open.

The page is an outlet's, so nothing in it is trusted: scripts, event handlers, ``javascript:``
links, frames, embeds, forms and ``<meta>``/``<link>`` elements are removed (lxml_html_clean), and
the response also carries a Content-Security-Policy that blocks every remote request and
sandboxes the document (:data:`ARCHIVE_CSP`), so whatever the cleaner misses cannot run or phone
home. Links are made absolute, so following one goes to the live site, not to this server.
"""

from __future__ import annotations

import codecs

import lxml.html
from lxml.etree import ParserError
from lxml_html_clean import Cleaner

#: Inline styles may stay (they cannot fetch anything under this policy); images only as data:.
ARCHIVE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; sandbox"

_CLEANER = Cleaner(page_structure=False, style=False, links=True, meta=True, forms=True, frames=True,
                   embedded=True, scripts=True, javascript=True, annoying_tags=True)

_BANNER_STYLE = ("all:initial;display:block;font:15px/1.4 system-ui,sans-serif;background:#fff4c2;color:#222;"
                 "border-bottom:2px solid #c9a400;padding:10px 14px;")


def archived_page(raw: bytes, encoding: str | None, source_url: str, banner: str, back_href: str) -> str:
    """The cleaned page as HTML text, with ``banner`` (plain text) and a link back on top."""
    text = raw.decode(_codec(encoding), errors="replace")
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]  # lxml refuses str input that declares an encoding
    try:
        doc = lxml.html.document_fromstring(text)
    except (ParserError, ValueError):
        doc = lxml.html.document_fromstring("<html><body><p>(the stored page is empty)</p></body></html>")
    doc = _CLEANER.clean_html(doc)
    doc.make_links_absolute(source_url, resolve_base_href=True, handle_failures="discard")
    body = doc.find("body")
    if body is None:
        body = lxml.html.Element("body")
        doc.append(body)
    note = lxml.html.Element("div", role="note", style=_BANNER_STYLE)
    note.text = banner + " "
    back = lxml.html.Element("a", href=back_href, style="color:#0645ad")
    back.text = "Back to the history"
    note.append(back)
    body.insert(0, note)
    return "<!DOCTYPE html>\n" + lxml.html.tostring(doc, encoding="unicode")


def _codec(encoding: str | None) -> str:
    """The stored encoding if Python knows it, else UTF-8 (undecodable bytes become U+FFFD)."""
    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "utf-8"
