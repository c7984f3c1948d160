"""The HTTP download handler redline uses: Scrapy's own, stamped with when each request really
went out and when its response was complete, and closed to new requests once a stop is asked.

Scrapy's downloader queues a request for its host's slot (politeness delay, concurrency) after the
spider yields it, so the time a request is *built* can be seconds before it is *sent*. The
handler is the last step before the socket, so its clock is the one the record needs: a version's
``first_seen`` and a change's ``detected_at`` are the time the page was received, never the time
the fetch was queued. It is also the only place that sees every request, queued ones included,
just before it leaves: after SIGINT/SIGTERM it refuses them (:class:`StopRequested`), so no new
request starts, while those already in flight finish and are recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from redline.core.clock import precise, to_iso
from redline.crawler.exchange import ARCHIVE_META, EXCHANGE_META, exchange_of

#: Request meta keys the handler sets (ISO timestamps, milliseconds).
SENT_AT = "redline_sent_at"
RECEIVED_AT = "redline_received_at"


class StopRequested(IgnoreRequest):
    """Not sent: the crawl was asked to stop before this request left (never recorded as a check)."""


class TimedDownloadHandler(HTTP11DownloadHandler):
    """``http``/``https`` handler: Scrapy's HTTP/1.1 one, with :data:`SENT_AT`/:data:`RECEIVED_AT`
    on every request and, on those marked with :data:`~redline.crawler.exchange.ARCHIVE_META`, the
    whole exchange for the archive (both from the same two clock readings)."""

    async def download_request(self, request: Request) -> Response:
        should_stop = getattr(self._crawler.spider, "should_stop", None)
        if should_stop is not None and should_stop():
            raise StopRequested("the crawl is stopping")
        sent = datetime.now(UTC)
        request.meta[SENT_AT] = to_iso(sent)
        try:
            response = await super().download_request(request)
        finally:
            received = datetime.now(UTC)
            request.meta[RECEIVED_AT] = to_iso(received)
        if request.meta.get(ARCHIVE_META):
            request.meta[EXCHANGE_META] = exchange_of(request, response, precise(sent), precise(received))
        return response
