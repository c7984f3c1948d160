"""Reading discovery sources: which article links a feed, a sitemap or a section page names.

Pure functions over bytes already fetched (no network, no database), so every format quirk can be
tested alone. Each reader returns *candidate* links with the date the source gives for them;
the :class:`ArticleFilter` then decides which candidates are articles of the outlet, in their
canonical form, so one article is one row however it is linked.

A feed or sitemap URL is read by what it serves, not by the list it was configured in (outlets
mix them up, and move from one format to another): :func:`read_listing` sniffs the document and
reads RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed 1 and 1.1 (the stdlib ``json``, as
feedparser 6.0 has no JSON Feed reader), XML sitemaps, sitemap indexes and Google News sitemaps
(Scrapy's streaming parser, made strict), plain-text sitemaps (one URL a line) and a robots.txt's
``Sitemap:``/``Site-map:`` lines (Protego, Scrapy's robots.txt parser); any of them gzipped.

Bad input never raises anything but :class:`UnreadableSource`, whose message says what was wrong in
words that can be shown in ``redline status`` ("not a feed or sitemap …", "malformed sitemap …").
"""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
from protego import Protego
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

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
#: Root elements of the XML feed formats feedparser reads: RSS 0.91-2.0 (``rss``), RSS 0.90 and
#: 1.0 (``rdf:RDF``), Atom 0.3 and 1.0 (``feed``).
FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
#: JSON Feed's version URLs (https://jsonfeed.org/version/1.1), named as feedparser's development
#: branch names them; a later ``…/version/N`` still reads, as ``json``.
JSON_FEED_VERSIONS = {"https://jsonfeed.org/version/1": "json1", "https://jsonfeed.org/version/1.1": "json11"}
#: A robots.txt is told from a plain-text sitemap by its directives (Protego's spellings, typos included).
_ROBOTS_LINE = re.compile(r"^(user-agent|disallow|allow|sitemaps?|site-map|crawl-delay|host)\s*:", re.IGNORECASE)
#: A plain-text sitemap line: one absolute URL (sitemaps.org: "You must fully specify URLs").
_TEXT_SITEMAP_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
#: The UTF-8 byte-order mark some servers put before a sitemap or robots.txt.
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Candidate:
    """A link a source names, with the source's date for it (ISO 8601 UTC) when it gives one."""

    url: str
    lastmod: str | None = None


@dataclass(frozen=True)
class Listing:
    """What a feed or sitemap URL turned out to serve, and the links it names.

    ``format`` is feedparser's name for a feed (``rss20``, ``rss10``, ``atom10``, ``json11`` …) or
    ``urlset``, ``sitemapindex``, ``text`` (a plain-text sitemap) or ``robots`` (a robots.txt).
    With ``index`` the entries are more sitemaps to read, not articles. ``entries`` is consumed
    lazily, so a 50,000-URL sitemap is never held as a list; iterating raises UnreadableSource if the
    document breaks off part-way (the entries before it stand).
    """

    format: str
    entries: Iterator[Candidate]
    index: bool = False


def read_listing(body: bytes, url: str, content_type: str | None, max_size: int) -> Listing:
    """Read a feed or sitemap of any kind redline knows, by sniffing it (gzip at most ``max_size`` unpacked).

    The configured list (``feeds`` or ``sitemaps``) and the Content-Type are only hints outlets get
    wrong, so the document's first bytes decide: ``{`` a JSON Feed, ``<`` an XML feed or sitemap by
    its root element, anything else plain text (a text sitemap or a robots.txt).
    """
    if body.startswith(GZIP_MAGIC):
        body = _gunzipped(body, max_size)
    document = body.removeprefix(UTF8_BOM).lstrip()  # strict XML allows nothing before <?xml
    if not document:
        raise UnreadableSource("empty document: not a feed or sitemap")
    if document.startswith(b"{"):
        return _json_feed(document, url)
    if document.startswith(b"<"):
        root = _root_element(document)
        if root in ("urlset", "sitemapindex"):
            return _xml_sitemap(document, url)
        if root in FEED_ROOTS:
            return _xml_feed(document, url, content_type)
        if root == "html":
            raise UnreadableSource("not a feed or sitemap but an HTML page (list pages of links under sections)")
        raise UnreadableSource(f"not a feed or sitemap (the document is {f'<{root}>' if root else 'broken XML'})")
    return _text_listing(document, url)


