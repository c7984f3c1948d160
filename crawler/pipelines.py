"""The storage pipeline: turn each fetched page into a check, and a version when the story changed.

The order of work is what makes rechecks cheap: a 304 or a body whose bytes hash to the last
good fetch is recorded without parsing; otherwise the page is decoded and parsed once, extracted,
normalised, and compared with the latest version by content digest inside storage.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from redline.core.config import Selectors
from redline.core.errors import DatabaseError, NoArticle
from redline.core.policy import Policy, next_check_at
from redline.core.urls import canonical_or_none, same_host
from redline.crawler.blocked import blocked_reason
from redline.crawler.decode import decode_html, is_html
from redline.crawler.items import DiscoveredLink, FetchedPage, SourceChecked
from redline.crawler.pool import ExtractionPool, pool_size
from redline.crawler.reading import Reading, read_page
from redline.crawler.stats import FAST_PATH_STATS_PREFIX, FATAL_ERROR_STAT, OUTCOME_STATS_PREFIX, PARSED_STAT
from redline.crawler.titles import host_of, learn, rederived, version_template
from redline.storage.articles import ScheduleFacts
from redline.storage.record import Extracted, Fetch, Recorded, content_digest
from redline.storage.store import (
    DEFERRED_CHECKS_MAX_AGE_S,
    Blocked,
    FetchFailed,
    Observation,
    PageMissing,
    PageRead,
    SameBytes,
    Store,
    open_store,
)

logger = logging.getLogger(__name__)

#: Statuses that mean "this page is gone"; anything else 4xx/5xx is a failed check.
GONE_STATUSES = frozenset({404, 410})


def fail_crawl_on_database_error(crawler: Crawler, error: DatabaseError) -> None:
    """Keep the error for the runner (which raises it) and stop the crawl: pages that cannot be
    recorded must not be fetched, or the loss would be hidden."""
    assert crawler.stats is not None
    crawler.stats.set_value(FATAL_ERROR_STAT, error)


class StoragePipeline:
    """Records every :class:`FetchedPage` in the store named by the ``REDLINE_DB`` setting.

    Outcomes are counted in the crawler's stats (``redline/outcome/<outcome>``). When the database
    fails (locked for too long, disk full) the spider is closed at once.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path: str = crawler.settings.get("REDLINE_DB")
        self.policies: dict[str | None, Policy] = crawler.settings.get("REDLINE_POLICIES") or {None: Policy()}
        self.selectors: dict[str, Selectors] = crawler.settings.get("REDLINE_SELECTORS") or {}
        self.store: Store | None = None
        self._flush_timer: Any = None  #: the reactor's DelayedCall that commits deferred checks
        #: Each host's learned ``<title>`` template, read once per crawl: only ``note_title`` (here)
        #: changes it, and it returns the keys, so the copy stays what the table says.
        self._templates: dict[str, frozenset[str]] = {}
        # --- page reading: the fast path and the extraction pool (crawler/reading.py, crawler/pool.py) ---
        settings = crawler.settings
        self.fast_path = settings.getbool("REDLINE_FAST_PATH", True)
        workers = pool_size(settings.get("REDLINE_EXTRACTION_WORKERS"))
        self.pool = ExtractionPool(workers, in_flight=workers * settings.getint("REDLINE_EXTRACTION_IN_FLIGHT", 2),
                                   tasks_per_worker=settings.getint("REDLINE_EXTRACTION_TASKS_PER_WORKER", 200))
        # --- end page reading ---

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        try:
            self.store = open_store(self.db_path)
        except DatabaseError as exc:  # e.g. upgraded by a newer redline since the pass began
            # Raised from here, Scrapy would log the failed start as a crash (with a traceback from
            # its stats extension); the runner raises it instead, and nothing is fetched.
            fail_crawl_on_database_error(self.crawler, exc)
            stop_crawl(self.crawler)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.pool.close()
        if self._flush_timer is not None and self._flush_timer.active():
            self._flush_timer.cancel()
        self._flush_timer = None
        if self.store is not None:
            store, self.store = self.store, None
            try:
                store.close()  # commits the deferred checks
            except DatabaseError as exc:
                fail_crawl_on_database_error(self.crawler, exc)

    async def process_item(self, item: FetchedPage, spider: Spider | None = None) -> FetchedPage:
        if not isinstance(item, FetchedPage):
            return item
        stats = self.crawler.stats
        assert stats is not None
        if stats.get_value(FATAL_ERROR_STAT) or self.store is None:
            return item
        reading: Reading | None = None
        try:
            fetch, observed = self._observe(item)
            if observed is None:  # --- page reading: in the pool when there is one ---
                observed, reading = await self._read(item)
                if stats.get_value(FATAL_ERROR_STAT) or self.store is None:
                    return item  # the database failed while the page was read: the crawl is closing
            result = self.store.record_check(item.article_id, fetch, observed, self._next_check, may_defer=True)
            if isinstance(observed, PageRead) and observed.article.page_title:
                host = host_of(item.final_url or item.url)
                self._templates[host] = self.store.note_title(host, result.article_id, observed.article.page_title,
                                                              fetch.checked_at, learn)
        except DatabaseError as exc:
            fail_crawl_on_database_error(self.crawler, exc)
            stop_crawl(self.crawler)
            return item
        self._flush_later()
        stats.inc_value(OUTCOME_STATS_PREFIX + result.outcome)
        _log(item, result, recognised=reading is not None and reading.recognised)
        return item

    # --- deferred "checked, unchanged" rows (storage/store.py, DEFERRED_CHECKS_MAX) -----------
    def _flush_later(self) -> None:
        """Make sure checks the store deferred are committed within DEFERRED_CHECKS_MAX_AGE_S
        even when no further check arrives to trigger the batch (a slow, polite pass)."""
        from twisted.internet import reactor

        if self._flush_timer is None and self.store is not None and self.store.deferred_checks():
            self._flush_timer = reactor.callLater(DEFERRED_CHECKS_MAX_AGE_S, self._flush_deferred)  # type: ignore[attr-defined]

    def _flush_deferred(self) -> None:
        self._flush_timer = None
        if self.store is None:
            return
        try:
            self.store.flush_checks()
        except DatabaseError as exc:
            fail_crawl_on_database_error(self.crawler, exc)
            stop_crawl(self.crawler)
    # --- end of deferred checks ----------------------------------------------------------------

    def _next_check(self, facts: ScheduleFacts, checked_at: str) -> str | None:
        """The article's next check by its outlet's recheck policy (None: retire it)."""
        return next_check_at(self.policies, outlet=facts.outlet, added_at=facts.added_at,
                             last_changed_at=facts.last_changed_at, checked_at=checked_at)

    def _observe(self, page: FetchedPage) -> tuple[Fetch, Observation | None]:
        """What the fetch amounts to, decided before the store is asked to record it, so no
        transaction is open while the page is extracted (None: the page must be read)."""
        fetch = Fetch(
            url=page.url, checked_at=page.checked_at, requested_at=page.requested_at, status=page.status,
            duration_ms=page.duration_ms,
            final_url=canonical_or_none(page.final_url), size=len(page.body) if page.status else None,
            etag=page.etag, last_modified=page.last_modified, exchange=page.exchange, rendered=page.rendered,
        )
        if page.error:
            return fetch, FetchFailed(page.error)
        if page.status in GONE_STATUSES:
            return fetch, PageMissing()
        if page.status == 304:
            return fetch, SameBytes()
        success = page.status is not None and 200 <= page.status < 300
        if success:
            fetch = replace(fetch, raw_digest=hashlib.sha256(page.body).hexdigest())
            if fetch.raw_digest == page.previous_digest:
                return fetch, SameBytes()  # what the latest version was read from: no challenge
        refusal = blocked_reason(page.status, page.final_url or page.url, page.body)
        if refusal is not None:
            return fetch, Blocked(refusal, page.headers, page.body)
        if not success:
            return fetch, FetchFailed("HTTP 407: the outlet's proxy refused its credentials" if page.status == 407
                                      else f"HTTP {page.status}")
        return fetch, None

    async def _read(self, page: FetchedPage) -> tuple[Observation, Reading]:
        """The page read (crawler/reading.py: the fast path, else extraction and confirmation), in
        the extraction pool; a re-reading of the latest version under a new ``<title>`` template
        writes to the store, so that step, when needed, is done here."""
        assert self.store is not None and self.crawler.stats is not None
        url = page.final_url or page.url
        selectors = self.selectors.get(page.outlet or "")
        host = host_of(url)
        keys = self._templates.get(host)
        if keys is None:
            keys = self._templates[host] = self.store.title_template(host)
        self.crawler.stats.inc_value(PARSED_STAT)  # what a 304 or the same bytes must never reach
        # The latest version anchors this reading (crawler/confirm.py): an extraction that found
        # nothing, or moved its boundary, on a page still showing that version's text is mended.
        # Its stored page is decoded and sent along only when the reading will need it: the fast
        # path mostly does without (crawler/reading.py), and decoding it costs more than the rest.
        latest = self.store.latest_raw(page.article_id, page=False)
        if latest is not None and _needs_stored_page(latest):
            latest = self.store.latest_raw(page.article_id)
        reading = await self.pool.run(read_page, page.body, page.content_type, url, selectors, latest, keys,
                                      self.fast_path)
        if reading.needs_page and self.store is not None:
            latest = self.store.latest_raw(page.article_id)
            again = await self.pool.run(read_page, page.body, page.content_type, url, selectors, latest, keys,
                                        self.fast_path and not reading.fast_path)
            reading = replace(again, fast_path=again.fast_path or reading.fast_path)
        if reading.fast_path:
            self.crawler.stats.inc_value(FAST_PATH_STATS_PREFIX + reading.fast_path)
        article = reading.article
        if article is not None and not reading.confirmed and self.store is not None:
            latest = self._read_alike(page, latest, article, keys, selectors)
            article = confirmed(latest, article, page.body, page.content_type)
        if article is None or not article.body:
            return FetchFailed(reading.error or "no article text found"), reading
        return PageRead(article, page.body), reading

    def _read_alike(self, page: FetchedPage, latest: dict | None, article: Extracted, keys: frozenset[str],
                    selectors: Selectors | None) -> dict | None:
        """The latest version read with the same ``<title>`` template as ``article`` (see
        crawler/titles.py): a template change alone is stored as a re-extraction, never compared
        as the outlet's edit."""
        assert self.store is not None
        if article.title_template is None or latest is None or not latest.get("raw_html"):
            return latest
        if version_template(latest) == keys:
            return latest
        again = rederived(latest, keys, selectors)
        if again is None:
            return latest
        if again.headline == latest["headline"] or article.headline == latest["headline"]:
            # The template changes nothing, or the fresh page reads as stored anyway: the stored
            # headline stands under these keys (a worse re-reading is never stored).
            self.store.mark_title_template(page.article_id, latest["number"], keys)
            return latest
        self.store.record_reextraction(page.article_id, latest, again, page.checked_at)
        logger.info("%s headline read again with the outlet's title template: %r", page.url, again.headline)
        return self.store.latest_raw(page.article_id)


