"""Unchanged bytes are nearly free: a 304 or the same bytes again is never parsed, and its check
row is committed in a batch rather than in a durable transaction of its own (storage/store.py,
``DEFERRED_CHECKS_MAX``). What that must never cost: a version, a change, or a consistent file. A
``kill -9`` may lose the unflushed checks, and then their articles are simply due again, as if the
fetch had not happened; a normal end or a stop commits every one of them.

Real parts throughout: the local site on 127.0.0.1, a real SQLite file, ``redline`` as a subprocess
(the Python API in a subprocess where the pass's work counters are read)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bench import invariants
from testkit.pages import STORY, article_page
from testkit.site import REDLINE, LocalSite, Redline
from testkit.waiting import wait_for

#: How long a test waits for a crawl or the daemon to get somewhere before failing.
#: Each article page answers after this long, so a 304 pass lasts long enough to be killed in
#: the middle, after a first batch may have been committed (--concurrency 2: ~3 s for 60 fetches).
SLOW_S = 0.1
ARTICLES = 60
#: Articles edited before the killed pass (every tenth): their new versions are committed at
#: once, with whatever checks were waiting, in the middle of the 304s.
EDITED = range(5, ARTICLES, 10)
#: The default schedule's interval for a fresh article (redline.core.policy).
FRESH_S = 15 * 60


def _etag(n: int) -> str:
    return f'"story-{n}"'


def _page(site: LocalSite, n: int, *, etag: str | None, delay: float = 0.0, edited: bool = False) -> str:
    story = [*STORY, "Update: the council will publish the revised figures on Friday."] if edited else STORY
    return site.set(f"/news/{n}", article_page(f"Story {n} of the day", story), etag=etag, delay=delay)


def _pages(site: LocalSite, count: int, *, etag: bool = True, delay: float = 0.0) -> list[str]:
    return [_page(site, n, etag=_etag(n) if etag else None, delay=delay) for n in range(count)]


def _conditional_requests(site: LocalSite) -> int:
    """Requests the site answered with 304 (those that sent the page's own ETag)."""
    with site.lock:
        return sum(1 for path, headers in site.requests
                   if path.startswith("/news/") and headers.get("If-None-Match") == _etag(int(path.rsplit("/", 1)[1])))


def _rows(db: Path, sql: str) -> list[tuple]:
    with invariants.reading(db) as conn:
        return conn.execute(sql).fetchall()


def _schedule(db: Path) -> dict[int, tuple[bytes, bytes]]:
    """article id → (last_checked_at, next_check_at)."""
    return {row[0]: (row[1], row[2]) for row in _rows(db, "SELECT id, last_checked_at, next_check_at FROM articles")}


def _scheduled_after(checked: bytes, due: bytes) -> bool:
    """Whether ``due`` is the default schedule's next check after a check at ``checked`` (a fresh
    article: 15 minutes ± the 10% jitter)."""
    def epoch(stamp: bytes) -> float:
        return datetime.fromisoformat(stamp.decode().replace("Z", "+00:00")).timestamp()

    return 0.9 * FRESH_S <= epoch(due) - epoch(checked) <= 1.1 * FRESH_S


def _answered_since(site: LocalSite, start: int) -> int:
    """Article requests the site received after its first ``start`` requests."""
    with site.lock:
        return sum(1 for path, _ in site.requests[start:] if path.startswith("/news/"))


def _last_seen(db: Path) -> dict[int, bytes]:
    """article id → its latest version's last_seen."""
    return dict(_rows(db, "SELECT v.article_id, v.last_seen FROM versions v WHERE v.number = "
                          "(SELECT max(number) FROM versions WHERE article_id = v.article_id)"))


#: The killed pass: every page answers 304 (``etag``), or every page answers new bytes around the
#: same story (``churn``: read, recognised as the latest version, its check deferred like a 304's).
KILLED_PASSES = ("etag", "churn")


@pytest.mark.parametrize("mode", KILLED_PASSES)
def test_kill_9_during_a_pass_loses_no_version_and_leaves_the_record_consistent(site, redline: Redline, mode: str):
    redline("track", *_pages(site, ARTICLES, delay=SLOW_S))
    redline("crawl", "--once", "--all")
    versions = invariants.versions(redline.db)
    assert len(versions) == ARTICLES
    before = _schedule(redline.db)
    seen_before = _last_seen(redline.db)
    checks_before = _rows(redline.db, "SELECT count(*) FROM checks")[0][0]
    if mode == "churn":
        for n in range(ARTICLES):
            site.set(f"/news/{n}", article_page(f"Story {n} of the day", STORY, churn=1), etag=f'"churned-{n}"',
                     delay=SLOW_S)
    for n in EDITED:
        _page(site, n, etag=f'"edited-{n}"', delay=SLOW_S, edited=True)

    start = len(site.requests)
    crawl = subprocess.Popen([str(REDLINE), "--db", str(redline.db), "crawl", "--once", "--all", "--delay", "0",
                              "--concurrency", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
    wait_for("two thirds of the pass to be answered", lambda: _answered_since(site, start) >= 2 * ARTICLES // 3,
             every=0.02)
    crawl.send_signal(signal.SIGKILL)
    assert crawl.wait(timeout=30) == -signal.SIGKILL  # killed mid-pass, not after it ended

    assert invariants.integrity(redline.db) == "ok"
    assert invariants.lost(versions, invariants.versions(redline.db)) == []
    assert invariants.duplicates(redline.db) == []
    # Each edit recorded before the kill is a whole one: version, check, change and its alert row.
    new_versions = _rows(redline.db, "SELECT count(*) FROM versions")[0][0] - ARTICLES
    assert new_versions == _rows(redline.db, f"SELECT count(*) FROM checks WHERE id > {checks_before} "
                                             "AND outcome = 'new_version'")[0][0]
    assert new_versions == _rows(redline.db, "SELECT count(*) FROM changes c JOIN outbox o ON o.change_id = c.id")[0][0]
    # Every article is either checked (its check row, last check and next check committed together,
    # and, for a story seen again, its version's last_seen) or untouched: due again exactly when it
    # was due before the pass, its version as last seen before.
    recorded = dict(_rows(redline.db, f"SELECT article_id, max(checked_at) FROM checks WHERE id > {checks_before} "
                                      "GROUP BY article_id"))
    assert len(recorded) == _rows(redline.db, f"SELECT count(*) FROM checks WHERE id > {checks_before}")[0][0]
    assert len(recorded) < ARTICLES
    seen_after = _last_seen(redline.db)
    for article, (checked, due) in _schedule(redline.db).items():
        if article in recorded:
            assert checked == recorded[article] and _scheduled_after(checked, due), article
            assert seen_after[article] == checked, article
        else:
            assert (checked, due) == before[article], article
            assert seen_after[article] == seen_before[article], article
    if mode == "churn":  # the pages recorded unchanged were read, not taken for 304s
        outcomes = {row[0] for row in _rows(redline.db, f"SELECT DISTINCT outcome FROM checks WHERE id > {checks_before}")}
        assert outcomes <= {b"unchanged", b"new_version"}

    finished = redline("crawl", "--once", "--all")  # the next pass carries on
    assert f"checked {ARTICLES}: " in finished.stdout
    assert invariants.integrity(redline.db) == "ok"
    assert _rows(redline.db, "SELECT count(*) FROM versions")[0][0] == ARTICLES + len(EDITED)


@pytest.mark.parametrize("mode", KILLED_PASSES)
def test_batched_checks_are_all_committed_when_a_pass_ends(site, redline: Redline, mode: str):
    redline("track", *_pages(site, ARTICLES))
    redline("crawl", "--once", "--all")
    before = _schedule(redline.db)
    if mode == "churn":
        for n in range(ARTICLES):
            site.set(f"/news/{n}", article_page(f"Story {n} of the day", STORY, churn=1), etag=f'"churned-{n}"')

    done = redline("crawl", "--once", "--all")
    outcome = "not_modified" if mode == "etag" else "unchanged"
    assert f"checked {ARTICLES}: {ARTICLES} {outcome.replace('_', ' ')}" in done.stdout
    assert _rows(redline.db, f"SELECT count(*) FROM checks WHERE outcome = '{outcome}'")[0][0] == ARTICLES
    after = _schedule(redline.db)
    assert all(after[a][0] > before[a][0] and _scheduled_after(*after[a]) for a in before)


def test_batched_checks_are_all_committed_when_the_daemon_is_stopped(site, redline: Redline, tmp_path: Path):
    redline("track", *_pages(site, ARTICLES))
    config = tmp_path / "redline.toml"
    config.write_text(f'db = "{redline.db}"\ndelay = 0\nconcurrency = 4\n[schedule]\nfresh = "1s"\n', encoding="utf-8")
    daemon = subprocess.Popen([str(REDLINE), "--config", str(config), "run"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                              env={**os.environ, "REDLINE_MIN_INTERVAL": "1"})
    try:
        wait_for("rechecks answered with 304", lambda: _conditional_requests(site) >= 2 * ARTICLES, every=0.02)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    recorded = _rows(redline.db, "SELECT count(*) FROM checks WHERE outcome = 'not_modified'")[0][0]
    assert recorded == _conditional_requests(site)  # every 304 the site sent is in the record


#: Runs one pass through the Python API and prints its outcomes and work counters as JSON.
_PASS = """
import json, sys
from redline import Redline
report = Redline(sys.argv[1]).crawl_once(check_all=True, delay=0)
print(json.dumps({"outcomes": report.checks.outcomes, "work": report.checks.work}))
"""


def _pass(db: Path) -> dict[str, dict[str, int]]:
    done = subprocess.run([sys.executable, "-c", _PASS, str(db)], capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_304_or_the_same_bytes_is_never_parsed(site, redline: Redline):
    conditional, plain = _pages(site, 3), [site.set(f"/plain/{n}", article_page(f"Plain story {n}", STORY))
                                           for n in range(2)]
    redline("track", *conditional, *plain)
    first = _pass(redline.db)
    assert first["outcomes"] == {"new_version": 5} and first["work"]["parsed"] == 5

    again = _pass(redline.db)
    assert again["outcomes"] == {"not_modified": 3, "same_bytes": 2}
    assert again["work"].get("parsed", 0) == 0

    site.set("/plain/0", article_page("Plain story 0", STORY, churn=1))  # new bytes, same story: parsed
    churned = _pass(redline.db)
    assert churned["outcomes"] == {"not_modified": 3, "same_bytes": 1, "unchanged": 1}
    assert churned["work"]["parsed"] == 1
    with sqlite3.connect(redline.db) as db:
        assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 5
