"""The extraction pool (crawler/pool.py) end to end: a crawl with enough pages to read starts
worker processes, reads every page right with them, and leaves no process behind, whether it
ends by itself, by SIGTERM or by SIGKILL.

The crawl runs as a subprocess with a marker in its environment; its forkserver and workers
inherit the environment, so every process of the crawl is found by that marker in /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from redline.crawler.pool import START_AFTER_READS, available_cpus
from testkit.pages import STORY, STORY_HEADLINE, article_page
from testkit.site import REDLINE
from testkit.waiting import wait_for

pytestmark = pytest.mark.skipif(available_cpus() < 2, reason="one core: pages are read in-process")

#: More pages than the crawl reads in-process before it starts the workers.
PAGES = START_AFTER_READS + 24
#: Seconds the site takes per page, so that the crawl is still running once its workers are up.
SLOW = 0.4
#: Generous bound for a condition to come true on a loaded 2-core machine (never a timing assertion).
PATIENCE = 60


def _processes(marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = next((line for line in (entry / "status").read_text().splitlines()
                          if line.startswith("State:")), "")
        except OSError:
            continue
        if marker.encode() in environ and "zombie" not in state:
            found.append(int(entry.name))
    return found


def _start(site, redline, marker: str, *, delay: float) -> subprocess.Popen[str]:
    urls = [site.set(f"/news/{n}", article_page(f"{STORY_HEADLINE} {n}", STORY, churn=n), delay=delay)
            for n in range(PAGES)]
    redline("track", *urls)
    return subprocess.Popen([str(REDLINE), "--db", str(redline.db), "crawl", "--once", "--all", "--delay", "0",
                             "--concurrency", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env={**os.environ, "REDLINE_TEST_MARKER": marker})


def test_a_crawl_reads_with_workers_and_leaves_none_behind(site, redline):
    marker = uuid.uuid4().hex
    crawl = _start(site, redline, marker, delay=0)
    out, err = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, err
    assert f"checked {PAGES}: {PAGES} new versions" in out + err
    wait_for("every process of the crawl is gone", lambda: _processes(marker) == [])
    history = redline("history", site.url(f"/news/{PAGES - 1}"), "--json").json()
    assert history["versions"][0]["headline"] == f"{STORY_HEADLINE} {PAGES - 1}"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_never_outlive_a_stopped_crawl(site, redline, stop):
    marker = uuid.uuid4().hex
    crawl = _start(site, redline, marker, delay=SLOW)
    try:
        # the crawl process, its forkserver and at least one worker
        wait_for("the workers are up", lambda: len(_processes(marker)) >= 3 or crawl.poll() is not None)
        assert crawl.poll() is None, "the crawl ended before its workers started"
        crawl.send_signal(stop)
        crawl.communicate(timeout=PATIENCE)
        wait_for("every process of the crawl is gone", lambda: _processes(marker) == [])
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    if stop == signal.SIGTERM:
        assert crawl.returncode is not None and crawl.returncode != -signal.SIGKILL
