"""`redline run` and `redline crawl --once` with outlets configured, against the simulated outlet."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from redline.demo.outlet import SimulatedOutlet
from testkit.site import REDLINE
from testkit.waiting import wait_for

#: The outlet is local: intervals of seconds are allowed (the floor is one minute otherwise).
LOCAL_ENV = {**os.environ, "REDLINE_MIN_INTERVAL": "1"}

#: How long a test waits for the daemon to notice something before failing.


@pytest.fixture
def outlet() -> Iterator[SimulatedOutlet]:
    with SimulatedOutlet(seed=3) as running:
        yield running


def _config(tmp_path: Path, outlet: SimulatedOutlet, fresh: str, extra: str = "") -> Path:
    path = tmp_path / "redline.toml"
    path.write_text(f'''
db = "redline.db"
delay = 0
concurrency = 8
discover_every = "2s"
[schedule]
fresh = "{fresh}"

[[outlets]]
name = "{outlet.name}"
feeds = ["{outlet.feed_url}"]
sitemaps = ["{outlet.sitemap_url}"]
sections = ["{outlet.section_url}"]
article_pattern = '{outlet.article_pattern}'
''' + extra, encoding="utf-8")
    return path


def _redline(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(REDLINE), "--config", str(config), *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, env=LOCAL_ENV)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _kinds(config: Path) -> list[list[str]]:
    return [c["kinds"] for c in json.loads(_redline(config, "changes", "--json").stdout)]


def test_daemon_discovers_detects_alerts_and_stops_on_sigterm(tmp_path, outlet, webhook):
    config = _config(tmp_path, outlet, fresh="2s",
                     extra=f'[[alerts]]\nnotify = ["{webhook.url}"]\nkinds = ["headline"]\n')
    log = tmp_path / "daemon.log"   # a file, not a pipe: an unread pipe would block the daemon's logging
    daemon = subprocess.Popen([str(REDLINE), "--config", str(config), "run", "--log-json"],
                              stdout=subprocess.DEVNULL, stderr=log.open("w"), stdin=subprocess.DEVNULL, env=LOCAL_ENV)
    try:
        status = lambda: json.loads(_redline(config, "status", "--json").stdout)  # noqa: E731
        wait_for("discovery", lambda: tmp_path.joinpath("redline.db").exists()
                  and status()["versions"] >= len(outlet.article_urls()))

        second = _redline(config, "run", check=False)
        assert second.returncode == 1 and "already working on" in second.stderr

        for _ in range(3):          # a headline edit, a body edit, a pull
            outlet.step()
            time.sleep(1)
        wait_for("a headline, a body and a removal change",
                  lambda: {"headline", "body", "removed"} <= {k for kinds in _kinds(config) for k in kinds})
        wait_for("the published story to be discovered (the pulled one stays tracked)",
                  lambda: status()["articles"] == len(outlet.article_urls()) + 1)
        wait_for("the headline alert", lambda: len(webhook.handled) == 1)
        assert "Port expansion approved after six-hour meeting" in webhook.messages()[0]
    finally:
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        err = log.read_text()
        print(err[-5000:])  # shown by pytest when the test fails
    assert daemon.returncode == 0, err
    assert time.monotonic() - started < 10
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line["message"].startswith("status:") and "status" in line for line in lines)
    assert lines[-1]["message"] == "redline daemon stopped"
    assert len(_kinds(config)) <= 4   # nothing from churn: the three scripted edits (+ a publication)


def test_crawl_once_discovers_then_checks_only_what_is_due(tmp_path, outlet):
    config = _config(tmp_path, outlet, fresh="15m")
    first = _redline(config, "crawl", "--once").stdout
    count = len(outlet.article_urls())
    assert f"discovered {count} new article(s); checked {count}: {count} new version" in first
    second = _redline(config, "crawl", "--once").stdout
    assert "discovered 0 new article(s); checked 0: nothing due" in second
    outlet.step()                   # publishes one, edits a headline
    third = _redline(config, "crawl", "--once", "--all").stdout
    assert f"discovered 1 new article(s); checked {count + 1}: 2 new version" in third
    assert _kinds(config) == [["headline"]]


def test_status_shows_outlets_and_failing_sources(tmp_path, outlet):
    config = _config(tmp_path, outlet, fresh="15m")
    text = config.read_text().replace(f'sitemaps = ["{outlet.sitemap_url}"]',
                                      f'sitemaps = ["{outlet.base_url}/no-such-sitemap.xml"]')
    config.write_text(text)
    _redline(config, "crawl", "--once")
    shown = _redline(config, "status").stdout
    assert outlet.name in shown and "no-such-sitemap.xml" in shown and "404" in shown
    summary = json.loads(_redline(config, "status", "--json").stdout)
    [row] = summary["outlets"]
    assert row["outlet"] == outlet.name and row["active"] == len(outlet.article_urls()) and row["last_discovery"]
    assert summary["failing_sources"][0]["url"].endswith("/no-such-sitemap.xml")


def test_a_database_upgraded_under_the_daemon_stops_it_with_one_line(tmp_path, outlet):
    """A newer redline (run by hand after an upgrade) migrates the database while the old daemon
    runs: the daemon cannot use it any more, so it stops at its next pass and says why, with a
    failing exit status for the service manager, instead of failing every few seconds for months."""
    config = _config(tmp_path, outlet, fresh="2s")
    log = tmp_path / "daemon.log"
    daemon = subprocess.Popen([str(REDLINE), "--config", str(config), "run"],
                              stdout=subprocess.DEVNULL, stderr=log.open("w"), stdin=subprocess.DEVNULL, env=LOCAL_ENV)
    try:
        wait_for("the first versions", lambda: tmp_path.joinpath("redline.db").exists()
                 and json.loads(_redline(config, "status", "--json").stdout)["versions"] > 0)
        with sqlite3.connect(tmp_path / "redline.db") as db:
            db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                       "VALUES ('redline', '9999_future', 'x')")
        daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    err = log.read_text()
    assert daemon.returncode == 1, err
    assert "written by a newer redline" in err and "upgrade redline" in err
    assert "Traceback" not in err
    assert err.rstrip().splitlines()[-1].count("newer redline") == 1
