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
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from redline.crawler import discover
from redline.crawler.discover import ArticleFilter, Candidate, UnreadableSource
from redline.crawler.items import DiscoveredLink, SourceChecked
from redline.crawler.spiders.articles import describe_failure
from redline.crawler.responses import header_text
from redline.core.clock import now_iso, to_iso
from redline.core.config import Outlet
from redline.core.urls import canonical_or_none
from redline.storage import sources
from redline.storage.store import open_store

logger = logging.getLogger(__name__)

#: What each kind of source asks for; servers that negotiate send feeds as feeds, not HTML.
ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "sitemap": "application/xml, text/xml;q=0.9, */*;q=0.5",
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
    """Finds the articles of ``outlets``; entries dated before ``max_age_days`` ago are skipped."""

    name = "discovery"

    def __init__(self, outlets: Iterable[Outlet] = (), max_age_days: float = 90, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outlets = {outlet.name: outlet for outlet in outlets}
        self.filters = {name: ArticleFilter(o.article_pattern) for name, o in self.outlets.items()}
        #: Sitemap dates are compared as redline timestamps, which sort as text.
        self.horizon = to_iso(datetime.now(UTC) - timedelta(days=float(max_age_days)))
        self.seen_links: dict[str, set[str]] = defaultdict(set)
        self.seen_sitemaps: dict[str, set[str]] = defaultdict(set)
        self.sitemap_budget: dict[str, int] = {}
        self.validators: dict[tuple[str, str], sources.Validators] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.validators = self._stored_validators()
        self.sitemap_budget = {name: self.settings.getint("REDLINE_SITEMAPS_PER_OUTLET") for name in self.outlets}
        for outlet in self.outlets.values():
            for kind, urls in (("feed", outlet.feeds), ("sitemap", outlet.sitemaps), ("section", outlet.sections)):
                for url in urls:
                    if kind == "sitemap":
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
        meta: dict[str, Any] = {"source": source, "checked_at": now_iso()}
        if source.kind == "sitemap":
            meta["download_maxsize"] = meta["download_warnsize"] = self.settings.getint("REDLINE_SITEMAP_MAXSIZE")
        return scrapy.Request(source.url, headers=headers, callback=self.parse, errback=self.failed,
                              dont_filter=True, meta=meta)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[DiscoveredLink | SourceChecked | scrapy.Request]:
        source: _Source = response.meta["source"]
        answer = _Answer(source, response.meta["checked_at"], response.status)
        if response.status == 304:
            yield answer.done("not_modified")
            return
        if not 200 <= response.status < 300:
            yield answer.done("error", f"HTTP {response.status}")
            return
        reader = {"feed": self._feed, "sitemap": self._sitemap, "section": self._section}[source.kind]
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
        request = failure.request  # type: ignore[attr-defined]
        maxsize = request.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        yield _Answer(request.meta["source"], request.meta["checked_at"], None).done(
            "error", describe_failure(failure, maxsize))

    # --- readers: candidates → links (and, for sitemap indexes, requests) -------------------

    def _feed(self, response: Response, source: _Source) -> Iterator[DiscoveredLink]:
        entries = discover.feed_entries(response.body, response.url, header_text(response, b"Content-Type"))
        yield from self._links(entries, source)

    def _section(self, response: Response, source: _Source) -> Iterator[DiscoveredLink]:
        candidates = discover.section_links(response.body, response.url, header_text(response, b"Content-Type"))
        yield from self._links(candidates, source, host_of=response.url)

    def _sitemap(self, response: Response, source: _Source) -> Iterator[DiscoveredLink | scrapy.Request]:
        if urlsplit(response.url).path == "/robots.txt":
            document = discover.robots_sitemaps(response.body, response.url)
        else:
            document = discover.read_sitemap(response.body, response.url, self.settings.getint("REDLINE_SITEMAP_MAXSIZE"))
        fresh = (entry for entry in document.entries if not self._too_old(entry))
        if document.kind == "urlset":
            yield from self._links(fresh, source)
            return
        response.meta["index"] = True  # read by parse(): an index keeps no validators
        max_depth = self.settings.getint("REDLINE_SITEMAP_MAX_DEPTH")
        if source.depth >= max_depth:
            raise UnreadableSource(f"sitemap index nested more than {max_depth} levels deep: not followed")
        # Newest first, undated ones (which may be fresh) before all, so the budget goes to recent news.
        for child in sorted(fresh, key=lambda entry: entry.lastmod or "~", reverse=True):
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

    def _too_old(self, entry: Candidate) -> bool:
        return entry.lastmod is not None and entry.lastmod < self.horizon


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

