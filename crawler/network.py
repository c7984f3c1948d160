"""Per-outlet routes: each outlet's proxy, extra headers, cookies, User-Agent and renderer.

:class:`OutletNetworkMiddleware` runs first among the downloader middlewares. It reads the outlet
of a request (the article spider's :class:`~redline.storage.articles.FetchTarget`, the discovery
spider's source, both put in ``meta["outlet"]``) and applies that outlet's
:class:`~redline.core.config.Network` from the ``REDLINE_NETWORKS`` setting. It remembers which host
belongs to which outlet, so that the robots.txt request Scrapy's robots middleware makes for a
host (which carries no outlet) goes the same route as the pages: through the same proxy, with the
same headers. A host fetched for two outlets with different routes takes the first one's.

Proxies go in ``meta["proxy"]`` for Scrapy's HttpProxyMiddleware (which turns a URL's user and
password into ``Proxy-Authorization``); :mod:`redline.crawler.handlers` sends SOCKS ones through
httpx2. Pages of ``render = "browser"`` outlets are marked for scrapy-playwright instead, with the
proxy given to their browser context: the browser connects through it itself, and no
``Proxy-Authorization`` header is put on a request the browser would send on to the site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached

from redline.core.config import Network

#: Request meta: the outlet a request is made for (set by the spiders).
OUTLET_META = "outlet"
#: Request meta: the :class:`Network` applied, for error messages to scrub (its repr is masked).
NETWORK_META = "redline_network"


class OutletNetworkMiddleware:
    """Applies each outlet's :class:`Network` to its requests, robots.txt included."""

    def __init__(self, networks: dict[str, Network]) -> None:
        self.networks = networks
        self.host_outlets: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutletNetworkMiddleware:
        return cls(dict(crawler.settings.get("REDLINE_NETWORKS") or {}))

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not self.networks:
            return
        host = urlparse_cached(request).netloc
        outlet = request.meta.get(OUTLET_META)
        if outlet is None:  # robots.txt, or a page tracked without an outlet: the host's route
            outlet = self.host_outlets.get(host)
        elif outlet in self.networks:
            self.host_outlets.setdefault(host, outlet)
        network = self.networks.get(outlet) if outlet else None
        if network is None:
            return
        request.meta[NETWORK_META] = network
        if network.user_agent:
            request.headers["User-Agent"] = network.user_agent
        if _redirected_elsewhere(request):  # the copies Scrapy's redirect kept go too
            for name in (*(name for name, _ in network.headers), *(("Cookie",) if network.cookies else ())):
                request.headers.pop(name, None)
        else:
            for name, value in network.headers:
                request.headers[name] = value
            if network.cookies:  # COOKIES_ENABLED is off: the header is sent as written
                request.headers["Cookie"] = cookie_header(network)
        if network.render == "browser" and "target" in request.meta:  # article pages; robots.txt and feeds stay plain
            request.meta["playwright"] = True
            # One browser context per outlet and site: the context's cookies are the outlet's, for that site.
            site = f"{urlparse_cached(request).scheme}://{host}"
            request.meta["playwright_context"] = f"{outlet} {site}"
            request.meta["playwright_context_kwargs"] = browser_context(network, site)
        elif network.proxy:
            request.meta["proxy"] = network.proxy


def _redirected_elsewhere(request: Request) -> bool:
    """Whether a redirect led this request to another host or port than the one first asked, or
    from https down to http: an outlet's headers and cookies (which may be credentials) are not
    sent on there, while its proxy still applies (an upgrade to https on the same host keeps them).
    Scrapy's redirect keeps custom headers, and a Cookie header whenever the host name is the same."""
    chain = request.meta.get("redirect_urls") or ()
    if not chain:
        return False
    first, now = urlsplit(chain[0]), urlparse_cached(request)
    return first.netloc != now.netloc or (first.scheme == "https" and now.scheme != "https")


def cookie_header(network: Network) -> str:
    return "; ".join(f"{name}={value}" for name, value in network.cookies)


def browser_context(network: Network, site: str) -> dict[str, Any]:
    """Playwright ``new_context`` arguments for an outlet's pages on ``site`` (scheme://host): its
    cookies in the context's cookie jar (the browser drops a Cookie header set on an intercepted
    request), and its proxy (Chromium resolves names through a SOCKS5 proxy itself, so
    ``socks5h`` is written ``socks5`` for it)."""
    context: dict[str, Any] = {}
    if network.cookies:
        context["storage_state"] = {"cookies": [{"name": name, "value": value, "url": site + "/"}
                                                for name, value in network.cookies], "origins": []}
    if not network.proxy:
        return context
    parts = urlsplit(network.proxy)
    scheme = "socks5" if parts.scheme == "socks5h" else parts.scheme
    proxy: dict[str, str] = {"server": f"{scheme}://{parts.hostname}:{parts.port}" if parts.port
                             else f"{scheme}://{parts.hostname}"}
    if parts.username:
        proxy["username"] = unquote(parts.username)
    if parts.password:
        proxy["password"] = unquote(parts.password)
    context["proxy"] = proxy
    return context


def network_of(request: Request | None) -> Network | None:
    """The outlet route a request took, if it took one of its own."""
    if request is None:
        return None
    network = request.meta.get(NETWORK_META)
    return network if isinstance(network, Network) else None
