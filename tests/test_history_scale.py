"""An article's history on large databases: the query plans stay on the listing index, the web
view pages through a long history by version number, the CLI lists the newest rows unless --all.

No timings here (bench/scale.py measures them on 1,000,000 versions); what is asserted is what
makes them fast: which index SQLite uses and how much one page reads.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse

import pytest

from redline.storage import articles, queries, record
from testkit import web_server
from testkit.records import extracted
from testkit.site import REDLINE

from redline.cli.render import HISTORY_ROWS

URL = "https://example.com/news/live-blog"
OTHER = "https://example.com/news/other"
#: More than a web page and a CLI table show.
VERSIONS = max(queries.HISTORY_PAGE, HISTORY_ROWS) + 5


def _plan(db, sql: str, params: list) -> list[str]:
    return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.fixture
def blog(db):
    """A live blog of VERSIONS versions (a paragraph added each time), with another article's
    versions recorded between its own, as a daemon records them."""
    blog_id, other_id = (t.article_id for t in articles.track(db, [URL, OTHER]))
    for n in range(1, VERSIONS + 1):
        when = f"2026-11-25T{n:02d}:00:00Z"
        body = "\n\n".join(f"Update {k}." for k in range(1, n + 1))
        headline = f"Live: day one, {n // 5}"
        record.record_content(db, blog_id, record.Fetch(url=URL, checked_at=when, status=200),
                              extracted(headline, body), f"<html>{n}".encode())
        record.record_content(db, other_id, record.Fetch(url=OTHER, checked_at=when, status=200),
                              extracted(f"Other {n % 2}"), f"<html>o{n}".encode())
    return db


def test_history_reads_versions_through_the_listing_index(blog):
    """The versions with their text use the listing index (``rendered`` then comes from the index,
    not from behind the raw page); a listing needs no table row at all."""
    full = queries.HISTORY_VERSIONS.format(body=queries.HISTORY_BODY_COLUMNS, window="")
    listing = queries.HISTORY_VERSIONS.format(body="", window=" AND number BETWEEN ? AND ?")
    assert _plan(blog, full, [1]) == [f"SEARCH versions USING INDEX {queries.LISTING} (article_id=?)"]
    assert _plan(blog, listing, [1, 1, 5]) == [
        f"SEARCH versions USING COVERING INDEX {queries.LISTING} (article_id=? AND number>? AND number<?)"]


def test_history_changes_are_read_by_article_and_headlines_from_the_listing_index(blog):
    """An article's changes come from their own index in id order (no sort, no join); the headline
    of a version outside the versions read comes from the listing index alone."""
    plan = _plan(blog, queries.HISTORY_CHANGES.format(window=""), [1])
    assert plan == ["SEARCH changes USING INDEX changes_article (article_id=?)"]
    plan = _plan(blog, queries.HEADLINES_OF.format(marks="?, ?"), [1, 3, 4])
    assert plan == [f"SEARCH versions USING COVERING INDEX {queries.LISTING} (article_id=? AND number=?)"]


def test_history_page_walks_back_by_version_number(blog):
    n = VERSIONS
    newest = queries.history_page(blog, URL, limit=5)
    assert [v["version"] for v in newest["versions"]] == list(range(n - 4, n + 1))
    assert "body" not in newest["versions"][0]  # a listing: headlines and dates
    assert [(c["from_version"], c["to_version"]) for c in newest["changes"]] == [(k - 1, k) for k in range(n - 4, n + 1)]
    assert (newest["version_count"], newest["change_count"], newest["headline"]) == (n, n - 1, f"Live: day one, {n // 5}")
    assert (newest["older"], newest["newer"]) == (n - 4, None)

    back = queries.history_page(blog, URL, before=newest["older"], limit=5)
    assert [v["version"] for v in back["versions"]] == list(range(n - 9, n - 4))
    assert (back["older"], back["newer"]) == (n - 9, n + 1)
    oldest = queries.history_page(blog, URL, before=4, limit=5)
    assert [v["version"] for v in oldest["versions"]] == [1, 2, 3]
    assert [c["to_version"] for c in oldest["changes"]] == [2, 3]
    assert (oldest["older"], oldest["newer"]) == (None, 9)
    assert [v["version"] for v in queries.history_page(blog, URL, before=9, limit=5)["versions"]] == [4, 5, 6, 7, 8]

    everything = queries.history(blog, URL)
    assert [v["version"] for v in everything["versions"]] == list(range(1, VERSIONS + 1))
    assert (everything["version_count"], everything["change_count"]) == (n, n - 1)
    last = queries.history(blog, URL, newest=5)
    assert [v["version"] for v in last["versions"]] == list(range(n - 4, n + 1)) and last["versions"][0]["body"]
    assert [c["to_version"] for c in last["changes"]] == list(range(n - 4, n + 1))
    assert (last["version_count"], last["change_count"]) == (n, n - 1)
    assert {k: everything[k] for k in ("url", "aliases", "state")} == {k: newest[k] for k in ("url", "aliases", "state")}


def test_history_page_of_an_article_never_read(db):
    articles.track(db, [URL])
    page = queries.history_page(db, URL, before=7)
    assert (page["versions"], page["changes"], page["version_count"], page["older"], page["newer"]) == ([], [], 0,
                                                                                                        None, None)


def _cli(db_path, *args: str) -> str:
    done = subprocess.run([str(REDLINE), "--db", str(db_path), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _version_numbers(table_text: str) -> list[int]:
    """The first column of the versions table in ``redline history``'s output."""
    versions = table_text.split("versions", 1)[1].split("changes", 1)[0]
    return [int(cells[1]) for line in versions.splitlines() if len(cells := line.split("│")) > 2
            and cells[1].strip().isdigit()]


def test_cli_history_lists_the_newest_rows_and_all_with_all(blog, tmp_path):
    db_path = tmp_path / "r.db"
    short = _cli(db_path, "history", URL)
    assert _version_numbers(short) == list(range(VERSIONS - HISTORY_ROWS + 1, VERSIONS + 1))
    assert f"the newest {HISTORY_ROWS} of {VERSIONS} versions: --all lists every one" in short
    assert f"the newest {HISTORY_ROWS} of {VERSIONS - 1} changes" in short
    full = _cli(db_path, "history", URL, "--all")
    assert _version_numbers(full) == list(range(1, VERSIONS + 1)) and "--all lists" not in full
    as_json = json.loads(_cli(db_path, "history", URL, "--json"))
    assert len(as_json["versions"]) == VERSIONS and len(as_json["changes"]) == VERSIONS - 1


def test_web_history_pages_through_versions(blog, tmp_path):
    quoted = urllib.parse.quote(URL, safe="")
    with web_server.serving(tmp_path / "r.db") as base:
        newest = web_server.get(f"{base}/history?url={quoted}").text
        assert f"{VERSIONS} versions" in newest and f"{VERSIONS - 1} changes" in newest
        assert f'href="/archive/1/{VERSIONS}"' in newest and 'href="/archive/1/5"' not in newest
        older = VERSIONS - queries.HISTORY_PAGE + 1
        assert f"before={older}#versions\">Older versions" in newest and "Newer versions" not in newest
        back = web_server.get(f"{base}/history?url={quoted}&before={older}&from=1&to=2").text
        assert 'href="/archive/1/1"' in back and f'href="/archive/1/{VERSIONS}"' not in back
        assert "Newer versions" in back and "Older versions" not in back
        assert "Version 1 → version 2" in back  # the diff asked for, whatever the page
