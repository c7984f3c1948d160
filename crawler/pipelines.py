"""The storage pipeline: turn each fetched page into a check, and a version when the story changed.

The order of work is what makes rechecks cheap: a 304 or a body whose bytes hash to the last
good fetch is recorded without parsing; otherwise the page is decoded and parsed once, extracted,
normalised, and compared with the latest version by content digest inside storage.
"""

from __future__ import annotations

import hashlib
import logging

import sqlite_utils
from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.decode import decode_html, is_html
from crawler.extract import EXTRACTOR_VERSION, extract
from crawler.items import FetchedPage
from crawler.stats import FATAL_ERROR_STAT, OUTCOME_STATS_PREFIX
from crawler.urls import canonicalize_url, same_host
from redline.errors import DatabaseError, ExtractionError, UsageError
from storage import record
from storage.db import open_database, translate_errors

logger = logging.getLogger("redline.crawl")

#: Statuses that mean "this page is gone"; anything else 4xx/5xx is a failed check.
GONE_STATUSES = frozenset({404, 410})


class StoragePipeline:
    """Records every :class:`FetchedPage` in the SQLite file named by the ``REDLINE_DB`` setting.

    Outcomes are counted in the crawler's stats (``redline/outcome/<outcome>``). When the database
    fails (locked for too long, disk full) the spider is closed at once: fetching pages that cannot
    be recorded would only hide the loss.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path: str = crawler.settings.get("REDLINE_DB")
        self.db: sqlite_utils.Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.db = open_database(self.db_path)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    async def process_item(self, item: FetchedPage, spider: Spider | None = None) -> FetchedPage:
        stats = self.crawler.stats
        assert self.db is not None and stats is not None
        if stats.get_value(FATAL_ERROR_STAT):
            return item
        try:
            with translate_errors(self.db_path):
                result = self._record(self.db, item)
        except DatabaseError as exc:
            stats.set_value(FATAL_ERROR_STAT, str(exc))
            assert self.crawler.engine is not None
            await self.crawler.engine.close_spider_async(reason="database_error")
            return item
        stats.inc_value(OUTCOME_STATS_PREFIX + result.outcome)
        _log(item, result)
        return item

    def _record(self, db: sqlite_utils.Database, page: FetchedPage) -> record.Recorded:
        fetch = record.Fetch(
            url=page.url, checked_at=page.checked_at, status=page.status, duration_ms=page.duration_ms,
            final_url=_canonical_or_none(page.final_url), size=len(page.body) if page.status else None,
            etag=page.etag, last_modified=page.last_modified,
        )
        if page.error:
            return record.record_failure(db, page.article_id, fetch, page.error)
        if page.status in GONE_STATUSES:
            return record.record_missing(db, page.article_id, fetch)
        if page.status == 304:
            return record.record_unchanged_bytes(db, page.article_id, fetch)
        if page.status is None or not 200 <= page.status < 300:
            return record.record_failure(db, page.article_id, fetch, f"HTTP {page.status}")
        digest = hashlib.sha256(page.body).hexdigest()
        fetch = record.Fetch(**{**fetch.__dict__, "raw_digest": digest})
        if digest == page.previous_digest:
            return record.record_unchanged_bytes(db, page.article_id, fetch)
        try:
            article = extract_page(page.body, page.content_type, page.final_url or page.url)
        except ExtractionError as exc:
            return record.record_failure(db, page.article_id, fetch, str(exc))
        return record.record_content(db, page.article_id, fetch, article, page.body)


def extract_page(body: bytes, content_type: str | None, url: str) -> record.Extracted:
    """Raw page bytes → the article as storage keeps it; ExtractionError when there is none."""
    if not body.strip():
        raise ExtractionError("empty response")
    if not is_html(body, content_type):
        raise ExtractionError(f"not an HTML page ({content_type or 'unknown type'})")
    decoded = decode_html(body, content_type)
    article = extract(decoded.text, url)
    return record.Extracted(
        headline=article.headline, body=article.body, byline=article.byline,
        published=article.published, modified=article.modified, method=article.method,
        extractor_version=EXTRACTOR_VERSION, encoding=decoded.encoding,
        canonical_url=_usable_canonical(article.canonical_url, url),
    )


def _usable_canonical(canonical: str | None, page_url: str) -> str | None:
    """A rel=canonical counts only when it names the page's own host (never fetched on its own)."""
    if not canonical or not same_host(canonical, page_url):
        return None
    return _canonical_or_none(canonical)


def _canonical_or_none(url: str | None) -> str | None:
    try:
        return canonicalize_url(url) if url else None
    except UsageError:
        return None


def _log(page: FetchedPage, result: record.Recorded) -> None:
    detail = result.outcome.replace("_", " ")
    if result.outcome == "new_version":
        detail = f"new version {result.version}"
    if result.kinds:
        detail += f" ({', '.join(result.kinds)})"
    if result.error:
        detail += f": {result.error}"
    logger.info("%s %s %s", page.status or "---", page.url, detail)
