"""Scrapy's own floor for a recheck pass: what fetching the pages costs before redline does anything.

    python -m bench.scrapy_floor STATE_DIR     # STATE_DIR/validators.json: {url: {}} before the first pass

A bare Scrapy spider with Scrapy's default middlewares and reactor, robots.txt obeyed, the same
``--concurrency`` and ``--delay 0`` as redline's timed pass in ``bench/recheck.py``, sending each
page's stored ``ETag`` / ``Last-Modified`` back (so a 304 costs what it costs Scrapy), and doing
nothing with a page but remembering its validators: no parsing, no storage, no logging per page.
It prints how many pages answered 304 and how many came back with different bytes.

Why: a recheck that only meets 304s is bounded by the fetcher, and the figure says how far
redline's own work (storage, scheduling, the record of every check) sits above that bound.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

#: The same parallelism as redline's timed one-host pass (``bench.recheck.CONCURRENCY``).
CONCURRENCY = 16
STATE_FILE = "validators.json"


class FloorSpider(scrapy.Spider):
    """Fetch every URL once, conditionally when validators are known; count what came back."""

    name = "floor"

    def __init__(self, validators: dict[str, dict[str, str | None]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.validators = validators
        self.not_modified = self.new_bytes = 0

    async def start(self):  # noqa: ANN201 - Scrapy's async generator
        for url, known in self.validators.items():
            headers = {name: value for name, value in (("If-None-Match", known.get("etag")),
                                                       ("If-Modified-Since", known.get("last_modified"))) if value}
            yield scrapy.Request(url, headers=headers, dont_filter=True, callback=self.parse)

    def parse(self, response: scrapy.http.Response) -> None:
        known = self.validators[response.url]
        if response.status == 304:
            self.not_modified += 1
            return
        digest = hashlib.sha256(response.body).hexdigest()
        self.new_bytes += digest != known.get("digest")
        self.validators[response.url] = {
            "etag": _header(response, b"ETag"), "last_modified": _header(response, b"Last-Modified"), "digest": digest}


def _header(response: scrapy.http.Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def main(argv: list[str]) -> int:
    state = Path(argv[0]) / STATE_FILE
    validators = json.loads(state.read_text())
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY, "HTTPERROR_ALLOW_ALL": True, "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "redline-bench-floor (+https://example.invalid/redline)",
    })
    crawler = process.create_crawler(FloorSpider)
    process.crawl(crawler, validators=validators)
    process.start()
    spider = crawler.spider
    state.write_text(json.dumps(validators))
    print(f"checked {len(validators)}: {spider.not_modified} not modified, {spider.new_bytes} with new bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
