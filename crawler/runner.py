"""Running redline's spiders inside one Twisted (asyncio) reactor.

Both the one-shot ``redline crawl --once`` and the daemon ``redline run`` go through here: the
asyncio reactor is installed once, before anything imports another one; every crawl is a new
crawler on one :class:`AsyncCrawlerRunner`; the reactor is never stopped between crawls (it cannot
be restarted). Signal handling is ours, not Twisted's, so that SIGTERM/SIGINT stop crawls
gracefully (every fetched page is recorded) instead of cutting the reactor off.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from scrapy import Spider, signals
from scrapy.settings import Settings

from redline.crawler.handlers import browser_settings, renders
from redline.crawler.stats import FATAL_ERROR_STAT, WORK_STATS_PREFIX
from redline.core import environ
from redline.core.config import Config
from redline.core.errors import DatabaseError
from redline.core.policy import discover_max_ages, policies_by_outlet
from redline.crawler.politeness import NO_DELAY, outlet_slots, politeness_settings

T = TypeVar("T")


ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def crawl_settings(db_path: str, config: Config | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """redline's Scrapy settings for ``db_path`` and ``config``, then per-run ``overrides``."""
    config = config or Config()
    settings = Settings()
    settings.setmodule("redline.crawler.settings", priority="project")
    values: dict[str, Any] = {
        "REDLINE_DB": str(db_path),
        "REDLINE_POLICIES": policies_by_outlet(config),
        "REDLINE_SELECTORS": config.selectors_by_outlet(),
        "REDLINE_DISCOVER_MAX_AGE": discover_max_ages(config),
        "REDLINE_NETWORKS": config.networks_by_outlet(),
    }
    chromium = environ.text("REDLINE_CHROMIUM")
    if chromium:
        values["REDLINE_CHROMIUM"] = chromium
    restart = environ.number("REDLINE_BROWSER_RESTART_PAGES", 0)
    if restart >= 1:  # bench/render.py compares memory with and without restarts
        values["REDLINE_BROWSER_RESTART_PAGES"] = int(restart)
    workers = environ.number("REDLINE_EXTRACTION_WORKERS", -1)
    if workers >= 0:  # a small server may want fewer processes than cores, or none (0: in-process)
        values["REDLINE_EXTRACTION_WORKERS"] = int(workers)
    agent = config.user_agent or environ.text("REDLINE_USER_AGENT")
    if agent:
        values["USER_AGENT"] = agent
    values.update(politeness_settings(delay=config.delay, concurrency=config.concurrency))
    values["DOWNLOAD_SLOTS"] = outlet_slots(config)
    # The spider classes are handed to the runner: Scrapy's spider loader would only import every
    # spider module (discovery's feed parsers on a pass that rechecks) to find them by name.
    values["SPIDER_MODULES"] = []
    values.update(overrides or {})
    if values.get("DOWNLOAD_DELAY") == 0:
        # "No delay" means no pause (one's own or local servers): AutoThrottle would otherwise
        # still space requests by latency, and only ever lengthens the delay on 304s. The
        # concurrency limit still holds (see NO_DELAY).
        values["AUTOTHROTTLE_ENABLED"] = False
        values["DOWNLOAD_DELAY"] = values["AUTOTHROTTLE_START_DELAY"] = NO_DELAY
    for key, value in values.items():
        settings.set(key, value, priority="cmdline")
    if renders(values["REDLINE_NETWORKS"]):
        for key, value in browser_settings(settings).items():
            settings.set(key, value, priority="cmdline")
    return settings


def run_in_reactor(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Install the asyncio reactor, run ``main()`` to completion inside it, and return its result."""
    from scrapy.utils.reactor import install_reactor

    install_reactor(ASYNCIO_REACTOR)
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    outcome: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            outcome["value"] = await main()
        except BaseException as exc:  # re-raised below, outside the reactor
            outcome["error"] = exc
        finally:
            reactor.stop()  # type: ignore[attr-defined]

    reactor.callWhenRunning(lambda: deferred_from_coro(wrapper()))  # type: ignore[attr-defined]
    reactor.run(installSignalHandlers=False)  # type: ignore[attr-defined]
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def on_stop_signals(callback: Callable[[int], None]) -> None:
    """Call ``callback(signum)`` from the event loop on SIGTERM and SIGINT."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, callback, signum)


async def run_spider(
    runner: Any, spider_cls: type[Spider], stats_group: str, *,
    on_item: Callable[[], None] | None = None, work: Counter[str] | None = None, **kwargs: Any,
) -> Counter[str]:
    """Run one crawl on ``runner``; return the pipeline's counters ``redline/<stats_group>/*``.

    ``on_item`` is called once per item the spider produced (progress bars); ``work``, when
    given, is added the ``redline/work/*`` counters (pages parsed). Raises
    :class:`DatabaseError` when the database became unusable mid-crawl (the pipeline closes the
    spider at once so that nothing is fetched that could not be recorded).
    """
    crawler = runner.create_crawler(spider_cls)
    if on_item is not None:
        crawler.signals.connect(lambda **_: on_item(), signal=signals.item_scraped, weak=False)
    await runner.crawl(crawler, **kwargs)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if isinstance(stats.get(FATAL_ERROR_STAT), DatabaseError):
        raise stats[FATAL_ERROR_STAT]
    if work is not None:
        work.update({key.removeprefix(WORK_STATS_PREFIX): value for key, value in stats.items()
                     if key.startswith(WORK_STATS_PREFIX)})
    prefix = f"redline/{stats_group}/"
    return Counter({key.removeprefix(prefix): value for key, value in stats.items() if key.startswith(prefix)})


async def until_stopped(crawl: Coroutine[Any, Any, T], stopping: asyncio.Event, runner: Any, *,
                        grace: float, limit: float) -> T | None:
    """Await ``crawl``; once ``stopping`` is set, give the fetches in flight ``grace`` seconds, then
    cut the crawls off, and return (None) ``limit`` seconds after the stop whatever Scrapy does.

    Every fetch that finished was recorded in its own transaction, or (unchanged bytes) deferred
    for at most ``storage.store.DEFERRED_CHECKS_MAX_AGE_S``, less than ``grace``; so returning
    early loses only fetches that never completed. The hard limit exists because in Scrapy 2.19 stopping a crawler
    that is finishing at the same moment can hang.
    """
    task = asyncio.ensure_future(crawl)
    waiter = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        return task.result()
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout=grace)
    except TimeoutError:
        pass
    asyncio.ensure_future(runner.stop())
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout=max(limit - grace, 0.0))
    except TimeoutError:
        return None