def _needs_stored_page(latest: dict) -> bool:
    """Whether reading a page against ``latest`` (a row without its page) will surely need the
    page: the version has no shown texts (crawler/fastpath.py), or its headline was read from
    ``<title>`` (never recognised).  A guess only: when wrong, the page is asked for."""
    return latest.get("shown_texts") is None or latest.get("title_template") is not None


def extract_page(
    body: bytes, content_type: str | None, url: str, selectors: Selectors | None = None,
    title_template: frozenset[str] = frozenset(), allow_empty: bool = False,
) -> Extracted:
    """Raw page bytes → the article as storage keeps it; NoArticle when there is none (an
    HTML page without article text comes back with an empty body when ``allow_empty``).

    ``title_template`` is the outlet host's learned ``<title>`` template (crawler/titles.py);
    the result says whether it was used (``Extracted.title_template``, None when the page declares
    its headline).

    The extraction stack (trafilatura, readability) is imported on first use: a pass that only
    meets 304s and unchanged bytes never needs it.
    """
    from redline.crawler.extract import EXTRACTOR_VERSION, extract
    from redline.crawler.extract.headline import TitleTemplate

    if not body.strip():
        raise NoArticle("empty response")
    if not is_html(body, content_type):
        raise NoArticle(f"not an HTML page ({content_type or 'unknown type'})")
    decoded = decode_html(body, content_type)
    article = extract(decoded.text, url, selectors, template=TitleTemplate(frozenset(title_template)),
                      allow_empty=allow_empty)
    return Extracted(
        headline=article.headline, body=article.body, byline=article.byline,
        published=article.published, modified=article.modified, method=article.method,
        extractor_version=EXTRACTOR_VERSION, encoding=decoded.encoding,
        canonical_url=_usable_canonical(article.canonical_url, url),
        title_template=frozenset(title_template) if article.title_only else None, page_title=article.title,
    )


