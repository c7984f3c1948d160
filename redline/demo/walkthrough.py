"""``redline demo``: the real crawler against a simulated outlet, with changes shown as they happen.

The outlet (:mod:`redline.demo.outlet`) serves pages that churn on every request and follows a
fixed script of edits and a removal. Each round runs the real ``redline crawl --once --all``
command against it, exactly as a user's cron job would, then advances the script; new changes
are printed as soon as they are in the database. Churn alone must never show up here.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from redline.demo.outlet import SimulatedOutlet
from storage import articles, queries
from storage.db import open_database

#: Rounds keep going until the script is done and this many quiet rounds followed (so the second
#: 404 of a pulled article is seen), or until the duration runs out.
QUIET_ROUNDS_AFTER_SCRIPT = 2


def run_demo(db_path: Path, duration: float, say: Callable[[str], None]) -> int:
    """Run the demo for at most ``duration`` seconds; returns the number of changes detected."""
    deadline = time.monotonic() + duration
    db = open_database(db_path)
    seen_change = max((c["id"] for c in queries.changes(db)), default=0)
    detected = 0
    with SimulatedOutlet() as outlet:
        say(f"simulated outlet {outlet.name!r} at {outlet.base_url} ({len(outlet.article_urls())} articles)")
        articles.track(db, outlet.article_urls())
        quiet = 0
        round_number = 0
        while time.monotonic() < deadline and quiet <= QUIET_ROUNDS_AFTER_SCRIPT:
            round_number += 1
            say(f"round {round_number}: {_crawl(db_path)}")
            for change in queries.changes(db, after_id=seen_change):
                seen_change = change["id"]
                detected += 1
                say(_describe(change))
            events = outlet.step()
            for event in events:
                say(f"  outlet: {event.kind} {event.url} {event.detail}".rstrip())
            quiet = quiet + 1 if not events and outlet.steps_left() == 0 else 0
            articles.track(db, outlet.article_urls())
    db.close()
    return detected


def _crawl(db_path: Path) -> str:
    """One real crawl, the way cron runs it (a separate process each time); returns its summary."""
    done = subprocess.run(
        [sys.executable, "-m", "redline", "--db", str(db_path), "crawl", "--once", "--all",
         "--delay", "0", "--concurrency", "4"],
        check=True, capture_output=True, text=True,
    )
    return done.stdout.strip()


def _describe(change: dict) -> str:
    kinds = ", ".join(change["kinds"])
    if change["reverts_to"]:
        kinds += f" (back to version {change['reverts_to']})"
    line = f"CHANGE {kinds}: {change['url']}"
    if "headline" in change["kinds"]:
        line += f"\n    {change['headline_before']!r}\n  → {change['headline_after']!r}"
    elif change["words_added"] or change["words_removed"]:
        line += f" (+{change['words_added']} / -{change['words_removed']} words)"
    return line
