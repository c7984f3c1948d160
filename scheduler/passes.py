"""The two kinds of work redline schedules: discovering articles and rechecking due ones.

Both the daemon's jobs and ``redline crawl --once`` are made of these passes, each a new crawler
on the one long-lived :class:`AsyncCrawlerRunner`. ``crawl_once`` is the cron entry point: one
discovery pass over the configured outlets, then every due recheck (or all, with ``--all``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from redline.core.clock import now_iso
from redline.core.config import Config, Outlet
from redline.crawler.runner import crawl_settings, on_stop_signals, run_in_reactor, run_spider, until_stopped
from redline.crawler.spiders.articles import ArticleSpider
from redline.scheduler.report import PassReport
from redline.storage.store import open_store


#: After a stop signal, how long ``crawl --once`` lets fetches in flight finish (and be recorded)
#: before cutting them off, and by when it has returned: "exits within 3 s of Ctrl-C".
STOP_GRACE = 1.5
STOP_LIMIT = 2.5


async def discover(runner: Any, outlets: list[Outlet], *,
                   should_stop: Callable[[], bool] = lambda: False) -> Counter[str]:
    """One discovery crawl over ``outlets``' feeds, sitemaps and section pages."""
    from redline.crawler.spiders.discovery import DiscoverySpider

    return await run_spider(runner, DiscoverySpider, "discovered", outlets=outlets, should_stop=should_stop)


async def recheck(
    runner: Any, db_path: str, *, check_all: bool = False, on_checked: Callable[[], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False, work: Counter[str] | None = None,
) -> Counter[str]:
    """Fetch every due article (every article with ``check_all``) once, unless told to stop;
    ``work`` is added what the pass cost (``parsed``: pages handed to the extractor)."""
    with open_store(db_path) as store:
        targets = store.due_targets(None if check_all else now_iso())
        return await run_spider(runner, ArticleSpider, "outcome", on_item=on_checked, targets=targets,
                                should_stop=should_stop, work=work)


def count_targets(db_path: str, *, check_all: bool) -> int:
    """How many articles a recheck pass would fetch now (for a progress bar)."""
    with open_store(db_path) as store:
        return store.count_due(None if check_all else now_iso())


def crawl_once(
    db_path: str, config: Config, *, check_all: bool, overrides: dict[str, Any] | None = None,
    on_checked: Callable[[], None] | None = None,
) -> PassReport:
    """Discovery (when outlets are configured) then the due rechecks, in one reactor, then return.

    The first SIGTERM/SIGINT ends the pass: no new request is sent (the download handler refuses
    them), fetches in flight get ``STOP_GRACE`` seconds to finish and be recorded, then are cut off,
    and the pass returns within ``STOP_LIMIT`` seconds of the signal (``interrupted``). A second
    signal cuts the fetches off at once.
    """
    from scrapy.crawler import AsyncCrawlerRunner

    async def main() -> PassReport:
        runner = AsyncCrawlerRunner(crawl_settings(db_path, config, overrides))
        report = PassReport()
        stopping = asyncio.Event()

        def stop(signum: int) -> None:
            if report.interrupted:           # a second signal: stop waiting for in-flight fetches
                asyncio.ensure_future(runner.stop())
            report.interrupted = True
            stopping.set()

        on_stop_signals(stop)
        stopped = stopping.is_set
        if config.outlets:
            found = await until_stopped(discover(runner, list(config.outlets), should_stop=stopped), stopping,
                                        runner, grace=STOP_GRACE, limit=STOP_LIMIT)
            report.discovered = found or Counter()
        if not report.interrupted:
            outcomes = await until_stopped(
                recheck(runner, db_path, check_all=check_all, on_checked=on_checked, should_stop=stopped,
                        work=report.work),
                stopping, runner, grace=STOP_GRACE, limit=STOP_LIMIT)
            report.outcomes = outcomes or Counter()
        return report

    return run_in_reactor(main)