def confirmed(latest: dict | None, article: Extracted, body: bytes, content_type: str | None) -> Extracted:
    """``article`` with its body confirmed against the page the latest version was read from
    (``Store.latest_raw``; crawler/confirm.py): differences that are only the extraction's boundary
    moving are taken out before the store compares digests.  A fresh extraction equal to the
    latest version is checked only for prose the extractor skipped next to the story
    (``confirm.unread``: one parse of the new page; the old page is read only when there is some)."""
    from redline.crawler.confirm import headline, page as visible, reconcile, unread, with_unread, without_headline

    if latest is None or not latest.get("raw_html") or latest.get("body") is None:
        return article
    same = content_digest(article.headline, article.byline, article.body) == latest["content_digest"]
    if same and body == latest["raw_html"]:
        return article  # the very page the latest version was read from: nothing new to find
    new_page = visible(decode_html(body, content_type).text)
    if same and not unread(article.body, new_page):
        return article
    charset = f"text/html; charset={latest['encoding']}" if latest["encoding"] else None
    old_page = visible(decode_html(latest["raw_html"], charset).text)
    if same:
        text = with_unread(article.body, old_page, new_page)
        return article if text == article.body else replace(article, body=text)
    text = with_unread(reconcile(latest["body"], article.body, old_page, new_page), old_page, new_page)
    stored = latest.get("headline") or ""
    title = headline(stored, article.headline, old_page, new_page)
    if title not in (article.headline, stored):  # an edited <h1> the reading took for a paragraph
        text = without_headline(text, title)
    return replace(article, body=text, headline=title)


