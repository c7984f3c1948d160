"""Running the article spider once, from a command (``redline crawl --once``).

The daemon (scheduler package) runs the same spider inside its own long-lived reactor instead;
this module is the one-shot path: build settings, start Scrapy's process, wait, and report what
the pipeline recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.spiders.articles import ArticleSpider
from crawler.stats import FATAL_ERROR_STAT, OUTCOME_STATS_PREFIX
from redline.errors import DatabaseError
from storage.articles import FetchTarget



def crawl_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """redline's Scrapy settings for ``db_path``, with per-run ``overrides`` (e.g. delay, concurrency)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("REDLINE_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl_once(db_path: str, targets: Iterable[FetchTarget], overrides: dict[str, Any] | None = None) -> Counter[str]:
    """Fetch every target once and return how many checks ended in each outcome.

    Raises :class:`DatabaseError` when the database became unusable mid-crawl (the crawl stops
    at once so that nothing is fetched that could not be recorded).
    """
    process = AsyncCrawlerProcess(crawl_settings(db_path, overrides))
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, targets=targets)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get(FATAL_ERROR_STAT):
        raise DatabaseError(stats[FATAL_ERROR_STAT])
    return Counter(
        {key.removeprefix(OUTCOME_STATS_PREFIX): value for key, value in stats.items()
         if key.startswith(OUTCOME_STATS_PREFIX)}
    )

