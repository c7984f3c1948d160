"""Scrapy settings for redline: the one place where crawling knobs live.

Defaults are chosen for a good citizen that runs for months: robots.txt obeyed, an honest
User-Agent naming the tool, few parallel requests per host with a delay, AutoThrottle backing
off when an outlet slows down, no cookies (they make outlets serve per-visitor variants), and a
size limit so one huge or endless response cannot exhaust a small server.
"""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy_defaults

from redline.core.version import __version__

BOT_NAME = "redline"
SPIDER_MODULES = ["redline.crawler.spiders"]
NEWSPIDER_MODULE = "redline.crawler.spiders"

#: Honest: says what the tool is and where to read about it. ``user_agent`` in the config, then
#: ``$REDLINE_USER_AGENT``, replace it (crawler/runner.py).
USER_AGENT = f"redline/{__version__} (news edit tracker; +https://pypi.org/project/redline-news/)"
ROBOTSTXT_OBEY = True
#: Scrapy components the settings here switch off are left out of Scrapy's base lists altogether:
#: Scrapy 2.19 imports every listed component to normalise its name, even one set to None, and
#: their imports were much of a crawl's start-up (remote control: aiohttp and two TLS contexts;
#: cookies: tldextract and requests; telnet: twisted.conch; feed export: boto and ftplib), about
#: 0.25 s before the first request (``python -X importtime``). The rest of each base list is Scrapy's.
_SWITCHED_OFF = frozenset({
    "scrapy.extensions.telnet.TelnetConsole",                # TELNETCONSOLE_ENABLED = False
    "scrapy.extensions.remote_control.RemoteControl",        # REMOTE_CONTROL_ENABLED = False
    "scrapy.extensions.feedexport.FeedExporter",             # no FEEDS
    "scrapy.extensions.memdebug.MemoryDebugger",             # MEMDEBUG_ENABLED is off by default
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",  # COOKIES_ENABLED = False (see network.py)
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware",  # HTTPCACHE_ENABLED is off by default
})
EXTENSIONS_BASE = {k: v for k, v in _scrapy_defaults.EXTENSIONS_BASE.items() if k not in _SWITCHED_OFF}
DOWNLOADER_MIDDLEWARES_BASE = {k: v for k, v in _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if k not in _SWITCHED_OFF}
DOWNLOADER_MIDDLEWARES = {
    # Each outlet's proxy, headers, cookies, User-Agent and renderer, before robots.txt is asked
    # (its request for a host goes the same route: crawler/network.py).
    "redline.crawler.network.OutletNetworkMiddleware": 50,
    # Scrapy's own lets concurrent requests past robots.txt (see crawler/middlewares.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "redline.crawler.middlewares.RobotsTxtMiddleware": 100,
    # Scrapy's decodes every page to look for a refresh (crawler/middlewares.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "redline.crawler.middlewares.MetaRefreshMiddleware": 580,
}
#: Plain Twisted, SOCKS5 and HTTPS proxies (httpx2) or a browser (scrapy-playwright), per request;
#: each stamps when the request was sent and its response complete, refuses requests once a stop
#: was asked, and notes each article fetch's request and raw response for the archive
#: (crawler/handlers.py, crawler/exchange.py).
DOWNLOAD_HANDLERS = {
    "http": "redline.crawler.handlers.TimedDownloadHandler",
    "https": "redline.crawler.handlers.TimedDownloadHandler",
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
#: No listening ports: a tracker on a small server opens no control sockets of its own.
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 16
#: Items of one response processed in parallel. Scrapy starts this many asyncio tasks for every
#: response (its default, 100) although an article response yields one item and discovery's are
#: only appended to a batch: profiled, those 100 tasks per 304 cost more CPU than recording it.
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
#: ±50% random variation around the delay, so requests do not arrive on a fixed beat.
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
EXTENSIONS = {
    # Scrapy's treats 304 as an error answer and only ever slows down on them (crawler/extensions.py).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "redline.crawler.extensions.AutoThrottle": 0,
}
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
#: News article pages are 50–500 KB; 10 MB leaves room for inlined images and stops runaway bodies.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
#: Every status reaches the spider: 304, 404/410 and 5xx are outcomes redline records.
HTTPERROR_ALLOW_ALL = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
}

