"""``redline demo``: the real daemon against a simulated outlet, with changes shown as they happen.

The outlet (:mod:`redline.demo.outlet`) serves pages that churn on every request and follows a
fixed script of publications, edits and removals. The demo runs the same :class:`Daemon` as
``redline run`` — discovery from the outlet's feed, sitemap and section page, rechecks by the
back-off policy — only with a schedule compressed from hours into seconds. New changes are
printed as soon as they are committed; churn alone must never show up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from redline.app import Redline
from redline.core.config import Config, Outlet
from redline.demo.outlet import SimulatedOutlet

#: The demo's recheck policy: every article is "fresh", so it is looked at every 2 seconds
#: (instead of every 15 minutes), and a pulled story's second 404 follows within seconds.
DEMO_SCHEDULE = {"fresh": 2.0, "day": 2.0, "week": 2.0, "month": 2.0, "later": 2.0}
#: Seconds between the outlet's scripted steps: long enough for two rechecks of every article.
STEP_EVERY = 4.0
#: Seconds between discovery passes over the outlet's feed, sitemap and section page.
DISCOVER_EVERY = 3.0
#: The demo crawls 127.0.0.1 only, so it needs no politeness delay.
LOCAL_CRAWL = {"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def run_demo(db_path: Path, duration: float, say: Callable[[str], None]) -> int:
    """Run the demo for ``duration`` seconds; returns the number of changes detected."""
    for chatty in ("redline.crawler.pipelines", "redline.crawler.spiders"):  # a line per fetch is too much
        logging.getLogger(chatty).setLevel(logging.WARNING)
    with SimulatedOutlet() as outlet:
        say(f"simulated outlet {outlet.name!r} at {outlet.base_url} ({len(outlet.article_urls())} articles); "
            f"its pages change on every request, and its script edits and pulls stories every {STEP_EVERY:.0f} s")
        config = Config(
            outlets=(Outlet(
                name=outlet.name, feeds=(outlet.feed_url,), sitemaps=(outlet.sitemap_url,),
                sections=(outlet.section_url,), article_pattern=outlet.article_pattern,
                discover_every=DISCOVER_EVERY,
            ),),
            schedule=DEMO_SCHEDULE,
        )
        app = Redline(db_path, config)
        app.prepare()
        watcher = _ChangeWatcher(app, say)
        app.run(crawl_settings=LOCAL_CRAWL, status_every=10.0,
                add_jobs=lambda scheduler, stop: _add_demo_jobs(scheduler, stop, outlet, watcher, duration, say))
        watcher.poll()
    return watcher.detected


class _ChangeWatcher:
    """Prints changes committed since the last look."""

    def __init__(self, app: Redline, say: Callable[[str], None]) -> None:
        self.app = app
        self.say = say
        self.detected = 0
        self.last_id = max((change["id"] for change in app.changes()), default=0)

    def poll(self) -> None:
        with self.app.reader() as store:
            for change in store.changes(after_id=self.last_id):
                self.last_id = change["id"]
                self.detected += 1
                self.say(describe(change))


def _add_demo_jobs(scheduler: AsyncIOScheduler, stop: Callable[[], None], outlet: SimulatedOutlet,
                   watcher: _ChangeWatcher, duration: float, say: Callable[[str], None]) -> None:
    def step() -> None:
        for event in outlet.step():
            say(f"  outlet: {event.kind} {event.url} {event.detail}".rstrip())

    scheduler.add_job(step, "interval", seconds=STEP_EVERY, id="demo:outlet-script", max_instances=1)
    scheduler.add_job(watcher.poll, "interval", seconds=1.0, id="demo:print-changes", max_instances=1, coalesce=True)
    scheduler.add_job(stop, "interval", seconds=duration, id="demo:stop")


def describe(change: dict) -> str:
    """One change as the demo prints it."""
    kinds = ", ".join(change["kinds"])
    if change["reverts_to"]:
        kinds += f" (back to version {change['reverts_to']})"
    line = f"CHANGE {kinds}: {change['url']}"
    if "headline" in change["kinds"]:
        line += f"\n    {change['headline_before']!r}\n  → {change['headline_after']!r}"
    elif change["words_added"] or change["words_removed"]:
        line += f" (+{change['words_added']} / -{change['words_removed']} words)"
    return line
