"""The WARC export replays: the demo's database is exported, checked by warcio, loaded into pywb
(run from the separate venv dev.py makes, on 127.0.0.1), and headless Chromium loads the archived
page of version 1 and of version 2 of an edited story and sees each one's headline."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from redline.demo.articles import PORT
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.site import Redline

ROOT = Path(__file__).resolve().parent.parent
PYWB_BIN = ROOT / ".venv-pywb" / "bin"
WARCIO = Path(sys.executable).with_name("warcio")
#: Long enough for the demo script's first step (the port story's headline is edited at ~4 s)
#: and a recheck after it; the demo's own test runs the whole script.
DEMO_SECONDS = "20"
#: How long pywb may take to start answering (it loads gevent and its templates first).
PYWB_START_S = 60

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (python3 dev.py test installs it as root)"),
    pytest.mark.skipif(not (PYWB_BIN / "wayback").exists(), reason="no .venv-pywb (python3 dev.py test makes it)"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo's database exported to WARC and served by pywb: yields pywb's address and the
    port story's versions (URL, 14-digit capture time, headline)."""
    work = tmp_path_factory.mktemp("replay")
    redline = Redline(work / "demo.db")
    redline("demo", "--duration", DEMO_SECONDS)
    with sqlite3.connect(redline.db) as conn:
        versions = conn.execute(
            "SELECT e.url, e.responded_at, v.headline FROM versions v JOIN exchanges e ON e.version_id = v.id "
            "JOIN articles a ON a.id = v.article_id WHERE a.url LIKE ? ORDER BY v.number", [f"%/{PORT}"]).fetchall()
    assert len(versions) >= 2, "the demo did not edit the port story's headline in time"
    warc = work / "demo.warc.gz"
    redline("export", "--warc", str(warc))
    assert subprocess.run([str(WARCIO), "check", str(warc)]).returncode == 0
    pywb_root = work / "pywb"
    pywb_root.mkdir()
    for step in (["wb-manager", "init", "demo"], ["wb-manager", "add", "demo", str(warc)]):
        subprocess.run([str(PYWB_BIN / step[0]), *step[1:]], cwd=pywb_root, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(PYWB_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=pywb_root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/demo/", server)
        yield {"base": base, "versions": [(url, _timestamp(at), headline) for url, at, headline in versions]}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(PYWB_START_S * 4):
        if server.poll() is not None:
            raise AssertionError(f"pywb exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"pywb did not answer at {url}")


def _timestamp(iso: str) -> str:
    """``2026-12-01T11:19:55.965695Z`` → ``20261201111955`` (pywb's 14-digit capture time)."""
    return "".join(ch for ch in iso[:19] if ch.isdigit())


def test_pywb_replays_each_version_with_its_headline_in_chromium(archive):
    (url, first_at, first), (_, second_at, second) = archive["versions"][:2]
    assert first != second
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for at, headline in ((first_at, first), (second_at, second)):
                # pywb's replay as a reader sees it: its banner on top, the archived page in a frame
                # (a page opened in mp_ mode alone redirects itself into this frame)
                page = browser.new_page()
                answer = page.goto(f"{archive['base']}/demo/{at}/{url}")
                assert answer is not None and answer.status == 200
                shown = page.frame_locator("#replay_iframe").locator("h1").first.inner_text()
                assert shown.strip() == headline
                page.close()
        finally:
            browser.close()