#: Scrapy re-reads each callback's source on every request to warn about generator return values.
WARN_ON_GENERATOR_RETURN_VALUE = False

ITEM_PIPELINES = {
    "redline.crawler.pipelines.StoragePipeline": 300,
    "redline.crawler.pipelines.DiscoveryPipeline": 310,
}
LOG_LEVEL = "WARNING"
#: The redline command installs its own log handler; Scrapy must not add a second one.
LOG_INSTALL_ROOT_HANDLER = False

#: The SQLite file the storage pipeline writes to (set by the CLI from ``--db``).
REDLINE_DB = "redline.db"

# --- discovery (crawler/spiders/discovery.py) ---
#: The sitemap protocol allows 50 MB uncompressed (50,000 URLs); sitemaps get that much instead of
#: DOWNLOAD_MAXSIZE, and it also bounds what a ``.xml.gz`` may unpack to. Parsing streams.
REDLINE_SITEMAP_MAXSIZE = 50 * 1024 * 1024
#: Sitemap indexes are followed this many levels deep (index → index → sitemap is the deepest
#: seen in practice; deeper usually means a loop or a generated trap).
REDLINE_SITEMAP_MAX_DEPTH = 2
#: At most this many sitemaps listed by indexes are fetched per outlet per discovery run, newest
#: first by lastmod: archives list one sitemap per month or day, and only recent ones hold
#: trackable articles (those older than the horizon are skipped before counting).
REDLINE_SITEMAPS_PER_OUTLET = 50
#: Feed and sitemap entries (and sitemaps an index lists) dated longer ago than this many seconds
#: are skipped, by outlet name; set from ``discover_max_age`` (default ``stop_after``) by
#: ``crawler.runner.crawl_settings``. An outlet missing here gets the default ``stop_after``.
REDLINE_DISCOVER_MAX_AGE: dict[str, float] = {}
#: Discovered links are tracked in transactions of this many: large enough that a 50,000-URL
#: sitemap costs 250 commits, small enough that a crash loses one batch, which the next run repeats.
REDLINE_DISCOVERY_BATCH = 200

# --- hard-to-reach outlets (crawler/network.py, crawler/handlers.py) ---
#: Each outlet's :class:`redline.core.config.Network` (proxy, headers, cookies, User-Agent, render),
#: by outlet name; set from the config by ``crawler.runner.crawl_settings``. Its repr masks secrets.
REDLINE_NETWORKS: dict[str, object] = {}
#: The Chromium that ``render = "browser"`` outlets are rendered in (Debian's package; Playwright
#: downloads no browser). ``$REDLINE_CHROMIUM`` replaces it.
REDLINE_CHROMIUM = "/usr/bin/chromium"
#: Pages rendered at once, over all outlets: each costs a renderer process (~50-100 MB), so two
#: keeps a small server's memory bounded while the page timeout's wait overlaps.
REDLINE_BROWSER_CONCURRENCY = 2
#: Seconds a page may take to load before its check fails (the same as DOWNLOAD_TIMEOUT).
REDLINE_BROWSER_TIMEOUT = 30
#: The browser and its contexts are closed and launched anew after this many rendered pages:
#: Chromium's memory creeps up with the pages it has seen; see bench/render.py for the figure.
REDLINE_BROWSER_RESTART_PAGES = 100

# --- reading pages (crawler/reading.py, crawler/fastpath.py, crawler/pool.py) ---
#: Recognise a recheck that shows the latest version exactly without running the extractors
#: (a parse and one walk, instead of the full extraction); anything else is read in full.
REDLINE_FAST_PATH = True
#: Worker processes that read pages (None: one per core this process may use; 0 or 1: read in
#: the crawl's own process, blocking its downloads while each page is read).
REDLINE_EXTRACTION_WORKERS: int | None = None
#: Pages queued to the workers at once, per worker: two keeps each worker busy while the next
#: page crosses the pipe, and bounds what the queue holds to a few pages per core.
REDLINE_EXTRACTION_IN_FLIGHT = 2
#: A worker is replaced after reading this many pages (``max_tasks_per_child``), giving back
#: what lxml and the extractors' caches accumulated; a replacement is a fork of a warm server.
REDLINE_EXTRACTION_TASKS_PER_WORKER = 200
