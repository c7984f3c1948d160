"""The cron one-shot pays only for what it uses: ``crawl --once`` with nothing due and no outlets
to discover starts no crawler, so Scrapy, Twisted and the extractors are never even imported."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from testkit.site import Redline


def test_crawl_once_with_nothing_due_imports_no_crawler(redline: Redline):
    redline("track", "https://example.com/news/1")
    with sqlite3.connect(redline.db) as db:
        db.execute("UPDATE articles SET next_check_at = '2099-01-01T00:00:00.000Z'")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "redline", "--db", str(redline.db), "crawl",
                           "--once"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "checked 0: nothing due" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {name for name in imported if name.split(".")[0] in {"scrapy", "twisted", "trafilatura", "apprise"}}
