"""Capturing the HTTP exchange behind an article fetch, for the archive (storage/exchange.py).

The download handler (crawler/handlers.py) calls :func:`exchange_of`. Why there: it is the last code that sees a request before the HTTP client sends
it and the first that sees the response, so the request's headers are final (User-Agent,
Accept-Encoding, validators added by the middlewares) and the body is still as received
(content-coded: Scrapy's HttpCompressionMiddleware decodes it later). Its start and end are
also the request-sent and response-complete times; a downloader middleware would run before the
per-host delay and report a send time seconds too early.

What Scrapy and Twisted do not expose, and is therefore not exact: header names come
normalised (``content-type`` → ``Content-Type``), chunked bodies come de-chunked, and the reason
phrase is the standard one for the status (the server's own phrase is dropped by Scrapy). The
``Host`` header, which Twisted adds when sending, is added here the same way.

Only requests whose meta has :data:`ARCHIVE_META` are captured (the article spider's), so
discovery's sitemaps are not held twice in memory.
"""

from __future__ import annotations

import http
from urllib.parse import urldefrag, urlsplit

from scrapy.http import Headers, Request, Response

from redline.storage.exchange import Exchange

#: Request meta key: set to True to capture the exchange; the handler puts the Exchange under
#: :data:`EXCHANGE_META` of the same request (so ``response.meta`` has the final hop's).
ARCHIVE_META = "redline_archive"
EXCHANGE_META = "redline_exchange"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def exchange_of(request: Request, response: Response, requested_at: str, responded_at: str) -> Exchange:
    """The Exchange of one request and its raw response (before any downloader middleware)."""
    url = urldefrag(request.url)[0]
    sent = _pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in sent):
        sent.append(("Host", host_header(url)))  # Twisted sends it after the others
    try:
        reason = http.HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(
        method=request.method, url=url, request_headers=tuple(sent), requested_at=requested_at,
        protocol=response.protocol or "HTTP/1.1", status=response.status, reason=reason,
        response_headers=tuple(_pairs(response.headers)), responded_at=responded_at, body=response.body,
    )


def host_header(url: str) -> str:
    """The ``Host`` value Twisted sends for ``url``: the host, with the port unless it is the default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host += f":{parts.port}"
    return host


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]
