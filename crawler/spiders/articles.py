"""The article spider: fetch each given article once, politely, and hand over what came back.

It makes conditional requests (``If-None-Match`` / ``If-Modified-Since`` from the last good fetch)
and turns every outcome, including failures that never produced a response, into one
:class:`~redline.crawler.items.FetchedPage`. Decoding, extraction and storage happen in the pipeline, so
this spider stays a thin, testable layer over Scrapy's downloader.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.core.downloader.handlers.http11 import TunnelError
from twisted.python.failure import Failure
from twisted.web._newclient import ParseError

from redline.core.clock import now_iso
from redline.crawler.exchange import ARCHIVE_META, EXCHANGE_META
from redline.crawler.handlers import RECEIVED_AT, SENT_AT, StopRequested
from redline.crawler.items import FetchedPage
from redline.core.secrets import mask_url, scrub
from redline.crawler.network import OUTLET_META, network_of
from redline.crawler.responses import header_dict, header_text
from redline.storage.articles import FetchTarget


class ArticleSpider(scrapy.Spider):
    """Fetches the articles in ``targets`` (an iterable of :class:`FetchTarget`, consumed lazily).

    ``should_stop`` is asked before each new request: when it says yes, no more are started and
    the crawl ends once the fetches in flight are recorded (a graceful stop that Scrapy's own
    crawler stop cannot be trusted with, see scheduler/daemon.py).
    """

    name = "articles"
    #: Pages of ``render = "browser"`` outlets are fetched in a browser (crawler/handlers.py).
    renders_pages = True

    def __init__(self, targets: Iterable[FetchTarget] = (), should_stop: Callable[[], bool] = lambda: False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = targets
        self.should_stop = should_stop

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for target in self.targets:
            if self.should_stop():
                return
            headers = {}
            if target.etag:
                headers["If-None-Match"] = target.etag
            if target.last_modified:
                headers["If-Modified-Since"] = target.last_modified
            yield scrapy.Request(
                target.url,
                headers=headers,
                callback=self.parse,
                errback=self.failed,
                dont_filter=True,
                meta={"target": target, ARCHIVE_META: True, OUTLET_META: target.outlet},
            )

    def parse(self, response: Response, **kwargs: Any) -> Iterable[FetchedPage]:
        yield _page(
            response.meta,
            error=unfollowed_redirect(response),
            final_url=response.url,
            status=response.status,
            duration_ms=round(response.meta.get("download_latency", 0) * 1000),
            content_type=header_text(response, b"Content-Type"),
            etag=header_text(response, b"ETag"),
            last_modified=header_text(response, b"Last-Modified"),
            headers=header_dict(response),
            body=response.body,
            exchange=response.meta.get(EXCHANGE_META),
            rendered="playwright" in response.flags,
        )

    def failed(self, failure: Failure) -> Iterable[FetchedPage]:
        if failure.check(StopRequested):
            return  # never sent: nothing happened that the record should show
        request = failure.request  # type: ignore[attr-defined]
        yield _page(request.meta, error=describe_failure(failure, self.settings.getint("DOWNLOAD_MAXSIZE")))


def _page(meta: dict[str, Any], **outcome: Any) -> FetchedPage:
    """A FetchedPage for the target a request was made for, with what came of it, timed by the
    download handler (a request refused before it was sent, e.g. by robots.txt, is timed now)."""
    target: FetchTarget = meta["target"]
    return FetchedPage(article_id=target.article_id, url=target.url, checked_at=meta.get(RECEIVED_AT) or now_iso(),
                       requested_at=meta.get(SENT_AT), previous_digest=target.raw_digest, outlet=target.outlet,
                       **outcome)


def unfollowed_redirect(response: Response) -> str | None:
    """Why a redirect reached the spider: Scrapy follows http(s) redirects itself and leaves the
    others alone (``file://``, ``ftp://``, a 3xx without ``Location``), which must not be read."""
    if not 300 <= response.status < 400 or response.status == 304:
        return None
    location = header_text(response, b"Location")
    if not location:
        return f"HTTP {response.status} redirect without a Location header"
    return f"HTTP {response.status} redirect to {location[:MAX_QUOTED]} not followed (only http and https are)"


#: How much of a server's words (a Location, a garbage status line) an error message quotes.
MAX_QUOTED = 200


def describe_failure(failure: Failure, maxsize: int, request: scrapy.Request | None = None) -> str:
    """One line saying why a fetch produced no response, in words a user can act on.

    A request sent through an outlet's proxy says so when the proxy is what failed, and never
    shows the proxy's password, header or cookie values (a library's message may quote them)."""
    network = network_of(request or getattr(failure, "request", None))
    line = _failure_words(failure, maxsize, network.proxy if network else None)
    return scrub(line, network.secrets()) if network else line


def _failure_words(failure: Failure, maxsize: int, proxy: str | None) -> str:
    error = failure.value
    text = str(error) or type(error).__name__
    if proxy and isinstance(error, (DownloadConnectionRefusedError, DownloadTimeoutError, TunnelError)):
        where = mask_url(proxy)
        if isinstance(error, DownloadTimeoutError):
            return f"timed out through the proxy {where}"
        cause = error.__cause__
        if isinstance(error, TunnelError) or (cause is not None and type(cause).__name__ == "ProxyError"):
            return f"the proxy {where} did not connect to the page: {text}"
        return f"proxy refused connection ({where})"
    limit = f"the {maxsize // (1024 * 1024)} MB limit"
    if isinstance(error, IgnoreRequest):
        if "robots.txt" in text:
            return "forbidden by the site's robots.txt"
        if "redirect" in text:
            return "too many redirects (a redirect loop?)"
        if "decompress" in text and "DOWNLOAD_MAXSIZE" in text:
            return f"page larger than {limit} once decompressed (DOWNLOAD_MAXSIZE; a compression bomb?)"
        return f"request dropped: {text}"
    if isinstance(error, DownloadCancelledError):
        return f"page larger than {limit} (DOWNLOAD_MAXSIZE)"
    if isinstance(error, ResponseDataLossError):
        return "connection lost during download: the server closed it before the whole page arrived"
    reasons = [reason.value for reason in getattr(error.__cause__, "reasons", None) or []
               if isinstance(reason, Failure)]
    if any(isinstance(reason, ParseError) for reason in reasons):
        parse_error = next(reason for reason in reasons if isinstance(reason, ParseError))
        return f"the server's answer is not HTTP: {' '.join(map(str, parse_error.args))[:MAX_QUOTED]}"
    if isinstance(error, DownloadTimeoutError):
        return "timed out waiting for the server"
    if isinstance(error, CannotResolveHostError):
        return "host name could not be resolved (DNS)"
    if isinstance(error, DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(error, DownloadFailedError):
        if reasons:
            text = "; ".join(str(reason) or type(reason).__name__ for reason in reasons)
        return f"connection lost during download: {text[:MAX_QUOTED]}"
    return f"{type(error).__name__}: {text}"

