"""The Atom writer: valid Atom 1.0 (parsed back by feedparser and lxml), stable ids, everything escaped."""

from __future__ import annotations

import feedparser
from lxml import etree

from redline.app.atom import ATOM_NS, EMPTY_FEED_UPDATED, change_id, change_title, diff_html, render_feed
from redline.storage.differ import Segment, word_diff

NS = {"a": ATOM_NS}


def _change(**overrides: object) -> dict:
    row = {
        "id": 7, "url": "https://example.com/news/budget", "outlet": "Example News",
        "from_version": 1, "to_version": 2, "kinds": ["headline", "body"],
        "detected_at": "2026-11-25T22:00:00Z", "headline_before": "Budget passes",
        "headline_after": "Budget fails", "words_added": 3, "words_removed": 1, "reverts_to": None,
    }
    row.update(overrides)
    return row


def _parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"))


def test_feed_is_valid_atom_with_stable_entry_ids():
    rows = [_change(), _change(id=8, kinds=["removed"], to_version=None, headline_after=None,
                                detected_at="2026-11-26T08:00:00Z")]
    xml = render_feed(rows, feed_id="feed/changes", title="redline: recent changes",
                      self_url="http://127.0.0.1:8080/feed.atom", alternate_url="http://127.0.0.1:8080/",
                      link_for=lambda c: f"http://127.0.0.1:8080/change/{c['id']}")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == "tag:redline,2026:feed/changes"
    assert parsed.feed.updated == "2026-11-26T08:00:00Z"  # the newest entry's time
    assert [e.id for e in parsed.entries] == ["tag:redline,2026:change/7", "tag:redline,2026:change/8"]
    assert parsed.entries[0].title == "Headline changed: Budget passes → Budget fails"
    assert parsed.entries[0].link == "http://127.0.0.1:8080/change/7"
    assert [t.term for t in parsed.entries[0].tags] == ["headline", "body"]
    assert parsed.entries[1].title == "Removed: Budget passes"
    root = _parse(xml)
    assert root.find("a:author/a:name", NS).text == "redline"
    assert root.find("a:link[@rel='self']", NS).get("href") == "http://127.0.0.1:8080/feed.atom"
    # the same rows give the same document: feed readers see no phantom updates
    assert render_feed(rows, feed_id="feed/changes", title="redline: recent changes",
                       self_url="http://127.0.0.1:8080/feed.atom", alternate_url="http://127.0.0.1:8080/",
                       link_for=lambda c: f"http://127.0.0.1:8080/change/{c['id']}") == xml


def test_scraped_markup_and_control_characters_are_escaped_or_dropped():
    hostile = '<script>alert("x")</script> & \x00\x0b"quotes"\ufffe'
    excerpt = word_diff("Budget passes", f"Budget {hostile}")
    xml = render_feed([_change(headline_after=hostile, excerpt=excerpt, outlet="<b>Outlet</b>")],
                      feed_id="feed/changes", title="t <&>")
    root = _parse(xml)  # lxml refuses control characters and bad markup outright
    entry = root.find("a:entry", NS)
    assert entry.find("a:title", NS).text == 'Headline changed: Budget passes → <script>alert("x")</script> & "quotes"'
    assert root.find("a:title", NS).text == "t <&>"
    content = entry.find("a:content", NS)
    assert content.get("type") == "html"
    assert "<ins>" in content.text and "&lt;script&gt;" in content.text and "<script>" not in content.text
    assert entry.find("a:summary", NS).text.startswith("headline, body · <b>Outlet</b> · version 1 → 2")
    assert not feedparser.parse(xml).bozo


def test_empty_feed_is_valid_and_stable():
    xml = render_feed([], feed_id="feed/article/3", title="nothing yet")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo and parsed.entries == []
    assert _parse(xml).find("a:updated", NS).text == EMPTY_FEED_UPDATED


def test_titles_say_what_happened():
    assert change_title(_change(kinds=["body"])) == "Body edited: Budget fails"
    assert change_title(_change(kinds=["body", "byline"])) == "Body and byline edited: Budget fails"
    assert change_title(_change(kinds=["restored"], headline_after=None)) == "Restored: Budget passes"
    assert change_title(_change(kinds=["body", "restored"])) == "Restored, body edited: Budget fails"
    assert change_id(_change()) == "tag:redline,2026:change/7"


def test_diff_html_sides():
    segments = [Segment("equal", "a < b "), Segment("delete", "old"), Segment("insert", "new")]
    assert diff_html(segments) == "a &lt; b <del>old</del><ins>new</ins>"
    assert diff_html(segments, show=("delete",)) == "a &lt; b <del>old</del>"
    assert diff_html(segments, show=("insert",)) == "a &lt; b <ins>new</ins>"