def _usable_canonical(canonical: str | None, page_url: str) -> str | None:
    """A rel=canonical counts only when it names the page's own host (never fetched on its own)."""
    if not canonical or not same_host(canonical, page_url):
        return None
    return canonical_or_none(canonical)


def stop_crawl(crawler: Crawler) -> None:
    """Close the spider after a database failure, without waiting for it: Scrapy's close waits
    until every item in flight is processed, this one included, so awaiting it from
    ``process_item`` hangs the crawl for ever (seen with a full disk and 8 requests in flight)."""
    assert crawler.engine is not None
    deferred_from_coro(crawler.engine.close_spider_async(reason="database_error"))


def _log(page: FetchedPage, result: Recorded, *, recognised: bool = False) -> None:
    detail = result.outcome.replace("_", " ")
    if recognised and result.outcome == "unchanged":
        detail += " (recognised without extraction)"
    if result.outcome == "new_version":
        detail = f"new version {result.version}"
    if result.kinds:
        detail += f" ({', '.join(result.kinds)})"
    if result.error:
        detail += f": {result.error}"
    logger.info("%s %s %s", page.status or "---", page.url, detail)


#: Prefix of the discovery stats: ``redline/discovered/new`` and ``…/known`` count article links
#: (new article rows, already tracked), ``…/failed_sources`` the sources that could not be read.
DISCOVERED_STATS_PREFIX = "redline/discovered/"

