"""Run the discovery spider once, for tests: ``python tests/testkit/run_discovery.py DB CONFIG [options]``.

Tests run it as a subprocess because a Twisted reactor cannot be restarted within one process.
It reads a real ``redline.toml`` and builds the crawl's settings from it as ``redline crawl`` does
(``crawler.runner.crawl_settings``), crawls without delays (the servers are local),
logs redline's lines to stderr and prints the crawl's ``redline/…`` stats as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess

from redline.crawler.runner import crawl_settings
from redline.crawler.spiders.discovery import DiscoverySpider
from redline.app.config import load as load_config

#: Local test servers need no politeness delay; everything else stays as redline ships it.
TEST_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db")
    parser.add_argument("config")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="a Scrapy setting for this run, its value as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("redline").setLevel(logging.INFO)

    loaded = load_config(Path(args.config))
    overrides = dict(TEST_SETTINGS)
    overrides.update((key, json.loads(value)) for key, value in (item.split("=", 1) for item in args.set))
    settings = crawl_settings(args.db, loaded, overrides)

    process = AsyncCrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(logging.WARNING)  # Scrapy lowers it while setting up
    crawler = process.create_crawler(DiscoverySpider)
    process.crawl(crawler, outlets=loaded.outlets)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({key: value for key, value in stats.items() if key.startswith("redline/")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
