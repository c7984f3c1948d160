"""Downloader middlewares redline adds to Scrapy's.

``RobotsTxtMiddleware`` works around a Scrapy 2.19 bug that let requests through robots.txt:
while a host's robots.txt is being downloaded, every other request to that host awaits the same
Deferred through ``Deferred.asFuture``, whose callback swallows the result, so the second and later
waiters receive ``None`` ("no robots.txt") and are allowed whatever the file says. Measured here:
with four requests to one host, a ``Disallow``-ed URL was fetched. Each waiter now gets its own
Deferred that is fired with the parser, and the shared one passes the parser on unchanged.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every concurrent waiter seeing the parsed file."""

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
