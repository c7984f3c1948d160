"""Reading discovery sources: which article links a feed, a sitemap or a section page names.

Pure functions over bytes already fetched (no network, no database), so every format quirk can be
tested alone. Each reader returns *candidate* links with the date the source gives for them;
the :class:`ArticleFilter` then decides which candidates are articles of the outlet, in their
canonical form, so one article is one row however it is linked.

Bad input never raises anything but :class:`UnreadableSource`, whose message says what was wrong in
words that can be shown in ``redline status`` ("not an RSS or Atom feed", "malformed sitemap …").
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from redline.crawler.decode import decode_html, is_html
from redline.core.urls import canonicalize_url, same_host
from redline.core.errors import InvalidURL, NoArticle, UnreadableSource
from redline.core.clock import to_iso

#: Google News sitemap namespace; its ``<news:publication_date>`` dates entries that have no
#: ``<lastmod>`` (Google's own examples omit it).
NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
#: How a gzip stream starts (a ``.xml.gz`` sitemap served as a file, without Content-Encoding;
#: the same test as Scrapy's SitemapSpider).
GZIP_MAGIC = b"\x1f\x8b\x08"


@dataclass(frozen=True)
class Candidate:
    """A link a source names, with the source's date for it (ISO 8601 UTC) when it gives one."""

    url: str
    lastmod: str | None = None


@dataclass(frozen=True)
class SitemapDocument:
    """A parsed sitemap: ``kind`` is ``urlset`` (article links) or ``sitemapindex`` (more sitemaps).

    ``entries`` is consumed lazily, so a 50,000-URL sitemap is never held as a list; iterating
    raises UnreadableSource if the XML breaks off part-way (the entries before it stand).
    """

    kind: str
    entries: Iterator[Candidate]


# --- feeds ------------------------------------------------------------------------------------

def feed_entries(body: bytes, url: str, content_type: str | None = None) -> list[Candidate]:
    """The entry links of an RSS or Atom feed (relative links resolved against ``url``).

    A feed with recoverable errors (feedparser's "bozo" flag) still counts when entries were read
    from it: outlets' feeds are often slightly broken, and the links are what matters. A body
    that yields no feed at all (an HTML page, a truncated file) is an error.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        if not parsed.get("version"):
            raise UnreadableSource("not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
        raise UnreadableSource(f"malformed feed ({problem})")
    found = []
    for entry in parsed.entries:
        link = entry.get("link") or _permalink_guid(entry)
        if link:
            found.append(Candidate(urljoin(url, link.strip()), _feed_date(entry)))
    return found


def _permalink_guid(entry: feedparser.FeedParserDict) -> str | None:
    """RSS items may carry their URL only as ``<guid isPermaLink="true">``."""
    guid = entry.get("id") or ""
    return guid if entry.get("guidislink") and guid.startswith(("http://", "https://")) else None


def _feed_date(entry: feedparser.FeedParserDict) -> str | None:
    # dict.get: feedparser's own get() maps a missing updated date to the published one, with a warning
    moment = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
    if not isinstance(moment, time.struct_time):
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(moment)))


# --- sitemaps ---------------------------------------------------------------------------------

class _NewsSitemap(Sitemap):
    """Scrapy's streaming sitemap parser, also keeping ``<news:publication_date>``.

    Scrapy's parser reads only direct children of ``<url>`` and clears the rest, so the nested
    Google News date would be lost; it is read before the element is handed on.
    """

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict | None:
        published = elem.findtext(f"{{{NEWS_NAMESPACE}}}news/{{{NEWS_NAMESPACE}}}publication_date")
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published and not entry.get("lastmod"):
            entry["lastmod"] = published.strip()
        return entry


def read_sitemap(body: bytes, url: str, max_size: int) -> SitemapDocument:
    """Parse a sitemap or sitemap index (gzip-compressed or not; at most ``max_size`` bytes unpacked)."""
    if body.startswith(GZIP_MAGIC):
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # Scrapy's size guard is a ValueError subclass
            raise UnreadableSource(f"compressed sitemap too large or corrupt ({exc})") from None
        except (OSError, EOFError) as exc:
            raise UnreadableSource(f"corrupt gzip sitemap ({exc})") from None
    try:
        sitemap = _NewsSitemap(body)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise UnreadableSource(f"malformed sitemap ({str(exc) or 'not XML'})") from None
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise UnreadableSource(f"not a sitemap (the document is <{sitemap.type}>)")
    return SitemapDocument(sitemap.type, _sitemap_candidates(sitemap, url))


def robots_sitemaps(body: bytes, url: str) -> SitemapDocument:
    """The ``Sitemap:`` lines of a robots.txt, read as a sitemap index (Scrapy's SitemapSpider convention)."""
    return SitemapDocument("sitemapindex", (Candidate(link) for link in sitemap_urls_from_robots(body, base_url=url)))


def _sitemap_candidates(sitemap: Sitemap, url: str) -> Iterator[Candidate]:
    try:
        for entry in sitemap:
            yield Candidate(urljoin(url, entry["loc"]), parse_w3c_date(entry.get("lastmod")))
    except lxml.etree.XMLSyntaxError as exc:
        raise UnreadableSource(f"malformed sitemap ({exc})") from None


def parse_w3c_date(text: str | None) -> str | None:
    """A sitemap date (W3C datetime: ``2026-11-25``, ``2026-11-25T22:00+03:00`` …) as UTC; None if unreadable."""
    if not text:
        return None
    try:
        return to_iso(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


# --- section pages ----------------------------------------------------------------------------

def section_links(body: bytes, url: str, content_type: str | None = None) -> list[Candidate]:
    """Every ``<a href>`` on an HTML page, absolute (``<base href>`` honoured), in page order."""
    if not body.strip():
        raise UnreadableSource("empty section page")
    if not is_html(body, content_type):
        raise UnreadableSource(f"not an HTML page ({content_type or 'unknown type'})")
    try:
        document = lxml.html.document_fromstring(decode_html(body, content_type).text)
    except (NoArticle, lxml.etree.ParserError) as exc:
        raise UnreadableSource(f"unreadable section page ({exc})") from None
    declared = document.find(".//base[@href]")
    base = urljoin(url, declared.get("href", "").strip()) if declared is not None else url
    return [Candidate(urljoin(base, href.strip())) for anchor in document.iterfind(".//a[@href]")
            if (href := anchor.get("href", ""))]


# --- deciding what is an article ---------------------------------------------------------------

class ArticleFilter:
    """Which candidate links are articles of one outlet, in canonical form.

    ``pattern`` (the outlet's ``article_pattern``) is searched in the canonical URL's path and
    query; without one every link counts, which is right for feeds and sitemaps (their entries
    are articles by definition) and never used for sections (the config requires a pattern).
    """

    def __init__(self, pattern: str | None) -> None:
        self.pattern = re.compile(pattern) if pattern else None

    def article_url(self, link: str, *, host_of: str | None = None) -> str | None:
        """The canonical URL of ``link`` if it is an article (on ``host_of``'s host, when given)."""
        try:
            url = canonicalize_url(link)
        except InvalidURL:  # mailto:, javascript:, malformed
            return None
        if host_of is not None and not same_host(url, host_of):
            return None
        if self.pattern is None:
            return url
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return url if self.pattern.search(target) else None
