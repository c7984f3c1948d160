"""The fast path's shown texts in a real SQLite file: only an article's latest version keeps them
(derived data the next recheck reads; older versions are never rechecked against)."""

from __future__ import annotations

from dataclasses import replace

from redline.storage.articles import track
from redline.storage.record import Fetch, record_content
from testkit.records import extracted

URL = "https://example.com/a"


def test_a_new_version_takes_the_shown_texts_from_the_one_before(db):
    article_id = track(db, [URL])[0].article_id
    for n, at in enumerate(("2026-11-25T22:00:00Z", "2026-11-25T23:00:00Z"), 1):
        record_content(db, article_id, Fetch(URL, at, 200),
                       replace(extracted(f"Budget vote {n}"), shown_texts=bytes([n]) * 9), b"<html>")
    rows = db.execute("SELECT number, shown_texts FROM versions WHERE article_id = ? ORDER BY number",
                      [article_id]).fetchall()
    assert rows == [(1, None), (2, b"\x02" * 9)]
