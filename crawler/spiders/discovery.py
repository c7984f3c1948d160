"""The discovery spider: read each outlet's feeds, sitemaps and section pages for article links.

It fetches every source politely (the same downloader as the article spider: robots.txt,
User-Agent, delay, AutoThrottle), conditionally when the ``sources`` table has validators from the
last successful read, and hands on two kinds of item: a :class:`DiscoveredLink` for each article
link (canonical, matched to the outlet's ``article_pattern``, each URL once per outlet and run) and
a :class:`SourceChecked` for each source after its links, so that a source's new validators are
never committed before the links read with them. Parsing lives in :mod:`redline.crawler.discover`;
tracking and bookkeeping in the DiscoveryPipeline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from redline.crawler import discover
from redline.crawler.discover import ArticleFilter, Candidate, UnreadableSource
from redline.crawler.handlers import RECEIVED_AT, StopRequested
from redline.crawler.items import DiscoveredLink, SourceChecked
from redline.crawler.network import OUTLET_META
from redline.crawler.spiders.articles import describe_failure
from redline.crawler.responses import header_text
from redline.core.clock import now_iso, to_iso
from redline.core.config import Outlet
from redline.core.policy import Policy
from redline.core.urls import canonical_or_none
from redline.storage import sources
from redline.storage.store import open_store

logger = logging.getLogger(__name__)

#: What each kind of source asks for; servers that negotiate send feeds as feeds, not HTML. Feeds
#: and sitemaps ask alike: either list may hold either (the document is sniffed, see discover.py).
_LISTING_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
                   "text/xml;q=0.9, text/plain;q=0.8, */*;q=0.5")
ACCEPT = {
    "feed": _LISTING_ACCEPT,
    "sitemap": _LISTING_ACCEPT,
    "section": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
}


@dataclass(frozen=True)
class _Source:
    """One source to read, carried in the request's meta."""

    outlet: str
    url: str
    kind: str  # feed, sitemap, section
    depth: int = 0  # sitemap index levels above this sitemap


