"""The web view over HTTP: every route, bad parameters, escaping, security headers, read-only access.

One ``redline serve`` subprocess serves a database filled through storage.record (fast and exact);
tests/test_web_browser.py covers a real crawl in a real browser.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest

from redline.core.errors import InvalidInput
from redline.web.diffview import side_by_side
from redline.storage import articles, browse
from redline.core.clock import to_iso
from redline.storage.db import open_database
from redline.storage.differ import word_diff
from redline.storage.record import Extracted, Fetch, record_content, record_failure, record_missing
from testkit.web_server import REDLINE, get, serving

BUDGET = "https://daily.example/news/budget"
STRIKE = "https://gazeta.example/news/strike"
HOSTILE = "<script>alert(1)</script>"
BODY_1 = "The budget passed by 12 votes.\n\nThe minister called it a good day.\n\nThe opposition walked out."
BODY_2 = "The budget failed by 15 votes.\n\nThe minister called it a good day.\n\nThe minister resigned."
RU_1 = "Забастовка продолжается третью неделю.\n\nМинистр пообещал ёлку каждому докеру."
RU_2 = "Забастовка продолжается третью неделю."


def _hours_ago(hours: int) -> str:
    """Recent times, so that every check falls in the outlets page's one-day window."""
    return to_iso(datetime.now(UTC) - timedelta(hours=hours))


def _extracted(headline: str, body: str) -> Extracted:
    return Extracted(headline, body, "Anna Petrova", None, None, "test", "test-1")


def fill(db_path: Path) -> dict[str, int]:
    """Two outlets: an English article edited once (hostile headline), a Russian one cut then removed."""
    db = open_database(db_path)
    [budget] = articles.track(db, [BUDGET])
    [strike] = articles.track(db, [STRIKE], outlet="Газета")
    page = b"<html><head><script>window.evil = 1</script></head><body onload='x()'><h1>Budget</h1>" \
           b"<p>Text <a href='/rel'>link</a></p><img src='https://tracker.example/p.gif'></body></html>"
    record_content(db, budget.article_id, Fetch(BUDGET, _hours_ago(8), 200),
                   _extracted(f"Budget passes {HOSTILE}", BODY_1), page)
    record_content(db, strike.article_id, Fetch(STRIKE, _hours_ago(7), 200),
                   _extracted("Забастовка в порту", RU_1), "<p>Забастовка</p>".encode("cp1251"))
    db.execute("UPDATE versions SET encoding = 'cp1251' WHERE article_id = ?", [strike.article_id])
    record_content(db, budget.article_id, Fetch(BUDGET, _hours_ago(6), 200),
                   _extracted(f"Budget fails {HOSTILE}", BODY_2), b"<html><body><h1>Budget fails</h1></body></html>")
    record_content(db, strike.article_id, Fetch(STRIKE, _hours_ago(5), 200),
                   _extracted("Забастовка в порту", RU_2), b"<p>cut</p>")
    record_failure(db, budget.article_id, Fetch(BUDGET, _hours_ago(4), 503), "HTTP 503 <b>bad</b>")
    for when in (_hours_ago(3), _hours_ago(2)):
        record_missing(db, strike.article_id, Fetch(STRIKE, when, 404))
    db.close()
    return {"budget": budget.article_id, "strike": strike.article_id}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, int], Path]:
    db_path = tmp_path_factory.mktemp("web") / "redline.db"
    ids = fill(db_path)
    with serving(db_path) as base:
        yield base, ids, db_path


def test_recent_changes_newest_first_with_headline_diff_and_escaping(server):
    base, _, _ = server
    page = get(base + "/")
    assert page.status == 200
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<del>passes</del>" in page.text and "<ins>fails</ins>" in page.text
    links = re.findall(r'href="/change/(\d+)"', page.text)
    assert [int(i) for i in links] == sorted((int(i) for i in links), reverse=True) and len(links) == 3
    assert "+" in page.text and "words" in page.text  # size of the edit