discover_logger = logging.getLogger(f"{__name__}.discovery")


class DiscoveryPipeline:
    """Tracks each :class:`DiscoveredLink` as an article and records each :class:`SourceChecked`.

    Items are written in batches (``REDLINE_DISCOVERY_BATCH``), one transaction each, in the order
    they came: a source's validators commit with or after the links read with them, so a crash
    can never leave a 304 hiding links that were not stored. The database is opened only when
    there is something to write (the pipeline also sits in the article spider's crawls). A
    database failure closes the spider, as in :class:`StoragePipeline`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path: str = crawler.settings.get("REDLINE_DB")
        self.batch_size = crawler.settings.getint("REDLINE_DISCOVERY_BATCH")
        self.store: Store | None = None
        self.pending: list[DiscoveredLink | SourceChecked] = []
        self.by_outlet: defaultdict[str, Counter[str]] = defaultdict(Counter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoveryPipeline:
        return cls(crawler)

    async def process_item(self, item: object, spider: Spider | None = None) -> object:
        stats = self.crawler.stats
        assert stats is not None
        if not isinstance(item, (DiscoveredLink, SourceChecked)) or stats.get_value(FATAL_ERROR_STAT):
            return item
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            try:
                self._flush()
            except DatabaseError as exc:
                fail_crawl_on_database_error(self.crawler, exc)
                stop_crawl(self.crawler)
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        stats = self.crawler.stats
        assert stats is not None
        try:
            if not stats.get_value(FATAL_ERROR_STAT):
                self._flush()
        except DatabaseError as exc:
            fail_crawl_on_database_error(self.crawler, exc)
            discover_logger.error("discovery results not saved: %s", exc)
        finally:
            if self.store is not None:
                self.store.close()
                self.store = None
        for outlet, counts in sorted(self.by_outlet.items()):
            # A daemon discovers every few minutes: a run that found nothing and broke nothing is DEBUG.
            level = logging.INFO if counts["new"] or counts["failed"] else logging.DEBUG
            discover_logger.log(
                level, "%s: %d new, %d already tracked; %d of %d sources read, %d failed", outlet,
                counts["new"], counts["known"], counts["sources"] - counts["failed"], counts["sources"],
                counts["failed"],
            )

    def _flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        if self.store is None:
            self.store = open_store(self.db_path)
        links = [item for item in batch if isinstance(item, DiscoveredLink)]
        checks = [item for item in batch if isinstance(item, SourceChecked)]
        created = self.store.record_discovery([(link.url, link.outlet, link.source_url) for link in links], checks)
        self._report(links, created, checks)

    def _report(self, links: list[DiscoveredLink], created: list[bool], checks: list[SourceChecked]) -> None:
        """Stats and log lines, written only once the batch is committed."""
        stats = self.crawler.stats
        assert stats is not None
        for link, new in zip(links, created):
            outcome = "new" if new else "known"
            stats.inc_value(DISCOVERED_STATS_PREFIX + outcome)
            self.by_outlet[link.outlet][outcome] += 1
            if new:
                discover_logger.info("discovered %s (%s, %s)", link.url, link.outlet, link.source)
        for check in checks:
            self.by_outlet[check.outlet]["sources"] += 1
            if check.outcome == "error":
                stats.inc_value(DISCOVERED_STATS_PREFIX + "failed_sources")
                self.by_outlet[check.outlet]["failed"] += 1
                discover_logger.warning("%s %s (%s) failed: %s", check.kind, check.url, check.outlet, check.error)
