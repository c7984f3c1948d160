"""Downloader middlewares redline adds to Scrapy's.

``RobotsTxtMiddleware`` works around a Scrapy 2.19 bug that let requests through robots.txt:
while a host's robots.txt is being downloaded, every other request to that host awaits the same
Deferred through ``Deferred.asFuture``, whose callback swallows the result, so the second and later
waiters receive ``None`` ("no robots.txt") and are allowed whatever the file says. Measured here:
with four requests to one host, a ``Disallow``-ed URL was fetched. Each waiter now gets its own
Deferred that is fired with the parser, and the shared one passes the parser on unchanged.

It also keeps Scrapy's traceback out of the user's log when a host's robots.txt cannot be
downloaded at all (host unreachable, TLS failure, timeout): Scrapy logs that as an error with the
full exception chain, once per host; redline logs one line saying what happened instead. The
pages of that host are then fetched as if it had no robots.txt (Scrapy's rule), and fail or not
on their own, each recorded with its reason.

``MetaRefreshMiddleware`` is Scrapy's, asked only of pages that can hold a refresh: Scrapy's
decodes every HTML response in full to look at its first 4,096 characters, and the decoded text
stays cached on the response while it waits for the pipeline: 0.44 ms of CPU and ~400 KB of
memory per 200 KB corpus page, and at 16 pages in flight 19 MiB of the daemon's peak (a heap
profile of ``bench daemon``). A ``<meta http-equiv="refresh">`` within those characters has the
ASCII word "refresh" within the body's first :data:`REFRESH_HEAD_BYTES` bytes in every encoding
whose tags are ASCII (UTF-8, the Windows and KOI8 code pages, Shift JIS, GB 18030, EUC); a body
without it is passed on undecoded; one with it (or with a NUL there: UTF-16 or UTF-32) has only
those bytes decoded, which hold all Scrapy reads.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import robotstxt
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from redline.crawler.settings import DOWNLOAD_MAXSIZE  # robots.txt requests carry the default limit
from redline.crawler.spiders.articles import describe_failure

logger = logging.getLogger("redline.robots")

#: Bytes that hold Scrapy's 4,096 characters in any encoding (at most four bytes a character).
REFRESH_HEAD_BYTES = 4 * 4096


class _RobotsFailureAsOneLine(logging.Filter):
    """Replaces Scrapy's "Error downloading …" record for a robots.txt (logged with its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (record.exc_info and isinstance(args, dict) and isinstance(args.get("f_exception"), BaseException)):
            return True
        request = args.get("request")
        site = urlsplit(request.url) if isinstance(request, Request) else None
        where = f"{site.scheme}://{site.netloc}/robots.txt" if site else "a robots.txt"
        logger.warning("%s could not be downloaded (%s): that host's pages are fetched without its rules",
                       where, describe_failure(Failure(args["f_exception"]), DOWNLOAD_MAXSIZE,
                                        request if isinstance(request, Request) else None))
        return False


_ROBOTS_FAILURE_FILTER = _RobotsFailureAsOneLine()


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every concurrent waiter seeing the parsed file."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        robotstxt.logger.addFilter(_ROBOTS_FAILURE_FILTER)  # once: a logger keeps one of each filter

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            own: Deferred[RobotParser | None] = Deferred()

            def hand_over(parser: Any) -> Any:
                own.callback(parser)
                return parser

            pending.addBoth(hand_over)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)


class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, looked for in the head of the pages that can have one."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        head = response.body[:REFRESH_HEAD_BYTES]
        if b"\0" not in head and b"refresh" not in head.lower():
            return response
        shown = response.replace(body=head) if len(head) < len(response.body) else response
        answer = super().process_response(request, shown)
        return response if answer is shown else answer
