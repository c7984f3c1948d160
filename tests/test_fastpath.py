"""The recheck fast path end to end: a story whose page only churned is recognised without
extraction (the crawl says so per page), and every kind of edit still becomes a new version.

Real parts only: the local site on 127.0.0.1, the ``redline`` command as a subprocess, its SQLite
file.  Each edit test first shows the fast path answering for the same article (so it is on),
then makes one edit under fresh churn and expects the change, of the right kind.
"""

from __future__ import annotations

import sqlite3

import pytest

from testkit.pages import STORY, STORY_HEADLINE, article_page

PATH = "/news/2026/11/25/budget"
#: What the crawl's per-page log line says when the fast path answered.
RECOGNISED = "unchanged (recognised without extraction)"
CORRECTION = ("Correction: an earlier version of this article gave the wrong vote count. Council members "
              "voted 31 to 18, not 32 to 17.")


def _crawl(redline) -> str:
    result = redline("crawl", "--once", "--all")
    return result.stdout + result.stderr


def _tracked(site, redline) -> str:
    """An article crawled once, then once more under churn: the second check took the fast path."""
    url = site.set(PATH, article_page(STORY_HEADLINE, STORY, churn=0))
    redline("track", url)
    assert "new version 1" in _crawl(redline)
    site.set(PATH, article_page(STORY_HEADLINE, STORY, churn=1))
    assert RECOGNISED in _crawl(redline)
    return url


def test_an_unchanged_story_under_churned_bytes_takes_the_fast_path(site, redline):
    url = _tracked(site, redline)
    for churn in (2, 3, 4):
        site.set(PATH, article_page(STORY_HEADLINE, STORY, churn=churn))
        assert RECOGNISED in _crawl(redline)
    assert redline("changes", "--json").json() == []
    assert [v["version"] for v in redline("history", url, "--json").json()["versions"]] == [1]
    with sqlite3.connect(redline.db) as db:
        # The version keeps what its page showed (so rechecks need not read the stored page), and
        # every recognised check is in the record, committed with its batch when the pass ended.
        assert db.execute("SELECT shown_texts IS NOT NULL FROM versions").fetchall() == [(1,)]
        assert db.execute("SELECT count(*) FROM checks WHERE outcome = 'unchanged'").fetchone()[0] == 4


def _word(story: list[str]) -> list[str]:
    return [story[0], story[1].replace("31 to 18", "31 to 19"), *story[2:]]


def _sentence(story: list[str]) -> list[str]:
    return [*story[:2], story[2] + " The finance director resigned on Wednesday.", *story[3:]]


EDITS = {
    "headline": (lambda: article_page("City council rejects budget after marathon session", STORY, churn=2),
                 "headline"),
    "one word": (lambda: article_page(STORY_HEADLINE, _word(STORY), churn=2), "body"),
    "appended sentence": (lambda: article_page(STORY_HEADLINE, _sentence(STORY), churn=2), "body"),
    "removed paragraph": (lambda: article_page(STORY_HEADLINE, [*STORY[:3], *STORY[4:]], churn=2), "body"),
    "appended paragraph": (lambda: article_page(STORY_HEADLINE, [*STORY, CORRECTION], churn=2), "body"),
    "byline": (lambda: article_page(STORY_HEADLINE, STORY, byline="Ivan Sidorov", churn=2), "byline"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_every_kind_of_edit_falls_through_to_the_full_read(site, redline, edit):
    page, kind = EDITS[edit]
    url = _tracked(site, redline)
    site.set(PATH, page())
    log = _crawl(redline)
    assert RECOGNISED not in log and "new version 2" in log
    changes = redline("changes", "--json").json()
    assert [c["url"] for c in changes] == [url]
    assert kind in changes[0]["kinds"]
