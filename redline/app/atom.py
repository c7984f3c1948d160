"""Atom 1.0 feeds of changes: one pure function from change rows to an XML string.

Both the web view (``/feed.atom``) and ``redline feed`` write their feeds through here, so there is
one Atom writer to keep valid. Rows are shaped like :func:`redline.storage.queries.changes` yields them
(``id``, ``url``, ``kinds``, ``detected_at``, ``headline_before``, ``headline_after``,
``words_added``, ``words_removed``, ``from_version``, ``to_version``, optionally ``outlet``,
``reverts_to`` and ``excerpt``: a list of :class:`~redline.storage.differ.Segment`).

Why it is careful: every string in a feed came from a scraped page. ElementTree escapes markup,
and characters XML 1.0 forbids (control characters that pages do contain) are dropped before
they reach it, so a feed reader never chokes on a hostile or broken headline. Entry ids are
stable (``tag:redline,2026:change/<id>``): re-reading a feed never shows an old change as new.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from redline.core.version import __version__
from redline.alerts.message import change_title
from redline.storage.differ import Segment

ATOM_NS = "http://www.w3.org/2005/Atom"

#: Tag URI authority and date (RFC 4151): fixed forever so that entry ids never change.
TAG_PREFIX = "tag:redline,2026:"

#: Namespace of the feed-level ``<redline:chain-head chain="…" seq="…" hash="…" at="…"/>`` elements:
#: the head of each hash chain (storage/chain.py), so a subscriber keeps a copy of it for free.
CHAIN_NS = TAG_PREFIX + "chain"

#: ``updated`` of a feed with no entries: a fixed time keeps an empty feed byte-stable.
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"

# Characters XML 1.0 does not allow in a document (C0 controls but tab/newline/CR, surrogates,
# U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_HTML_TAGS = {"delete": "del", "insert": "ins"}


def change_id(change: Mapping[str, Any]) -> str:
    """The stable Atom entry id of a change row."""
    return f"{TAG_PREFIX}change/{change['id']}"


def diff_html(segments: Iterable[Segment], show: tuple[str, ...] = ("delete", "insert")) -> str:
    """Segments as escaped HTML with ``<del>``/``<ins>``; ops not in ``show`` are left out.

    ``show=("delete",)`` gives the "before" side of a side-by-side view, ``("insert",)`` the after.
    """
    out: list[str] = []
    for segment in segments:
        text = html.escape(_xml_safe(segment.text), quote=False)
        if segment.op == "equal":
            out.append(text)
        elif segment.op in show:
            out.append(f"<{_HTML_TAGS[segment.op]}>{text}</{_HTML_TAGS[segment.op]}>")
    return "".join(out)


def render_feed(
    changes: Iterable[Mapping[str, Any]],
    *,
    feed_id: str,
    title: str,
    self_url: str | None = None,
    alternate_url: str | None = None,
    link_for: Callable[[Mapping[str, Any]], str] | None = None,
    chain_heads: Iterable[Mapping[str, Any]] = (),
) -> str:
    """An Atom 1.0 document with one entry per change, in the order given.

    ``feed_id`` is appended to the tag prefix (``"feed/changes"`` → ``tag:redline,2026:feed/changes``);
    ``link_for`` gives each entry's link (default: the article's own URL); ``chain_heads``
    (:func:`redline.storage.chain.heads`) are written as ``redline:chain-head`` elements.
    """
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", TAG_PREFIX + feed_id)
    _text(feed, "title", title)
    updated = _text(feed, "updated", EMPTY_FEED_UPDATED)
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "redline")
    generator = _text(feed, "generator", "redline")
    generator.set("version", __version__)
    if self_url:
        _link(feed, self_url, "self", "application/atom+xml")
    if alternate_url:
        _link(feed, alternate_url, "alternate", "text/html")
    for head in chain_heads:
        ET.SubElement(feed, f"{{{CHAIN_NS}}}chain-head", {
            "chain": _xml_safe(str(head["chain"])), "seq": str(head["seq"]), "hash": head["hash"], "at": head["at"]})
    newest = ""
    for change in changes:
        _entry(feed, change, link_for(change) if link_for else change["url"])
        newest = max(newest, change["detected_at"])
    if newest:
        updated.text = newest
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("redline", CHAIN_NS)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _entry(feed: ET.Element, change: Mapping[str, Any], link: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _text(entry, "id", change_id(change))
    _text(entry, "title", change_title(change))
    _text(entry, "updated", change["detected_at"])
    _link(entry, link, "alternate", "text/html")
    for kind in change["kinds"]:
        ET.SubElement(entry, f"{{{ATOM_NS}}}category").set("term", _xml_safe(kind))
    _text(entry, "summary", _summary(change))
    if change.get("excerpt"):
        _text(entry, "content", diff_html(change["excerpt"])).set("type", "html")


def _summary(change: Mapping[str, Any]) -> str:
    parts = [", ".join(change["kinds"])]
    if change.get("outlet"):
        parts.append(change["outlet"])
    if change.get("to_version") is not None and change.get("from_version") is not None:
        parts.append(f"version {change['from_version']} → {change['to_version']}")
    if change.get("words_added") or change.get("words_removed"):
        parts.append(f"+{change['words_added']} −{change['words_removed']} words")
    if change.get("reverts_to"):
        parts.append(f"back to version {change['reverts_to']}")
    parts.append(change["url"])
    return " · ".join(parts)


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}")
    element.text = _xml_safe(value)
    return element


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", {"href": _xml_safe(href), "rel": rel, "type": media_type})


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