def test_filters_by_outlet_and_kind_and_pages_by_cursor(server):
    base, _, _ = server
    russian = get(base + "/?outlet=%D0%93%D0%B0%D0%B7%D0%B5%D1%82%D0%B0")  # Газета
    assert russian.status == 200 and STRIKE in russian.text and BUDGET not in russian.text
    by_host = get(base + "/?outlet=daily.example")
    assert BUDGET in by_host.text and STRIKE not in by_host.text
    removed = get(base + "/?kind=removed")
    assert len(re.findall(r'href="/change/', removed.text)) == 1 and STRIKE in removed.text
    newest = int(re.search(r'href="/change/(\d+)"', get(base + "/").text).group(1))
    older = get(base + f"/?older={newest}")
    assert f'href="/change/{newest}"' not in older.text and 'href="/change/' in older.text
    assert "Newest" in older.text


def test_keyset_pages_cover_every_change_once(tmp_path):
    fill(tmp_path / "r.db")
    db = browse.open_reader(tmp_path / "r.db")
    seen, cursor = [], None
    while True:
        page = browse.recent_changes(db, older_than=cursor, limit=2)
        seen += [row["id"] for row in page.rows]
        if page.older is None:
            break
        cursor = page.older
    assert seen == [3, 2, 1]
    plan = " ".join(str(row) for row in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM changes c WHERE c.id < 10 ORDER BY c.id DESC LIMIT 5"))
    assert "TEMP B-TREE" not in plan  # newest-first pages walk the primary key, never sort a table
    outlet_plan = " ".join(str(row) for row in db.execute(
        f"EXPLAIN QUERY PLAN SELECT DISTINCT {browse.OUTLET} FROM articles a"))
    assert "articles_outlet" in outlet_plan  # outlet lists read the index, not the articles table


@pytest.mark.parametrize("query, status, message", [
    ("/?older=abc", 400, "older=&#39;abc&#39; is not a valid number"),
    ("/?older=0", 400, "not a valid number"),
    ("/?kind=typo", 400, "unknown kind"),
    ("/history", 400, "name an article"),
    ("/history?url=https://nowhere.example/x", 404, "is not tracked"),
    (f"/history?url={BUDGET}&from=9", 404, "has no version 9"),
    (f"/history?url={BUDGET}&view=fancy", 400, "unknown view"),
    ("/change/999", 404, "there is no change 999"),
    ("/archive/1/99", 404, "there is no version 99"),
    ("/search?q=%22%22", 400, "type one or more words"),
    ("/feed.atom?url=https://nowhere.example/", 404, "is not tracked"),
    ("/no/such/page", 404, "no page at this address"),
])
def test_bad_parameters_give_an_error_page_not_a_traceback(server, query, status, message):
    base, _, _ = server
    page = get(base + query)
    assert page.status == status
    assert message in page.text and "Traceback" not in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_history_shows_versions_changes_and_word_diffs(server):
    base, ids, _ = server
    page = get(base + f"/history?url={BUDGET}")
    assert page.status == 200
    assert "2 versions" in page.text and "1 change" in page.text
    assert f'href="{BUDGET}" rel="noopener noreferrer external"' in page.text
    assert f'href="/archive/{ids["budget"]}/1"' in page.text and f'href="/archive/{ids["budget"]}/2"' in page.text
    headline_at, body_at = page.text.index("field-headline"), page.text.index("field-body")
    assert headline_at < body_at  # the headline diff comes first
    body = page.text[body_at:]
    assert "<del>passed</del><ins>failed</ins>" in body and "<del>12</del><ins>15</ins>" in body
    assert "<script>" not in page.text

    side = get(base + f"/history?url={BUDGET}&from=1&to=2&view=side").text
    old_cells = re.findall(r'<div class="text old" role="cell">(.*?)</div>', side, re.S)
    new_cells = re.findall(r'<div class="text new" role="cell">(.*?)</div>', side, re.S)
    assert old_cells and len(old_cells) == len(new_cells)
    assert all("<ins>" not in cell for cell in old_cells) and all("<del>" not in cell for cell in new_cells)
    assert any("<del>12</del>" in cell for cell in old_cells) and any("<ins>15</ins>" in cell for cell in new_cells)
    assert "The minister called it a good day." in old_cells and "The minister called it a good day." in new_cells

    same = get(base + f"/history?url={BUDGET}&from=2&to=2").text
    assert re.search(r"Version 2\s*</h2>", same) and "field-body unchanged" in same


def test_history_of_a_removed_article_by_alias_free_name(server):
    base, _, _ = server
    page = get(base + "/history?url=" + STRIKE + "?utm_source=x")  # canonicalised like the CLI does
    assert page.status == 200 and "state-removed" in page.text and "Газета" in page.text


def test_change_links_redirect_to_the_diff(server):
    base, _, _ = server
    first = get(base + "/change/1")
    assert first.status == 303
    assert first.headers["location"] == "/history?url=https%3A%2F%2Fdaily.example%2Fnews%2Fbudget&from=1&to=2#diff"
    removal = re.search(r'href="/change/(\d+)"', get(base + "/?kind=removed").text).group(1)
    assert get(base + f"/change/{removal}").headers["location"].endswith("#changes")


def test_outlets_counts_checks_and_failures(server):
    base, _, _ = server
    page = get(base + "/outlets")
    assert page.status == 200
    rows = {name: row for name, row in re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>(.*?)</tr>', page.text, re.S)}
    assert set(rows) == {"daily.example", "Газета"}
    numbers = lambda row: [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]  # noqa: E731
    assert numbers(rows["daily.example"]) == [1, 0, 1, 1, 0]  # articles, removed, changes, failures, blocked
    assert numbers(rows["Газета"]) == [1, 1, 2, 0, 0]
    assert "7 checks, 1 failed" in page.text
    assert "HTTP 503 &lt;b&gt;bad&lt;/b&gt;" in rows["daily.example"]


def test_search_finds_cut_text_in_any_language(server):
    base, _, _ = server
    page = get(base + "/search?q=%D1%91%D0%BB%D0%BA%D1%83")  # "ёлку"
    assert page.status == 200 and STRIKE in page.text
    assert "found in version 1 of 2" in page.text and "not in the latest version" in page.text
    assert "<mark>ёлку</mark>" in page.text
    assert "<mark>minister</mark>" in get(base + "/search?q=minister").text
    hostile = get(base + "/search?q=%22budget%20AND(%20NEAR%20*")
    assert hostile.status == 200  # FTS5 operators in a query are words, never syntax errors
    assert get(base + "/search?q=budg*").text.count('class="snippet"') == 1
    assert "Nothing found" in get(base + "/search?q=zebra").text
    assert get(base + "/search").status == 200


def test_atom_feeds_all_per_outlet_and_per_article(server):
    base, ids, _ = server
    everything = feedparser.parse(get(base + "/feed.atom").text)
    assert not everything.bozo and len(everything.entries) == 3
    assert everything.entries[0].id == "tag:redline,2026:change/3"
    assert everything.entries[-1].title == f"Headline changed: Budget passes {HOSTILE} → Budget fails {HOSTILE}"
    assert everything.entries[-1].link == base + "/change/1"
    outlet = feedparser.parse(get(base + "/feed.atom?outlet=daily.example").text)
    assert [e.id for e in outlet.entries] == ["tag:redline,2026:change/1"]
    article = feedparser.parse(get(base + f"/feed.atom?url={STRIKE}&kind=removed").text)
    assert article.feed.id == f"tag:redline,2026:feed/article/{ids['strike']}/kind/removed"
    assert [e.title for e in article.entries] == ["Removed: Забастовка в порту"]
    assert get(base + "/feed.atom").headers["content-type"] == "application/atom+xml; charset=utf-8"


def test_archived_copy_is_cleaned_and_sandboxed(server):
    base, ids, _ = server
    page = get(base + f"/archive/{ids['budget']}/1")
    assert page.status == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "sandbox" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "window.evil" not in page.text and "onload" not in page.text
    assert "Archived copy kept by redline: version 1 of " + BUDGET in unescape(page.text)
    assert 'href="https://daily.example/rel"' in page.text  # links lead to the live site
    russian = get(base + f"/archive/{ids['strike']}/1")
    assert "Забастовка" in russian.text  # decoded with the stored encoding


def test_every_page_has_a_strict_policy_and_the_view_is_read_only(server):
    base, _, db_path = server
    before = db_path.read_bytes()
    for path in ("/", f"/history?url={BUDGET}", "/outlets", "/search?q=budget", "/feed.atom", "/nope"):
        headers = get(base + path).headers
        assert "script-src" not in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert get(base + "/", method="POST").status == 405
    assert get(base + f"/history?url={BUDGET}", method="DELETE").status == 405
    assert get(base + "/", headers={"Host": "attacker.example"}).status == 400  # DNS rebinding
    assert db_path.read_bytes() == before


def test_reader_connections_cannot_write(tmp_path):
    fill(tmp_path / "r.db")
    db = browse.open_reader(tmp_path / "r.db")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM changes")


def test_pages_load_while_a_writer_holds_a_transaction(server):
    base, _, db_path = server
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE versions SET headline = 'HALF-WRITTEN' WHERE number = 2")
        page = get(base + f"/history?url={BUDGET}")
        assert page.status == 200 and "HALF-WRITTEN" not in page.text
        assert "HALF-WRITTEN" not in get(base + "/search?q=half").text
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_search_index_covers_versions_stored_before_the_migration(tmp_path):
    db_path = tmp_path / "old.db"
    fill(db_path)
    db = sqlite3.connect(db_path)
    db.executescript("DROP TABLE versions_fts; DROP TRIGGER versions_fts_insert; "
                     "DROP TRIGGER versions_fts_update; DROP TRIGGER versions_fts_delete; "
                     "DROP INDEX articles_outlet; "
                     "DELETE FROM _sqlite_migrations WHERE name = '0003_search';")
    db.close()
    open_database(db_path, create=False).close()  # what `redline serve` does at start-up
    reader = browse.open_reader(db_path)
    assert [hit["url"] for hit in browse.search(reader, "opposition")] == [BUDGET]
    assert browse.fts_query('budget "good day" budg* AND(') == '"budget" "good day" "budg"* "AND("'
    with pytest.raises(InvalidInput):
        browse.fts_query('"" *')


def test_serve_refuses_a_missing_database_and_a_busy_port(tmp_path, server):
    missing = subprocess.run([str(REDLINE), "--db", str(tmp_path / "none.db"), "serve", "--port", "0"],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and missing.stdout == ""
    assert missing.stderr.strip().startswith("redline: error: no redline database at")
    assert not (tmp_path / "none.db").exists()
    base, _, db_path = server
    port = base.rsplit(":", 1)[1]
    busy = subprocess.run([str(REDLINE), "--db", str(db_path), "serve", "--port", port],
                          capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2
    assert busy.stderr.strip() == f"redline: error: cannot listen on 127.0.0.1:{port}: the port is in use " \
                                  "(another redline serve?); pick another with --port"


def test_side_by_side_keeps_paragraphs_level():
    before = "Same start.\n\nA paragraph that was cut.\n\nThe vote was 31 to 18.\n\nSame end."
    after = "Same start.\n\nThe vote was 29 to 18.\n\nSame end.\n\nA paragraph added."
    rows = side_by_side(word_diff(before, after))
    assert rows == [
        ("Same start.", "Same start."),
        ("<del>A paragraph that was cut.</del>", ""),
        ("The vote was <del>31</del> to 18.", "The vote was <ins>29</ins> to 18."),
        ("Same end.", "Same end."),
        ("", "<ins>A paragraph added.</ins>"),
    ]
    assert side_by_side(word_diff("a < b", "a < c")) == [("a &lt; <del>b</del>", "a &lt; <ins>c</ins>")]