def _gunzipped(body: bytes, max_size: int) -> bytes:
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # Scrapy's size guard is a ValueError subclass
        raise UnreadableSource(f"compressed document too large or corrupt ({exc})") from None
    except (OSError, EOFError) as exc:
        raise UnreadableSource(f"corrupt gzip document ({exc})") from None


def _root_element(document: bytes) -> str | None:
    """The local name of the first element (``rdf:RDF`` → ``RDF``), past any prolog; None if unreadable.

    Recovering parse: only the name is wanted here, and HTML served as XML must still be named.
    """
    events = lxml.etree.iterparse(BytesIO(document), events=("start",), recover=True, resolve_entities=False,
                                  no_network=True, remove_comments=True, remove_pis=True)
    try:
        _, root = next(events)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return None
    return lxml.etree.QName(root).localname if isinstance(root.tag, str) else None


# --- feeds ------------------------------------------------------------------------------------

def _xml_feed(body: bytes, url: str, content_type: str | None) -> Listing:
    """The entry links of an RSS or Atom feed (relative links resolved against ``url``).

    A feed with recoverable errors (feedparser's "bozo" flag) still counts when entries were read
    from it: outlets' feeds are often slightly broken, and the links are what matters. A body
    that yields no feed at all (a truncated file) is an error.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise UnreadableSource(f"malformed feed ({problem or 'no feed found'})")
    found = []
    for entry in parsed.entries:
        link = entry.get("link") or _permalink_guid(entry)
        if link:
            found.append(Candidate(urljoin(url, link.strip()), _feed_date(entry)))
    return Listing(parsed.get("version") or "rss", iter(found))


def _permalink_guid(entry: feedparser.FeedParserDict) -> str | None:
    """RSS items may carry their URL only as ``<guid isPermaLink="true">``."""
    guid = entry.get("id") or ""
    return guid if entry.get("guidislink") and guid.startswith(("http://", "https://")) else None


def _feed_date(entry: feedparser.FeedParserDict) -> str | None:
    # dict.get: feedparser's own get() maps a missing updated date to the published one, with a warning
    moment = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
    if not isinstance(moment, time.struct_time):
        return None
    return to_iso(datetime.fromtimestamp(calendar.timegm(moment), UTC))


def _json_feed(body: bytes, url: str) -> Listing:
    """The items of a JSON Feed (https://jsonfeed.org/version/1.1): ``url``, else an ``id`` that is a URL.

    The spec's ``id`` is "ideally the full URL of the resource" but often a number or a hash, so it
    is a link only when it is an absolute http(s) URL, like RSS's permalink ``guid``. Dates are RFC
    3339 (``date_modified``, else ``date_published``).
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnreadableSource(f"malformed JSON Feed ({exc})") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.strip().startswith("https://jsonfeed.org/version/"):
        raise UnreadableSource("not a feed or sitemap (JSON without a JSON Feed version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise UnreadableSource("malformed JSON Feed (no list of items)")
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        ident = _json_text(item.get("id"))
        link = _json_text(item.get("url")) or (ident if ident and ident.startswith(("http://", "https://")) else None)
        if link:
            date = _json_text(item.get("date_modified")) or _json_text(item.get("date_published"))
            found.append(Candidate(urljoin(url, link), parse_w3c_date(date)))
    return Listing(JSON_FEED_VERSIONS.get(version.strip(), "json"), iter(found))


def _json_text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- sitemaps ---------------------------------------------------------------------------------

class _StrictSitemap(Sitemap):
    """Scrapy's streaming sitemap parser, strict, and keeping ``<news:publication_date>``.

    Scrapy parses with ``recover=True``, which reads a truncated or broken sitemap as a good one
    with fewer URLs (none, if it breaks off early) or wrong ones (``?a=1&b=2`` became ``?a=1=2``):
    a failing source recorded as a healthy one. Parsed strictly, the entries before the break
    still stand and the break raises. ``unlocated`` counts entries without a ``<loc>``, which
    Scrapy drops silently. Scrapy's parser reads only direct children of ``<url>`` and clears the
    rest, so the nested Google News date is read before the element is handed on.
    """

    __slots__ = ("unlocated",)

    def __init__(self, xmltext: bytes) -> None:  # Scrapy's, with recover=False and no network
        self.unlocated = 0
        self.xmliter = lxml.etree.iterparse(
            BytesIO(xmltext), recover=False, no_network=True, remove_comments=True, resolve_entities=False,
            remove_blank_text=True, collect_ids=False, remove_pis=True, events=("start", "end"))
        _, root = next(self.xmliter)
        self.type = self._get_tag_name(root)

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict | None:
        published = elem.findtext(f"{{{NEWS_NAMESPACE}}}news/{{{NEWS_NAMESPACE}}}publication_date")
        entry = super()._process_sitemap_element(elem)
        if entry is None or not entry.get("loc"):
            self.unlocated += 1
            return None
        if published and not entry.get("lastmod"):
            entry["lastmod"] = published.strip()
        return entry


def _xml_sitemap(body: bytes, url: str) -> Listing:
    try:
        sitemap = _StrictSitemap(body)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise UnreadableSource(f"malformed sitemap ({_xml_problem(exc)})") from None
    return Listing(sitemap.type, _sitemap_candidates(sitemap, url), index=sitemap.type == "sitemapindex")


def _sitemap_candidates(sitemap: _StrictSitemap, url: str) -> Iterator[Candidate]:
    try:
        for entry in sitemap:
            yield Candidate(urljoin(url, entry["loc"]), parse_w3c_date(entry.get("lastmod")))
    except lxml.etree.XMLSyntaxError as exc:
        raise UnreadableSource(f"malformed sitemap ({_xml_problem(exc)})") from None
    if sitemap.unlocated:
        element = "sitemap" if sitemap.type == "sitemapindex" else "url"
        raise UnreadableSource(f"malformed sitemap ({sitemap.unlocated} <{element}> without a <loc>)")


def _xml_problem(exc: Exception) -> str:
    """lxml's message with its line and column, without the ``(<string>, line 1)`` it appends."""
    return getattr(exc, "msg", None) or str(exc) or "not XML"


def _text_listing(body: bytes, url: str) -> Listing:
    """A plain-text sitemap (one URL a line, UTF-8) or a robots.txt naming sitemaps.

    Lines of a text sitemap that are not URLs are skipped, as other sitemap readers do
    (ultimate-sitemap-parser); a text with no URL line at all is no sitemap. A robots.txt's
    ``Sitemap:`` lines are read with Protego, which also takes ``Site-map:`` and ``Sitemaps:``
    (as Google's parser does), comments and odd spacing; relative ones are resolved against ``url``.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableSource("not a feed or sitemap (text that is not UTF-8)") from None
    lines = [line.strip() for line in text.splitlines()]
    if any(_ROBOTS_LINE.match(line) for line in lines):
        listed = [urljoin(url, link) for link in Protego.parse(text).sitemaps]
        if not listed:
            raise UnreadableSource("a robots.txt without Sitemap: lines")
        return Listing("robots", iter(Candidate(link) for link in listed), index=True)
    links = [line for line in lines if _TEXT_SITEMAP_URL.match(line)]
    if not links:
        raise UnreadableSource("not a feed or sitemap (plain text without a URL a line)")
    return Listing("text", iter(Candidate(link) for link in links))


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