class DiscoverySpider(scrapy.Spider):
    """Finds the articles of ``outlets``.

    Feed and sitemap entries dated longer ago than the outlet's ``discover_max_age`` (the
    ``REDLINE_DISCOVER_MAX_AGE`` setting, seconds by outlet name; default the ``stop_after`` of the
    recheck schedule) are skipped, and so are the sitemaps an index dates that long ago.
    """

    name = "discovery"

    def __init__(self, outlets: Iterable[Outlet] = (), should_stop: Callable[[], bool] = lambda: False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Asked by the download handler before each request leaves (see crawler/handlers.py).
        self.should_stop = should_stop
        self.outlets = {outlet.name: outlet for outlet in outlets}
        self.filters = {name: ArticleFilter(o.article_pattern) for name, o in self.outlets.items()}
        #: The oldest entry date taken, by outlet; dates are compared as redline timestamps, which sort as text.
        self.horizons: dict[str, str] = {}
        self.seen_links: dict[str, set[str]] = defaultdict(set)
        self.seen_sitemaps: dict[str, set[str]] = defaultdict(set)
        self.sitemap_budget: dict[str, int] = {}
        self.validators: dict[tuple[str, str], sources.Validators] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.validators = self._stored_validators()
        self.sitemap_budget = {name: self.settings.getint("REDLINE_SITEMAPS_PER_OUTLET") for name in self.outlets}
        max_ages = self.settings.getdict("REDLINE_DISCOVER_MAX_AGE")
        now = datetime.now(UTC)
        self.horizons = {name: to_iso(now - timedelta(seconds=float(max_ages.get(name, Policy().stop_after))))
                         for name in self.outlets}
        for outlet in self.outlets.values():
            for kind, urls in (("feed", outlet.feeds), ("sitemap", outlet.sitemaps), ("section", outlet.sections)):
                for url in urls:
                    if kind != "section":  # an index listing it again does not fetch it twice
                        self.seen_sitemaps[outlet.name].add(canonical_or_none(url) or url)
                    yield self._request(_Source(outlet.name, url, kind))

    def _stored_validators(self) -> dict[tuple[str, str], sources.Validators]:
        with open_store(self.settings.get("REDLINE_DB")) as store:
            return store.source_validators(list(self.outlets))

    def _request(self, source: _Source) -> scrapy.Request:
        headers = {"Accept": ACCEPT[source.kind]}
        known = self.validators.get((source.outlet, source.url))
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        meta: dict[str, Any] = {"source": source, OUTLET_META: source.outlet}
        if source.kind != "section":  # a feed list may hold a sitemap
            meta["download_maxsize"] = meta["download_warnsize"] = self.settings.getint("REDLINE_SITEMAP_MAXSIZE")
        return scrapy.Request(source.url, headers=headers, callback=self.parse, errback=self.failed,
                              dont_filter=True, meta=meta)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[DiscoveredLink | SourceChecked | scrapy.Request]:
        source: _Source = response.meta["source"]
        answer = _Answer(source, response.meta.get(RECEIVED_AT) or now_iso(), response.status)
        if response.status == 304:
            yield answer.done("not_modified")
            return
        if not 200 <= response.status < 300:
            yield answer.done("error", f"HTTP {response.status}")
            return
        reader = self._section if source.kind == "section" else self._listing
        found = 0
        try:
            for output in reader(response, source):
                if isinstance(output, scrapy.Request):
                    yield output
                    continue
                found += 1
                if output.url not in self.seen_links[source.outlet]:  # found by another source already
                    self.seen_links[source.outlet].add(output.url)
                    yield output
        except UnreadableSource as exc:
            yield answer.done("error", str(exc), links_found=found)
            return
        # A sitemap index's bytes stay the same while the sitemaps it lists change: no validators.
        yield answer.done("ok", links_found=found, response=None if response.meta.get("index") else response)

    def failed(self, failure: Failure) -> Iterator[SourceChecked]:
        if failure.check(StopRequested):
            return  # never sent
        request = failure.request  # type: ignore[attr-defined]
        maxsize = request.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        yield _Answer(request.meta["source"], request.meta.get(RECEIVED_AT) or now_iso(), None).done(
            "error", describe_failure(failure, maxsize))

    # --- readers: candidates → links (and, for sitemap indexes, requests) -------------------

    def _section(self, response: Response, source: _Source) -> Iterator[DiscoveredLink]:
        candidates = discover.section_links(response.body, response.url, header_text(response, b"Content-Type"))
        yield from self._links(candidates, source, host_of=response.url)

    def _listing(self, response: Response, source: _Source) -> Iterator[DiscoveredLink | scrapy.Request]:
        """A feed or sitemap, whichever list it was configured in: links, or for an index more requests."""
        listing = discover.read_listing(response.body, response.url, header_text(response, b"Content-Type"),
                                        self.settings.getint("REDLINE_SITEMAP_MAXSIZE"))
        horizon = self.horizons[source.outlet]
        fresh = (entry for entry in listing.entries if entry.lastmod is None or entry.lastmod >= horizon)
        if not listing.index:
            yield from self._links(fresh, source)
            return
        response.meta["index"] = True  # read by parse(): an index keeps no validators
        max_depth = self.settings.getint("REDLINE_SITEMAP_MAX_DEPTH")
        if source.depth >= max_depth:
            raise UnreadableSource(f"sitemap index nested more than {max_depth} levels deep: not followed")
        children: list[Candidate] = []
        broken: UnreadableSource | None = None
        try:
            children.extend(fresh)
        except UnreadableSource as exc:  # the sitemaps listed before the break are still read
            broken = exc
        yield from self._follow(children, source)
        if broken is not None:
            raise broken

    def _follow(self, children: list[Candidate], source: _Source) -> Iterator[scrapy.Request]:
        """Requests for the sitemaps an index lists, within the outlet's budget."""
        # Newest first, undated ones (which may be fresh) before all, so the budget goes to recent news.
        for child in sorted(children, key=lambda entry: entry.lastmod or "~", reverse=True):
            url = canonical_or_none(child.url)
            if url is None or url in self.seen_sitemaps[source.outlet]:
                continue
            if self.sitemap_budget[source.outlet] <= 0:
                logger.warning("%s: more sitemaps listed than REDLINE_SITEMAPS_PER_OUTLET (%d); the rest "
                               "are left for the next run", source.outlet,
                               self.settings.getint("REDLINE_SITEMAPS_PER_OUTLET"))
                return
            self.sitemap_budget[source.outlet] -= 1
            self.seen_sitemaps[source.outlet].add(url)
            yield self._request(_Source(source.outlet, url, "sitemap", source.depth + 1))

    def _links(self, candidates: Iterable[Candidate], source: _Source, host_of: str | None = None) -> Iterator[DiscoveredLink]:
        article_filter = self.filters[source.outlet]
        for candidate in candidates:
            url = article_filter.article_url(candidate.url, host_of=host_of)
            if url is not None:
                yield DiscoveredLink(outlet=source.outlet, url=url, lastmod=candidate.lastmod,
                                     source=source.kind, source_url=source.url)


@dataclass(frozen=True)
class _Answer:
    """Builds the :class:`SourceChecked` for one read of a source."""

    source: _Source
    checked_at: str
    status: int | None

    def done(self, outcome: str, error: str | None = None, *, links_found: int = 0,
             response: Response | None = None) -> SourceChecked:
        return SourceChecked(
            outlet=self.source.outlet, url=self.source.url, kind=self.source.kind,
            checked_at=self.checked_at, outcome=outcome, status=self.status, error=error,
            etag=header_text(response, b"ETag") if response else None,
            last_modified=header_text(response, b"Last-Modified") if response else None,
            links_found=links_found,
        )
