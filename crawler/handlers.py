"""The download handler for http and https: timed, stoppable, and routed per request.

**Timed and stoppable.** Scrapy's downloader queues a request for its host's slot (politeness delay,
concurrency) after the spider yields it, so the time a request is *built* can be seconds before it
is *sent*. The handler is the last step before the socket, so its clock is the one the record
needs: a version's ``first_seen`` and a change's ``detected_at`` are the time the page was
received, never the time the fetch was queued. It is also the only place that sees every request,
queued ones included, just before it leaves: after SIGINT/SIGTERM it refuses them
(:class:`StopRequested`), so no new request starts, while those already in flight finish and are
recorded. Article fetches (``ARCHIVE_META``) also get their whole exchange noted for the archive,
with the values of an outlet's secrets (proxy credentials, header and cookie values) masked.

**Routed.** Scrapy picks one download handler per URL scheme; redline needs three ways of fetching
an http URL, chosen per request:

- **plain** (every outlet by default, and ``http://`` proxies): Scrapy's own Twisted handler;
  ``meta["proxy"]`` is honoured by it and by HttpProxyMiddleware;
- **SOCKS5** (``proxy = "socks5h://…"``, e.g. Tor) **and HTTPS proxies** (``https://proxy:443``, TLS
  to the proxy): Scrapy's own httpx-based handler, whose httpx2 client speaks SOCKS5 through its
  ``socks`` extra (socksio) and TLS to a proxy. Scrapy's Twisted handler has no SOCKS support and
  talks plain TCP to any proxy; this handler is part of Scrapy 2.19 and keeps one client per proxy URL;
- **browser** (``render = "browser"``): scrapy-playwright's handler driving the system's Chromium,
  with the rendered pages bounded (``REDLINE_BROWSER_CONCURRENCY`` at once) and the browser closed
  and launched anew after every ``REDLINE_BROWSER_RESTART_PAGES`` pages, so a long crawl's memory
  does not grow with the pages Chromium has seen. Built only for crawls of article pages when some
  outlet renders. A rendered page has no exchange in the archive: the browser made the requests.

One instance serves both schemes of a crawler (two would launch two browsers).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar

from dataclasses import replace
from datetime import UTC, datetime

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from redline.core.clock import precise, to_iso
from redline.core.secrets import MASK
from redline.crawler.exchange import ARCHIVE_META, EXCHANGE_META, exchange_of
from redline.crawler.network import network_of
from redline.storage.exchange import Exchange

logger = logging.getLogger(__name__)

#: Request meta keys the handler sets (ISO timestamps, milliseconds).
SENT_AT = "redline_sent_at"
RECEIVED_AT = "redline_received_at"
#: Request headers whose values are credentials of the route, never of the page: masked in the archive.
_ROUTE_HEADERS = {"proxy-authorization"}


class StopRequested(IgnoreRequest):
    """Not sent: the crawl was asked to stop before this request left (never recorded as a check)."""


#: Resource types a rendered page never loads: the article's words do not depend on them and they
#: are most of a news page's bytes (and of Chromium's memory).
BLOCKED_RESOURCES = frozenset({"image", "media", "font"})
#: Chromium flags for a headless server without a desktop: no sandbox (root in a container), no GPU,
#: nothing of Chromium's own on the network, and loopback addresses proxied like any other (so a
#: proxy on 127.0.0.1 sees every request of a proxied outlet; Chromium bypasses loopback by default).
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--proxy-bypass-list=<-loopback>")

#: Proxy URL schemes sent through httpx2: SOCKS5, and HTTPS proxies (TLS to the proxy itself), which
#: Scrapy's Twisted handler would reach over plain TCP whatever the URL's scheme says.
HTTPX_PROXY_SCHEMES = ("socks5://", "socks5h://", "https://")

_SHARED: weakref.WeakKeyDictionary[Crawler, TimedDownloadHandler] = weakref.WeakKeyDictionary()


def heavy_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: skip images, media and fonts."""
    return request.resource_type in BLOCKED_RESOURCES


def browser_settings(settings: Any) -> dict[str, Any]:
    """scrapy-playwright's settings from redline's ``REDLINE_BROWSER_*`` ones (crawler/runner.py
    adds them when some outlet renders: Scrapy's settings are frozen once a crawl starts)."""
    return {
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(settings.get("REDLINE_CHROMIUM")), "headless": True,
                                      "args": list(CHROMIUM_ARGS)},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.getfloat("REDLINE_BROWSER_TIMEOUT") * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": heavy_resource,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.getint("REDLINE_BROWSER_CONCURRENCY"),
    }


def renders(networks: dict[str, Any]) -> bool:
    """Whether any outlet's pages are rendered in the browser."""
    return any(getattr(network, "render", "plain") == "browser" for network in networks.values())


