"""The extraction pool (crawler/pool.py) end to end: a crawl with enough pages to read starts
worker processes, reads every page right with them, and leaves no process behind, whether it
ends by itself, by SIGTERM or by SIGKILL; in the daemon, a pass that read with workers leaves
none of them, and no forkserver, behind while the daemon waits for the next pass.

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


def _forked(marker: str) -> list[int]:
    """Pids of the forkserver and the workers (forked from it, so its command line) among them."""
    found = []
    for pid in _processes(marker):
        try:
            if b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def _start(site, redline, marker: str, *, delay: float, command: tuple[str, ...] = ("crawl", "--once", "--all"),
           env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    urls = [site.set(f"/news/{n}", article_page(f"{STORY_HEADLINE} {n}", STORY, churn=n), delay=delay)
            for n in range(PAGES)]
    redline("track", *urls)
    overrides = ("--delay", "0", "--concurrency", "4") if command[0] == "crawl" else ()
    return subprocess.Popen([str(REDLINE), "--db", str(redline.db), *command, *overrides],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {}), "REDLINE_TEST_MARKER": marker})


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


def test_the_daemon_keeps_no_worker_or_forkserver_between_passes(site, redline, tmp_path):
    marker = uuid.uuid4().hex
    config = tmp_path / "redline.toml"
    config.write_text(f'db = "{redline.db}"\ndelay = 0\nconcurrency = 4\n', encoding="utf-8")
    daemon = _start(site, redline, marker, delay=0, command=("--config", str(config), "run"),
                    env={"REDLINE_MIN_INTERVAL": "1"})
    try:
        versions = lambda: redline("status", "--json").json()["versions"]  # noqa: E731
        wait_for("the first pass read every page", lambda: versions() >= PAGES or daemon.poll() is not None,
                 patience=PATIENCE * 3)
        assert daemon.poll() is None, daemon.communicate()[1]
        wait_for("the pass's workers and forkserver are gone", lambda: _forked(marker) == [])
        assert daemon.poll() is None
    finally:
        daemon.terminate()
        daemon.communicate(timeout=PATIENCE)
    wait_for("every process of the daemon is gone", lambda: _processes(marker) == [])


def test_no_workers_when_the_environment_says_none(site, redline):
    marker = uuid.uuid4().hex
    crawl = _start(site, redline, marker, delay=0.1, env={"REDLINE_EXTRACTION_WORKERS": "0"})
    seen: list[int] = []
    while crawl.poll() is None:
        seen += _forked(marker)
    out, err = crawl.communicate(timeout=PATIENCE)
    assert crawl.returncode == 0, err
    assert f"checked {PAGES}: {PAGES} new versions" in out + err
    assert seen == [], "REDLINE_EXTRACTION_WORKERS=0 reads every page in the crawl process"