class TimedDownloadHandler:
    """``http``/``https`` handler: each request timed (:data:`SENT_AT`/:data:`RECEIVED_AT`), refused
    once a stop is asked, routed to the plain, SOCKS or browser handler, and, when marked with
    :data:`~redline.crawler.exchange.ARCHIVE_META`, its exchange noted (see the module docstring)."""

    lazy: ClassVar[bool] = False

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._socks: Any = None
        self.browser: BrowserPages | None = None
        self.no_browser: str | None = None
        self.plain: Any = None
        # Only a crawl of article pages renders: discovery passes need no Playwright driver.
        if renders(crawler.settings.get("REDLINE_NETWORKS") or {}) and getattr(crawler.spidercls, "renders_pages", False):
            playwright = self._playwright(crawler)
            if playwright is not None:
                self.browser = BrowserPages(playwright, crawler)
                self.plain = playwright  # it fetches requests not marked for it with Scrapy's handler
            else:
                logger.error("%s: those outlets' pages fail until then", self.no_browser)
        if self.plain is None:
            self.plain = build_from_crawler(HTTP11DownloadHandler, crawler)
        self._closed = False

    def _playwright(self, crawler: Crawler) -> Any:
        """scrapy-playwright's handler, or None (and ``no_browser`` says why)."""
        chromium = Path(crawler.settings.get("REDLINE_CHROMIUM"))
        try:
            from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
        except ImportError:
            self.no_browser = 'render = "browser" needs scrapy-playwright: pip install "redline-news[browser]"'
            return None
        if not chromium.exists():
            self.no_browser = (f'render = "browser" needs Chromium at {chromium} (Debian: apt-get install chromium; '
                               f"or set $REDLINE_CHROMIUM)")
            return None
        return build_from_crawler(ScrapyPlaywrightDownloadHandler, crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TimedDownloadHandler:
        if crawler not in _SHARED:
            _SHARED[crawler] = cls(crawler)
        return _SHARED[crawler]

    async def download_request(self, request: Request) -> Response:
        should_stop = getattr(self.crawler.spider, "should_stop", None)
        if should_stop is not None and should_stop():
            raise StopRequested("the crawl is stopping")
        sent = datetime.now(UTC)
        request.meta[SENT_AT] = to_iso(sent)
        try:
            response = await self._route(request)
        finally:
            received = datetime.now(UTC)
            request.meta[RECEIVED_AT] = to_iso(received)
        if request.meta.get(ARCHIVE_META) and not request.meta.get("playwright"):
            exchange = exchange_of(request, response, precise(sent), precise(received))
            request.meta[EXCHANGE_META] = _without_secrets(exchange, request)
        return response

    async def _route(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            if self.browser is None:
                raise NotConfigured(self.no_browser or "no browser")
            return await self.browser.fetch(request)
        if str(request.meta.get("proxy") or "").startswith(HTTPX_PROXY_SCHEMES):
            return await self.socks().download_request(request)
        return await self.plain.download_request(request)

    def socks(self) -> Any:
        if self._socks is None:
            self._socks = build_from_crawler(_socks_handler_class(), self.crawler)
        return self._socks

    async def close(self) -> None:
        if self._closed:  # registered for http and https alike
            return
        self._closed = True
        if self._socks is not None:
            await self._socks.close()
        await self.plain.close()


def _without_secrets(exchange: Exchange, request: Request) -> Exchange:
    """The exchange with proxy credentials and an outlet's header and cookie values masked: the
    archive keeps which headers were sent, never a secret (see redline.core.secrets)."""
    network = network_of(request)
    secrets = set(network.secrets()) if network else set()
    if network and network.cookies:
        secrets.add("; ".join(f"{name}={value}" for name, value in network.cookies))
    sent = tuple((name, MASK if name.lower() in _ROUTE_HEADERS or value in secrets else value)
                 for name, value in exchange.request_headers)
    return replace(exchange, request_headers=sent)


@functools.cache
def _socks_handler_class() -> type:
    """Scrapy's httpx handler, imported on first use so that plain crawls never load httpx2."""
    from scrapy.core.downloader.handlers._httpx import HttpxDownloadHandler

    class SocksDownloadHandler(HttpxDownloadHandler):  # type: ignore[misc, valid-type]
        # Scrapy marks its httpx handler experimental (and logs so on every crawl); redline sends
        # only SOCKS-proxied requests through it, which no other Scrapy handler can send.
        experimental = False

    return SocksDownloadHandler


class BrowserPages:
    """Rendered pages through scrapy-playwright, at most N at once, the browser renewed every M pages."""

    def __init__(self, playwright: Any, crawler: Crawler) -> None:
        self.playwright = playwright
        self.stats = crawler.stats
        self.slots = asyncio.Semaphore(crawler.settings.getint("REDLINE_BROWSER_CONCURRENCY"))
        self.restart_after = crawler.settings.getint("REDLINE_BROWSER_RESTART_PAGES")
        self.since_restart = 0
        self.in_flight = 0
        self.idle = asyncio.Condition()
        self.restart_lock = asyncio.Lock()

    async def fetch(self, request: Request) -> Response:
        async with self.slots:
            if self.since_restart >= self.restart_after:
                async with self.restart_lock:
                    if self.since_restart >= self.restart_after:
                        async with self.idle:
                            await self.idle.wait_for(lambda: self.in_flight == 0)
                        await self.restart()
            self.since_restart += 1
            self.in_flight += 1
            try:
                return await self.playwright.download_request(request)
            finally:
                self.in_flight -= 1
                async with self.idle:
                    self.idle.notify_all()

    async def restart(self) -> None:
        """Close every context and the browser; the next page launches a new one."""
        handler = self.playwright
        for wrapper in list(handler.context_wrappers.values()):
            with suppress(Exception):
                await wrapper.context.close()
        handler.context_wrappers.clear()
        browser = getattr(handler, "browser", None)
        if browser is not None:
            # Not a disconnection scrapy-playwright should handle: it is ours, and complete here.
            browser.remove_listener("disconnected", handler._browser_disconnected_callback)
            del handler.browser
            with suppress(Exception):
                await browser.close()
        self.since_restart = 0
        if self.stats:
            self.stats.inc_value("redline/browser/restarts")
        logger.info("browser closed after %d rendered pages (REDLINE_BROWSER_RESTART_PAGES); the next page starts "
                    "a new one", self.restart_after)
