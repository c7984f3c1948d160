"""Discovery: article links from feeds, sitemaps and section pages become tracked articles.

The parsing helpers are tested on bytes; the spider runs for real (as a subprocess, see
tests/testkit/run_discovery.py) against a local HTTP server serving files written here, and against the
demo outlet, with a real SQLite file that the ``redline`` command then reads.
"""

from __future__ import annotations

import gzip
import json
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from redline.crawler.discover import ArticleFilter, UnreadableSource, read_listing, section_links
from redline.demo.outlet import SimulatedOutlet

RUNNER = Path(__file__).parent / "testkit" / "run_discovery.py"
SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
RECENT = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+03:00")
ANCIENT = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%d")


def rss(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link>"
                    "<pubDate>Tue, 24 Nov 2026 10:00:00 +0300</pubDate></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'


def atom(*links: str) -> str:
    entries = "".join(f'<entry><id>{link}</id><title>t</title><link rel="alternate" href="{link}"/>'
                      "<updated>2026-11-24T10:00:00.000Z</updated></entry>" for link in links)
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>{entries}</feed>'


def urlset(*entries: tuple[str, str | None], news: bool = False) -> str:
    def one(loc: str, date: str | None) -> str:
        if date and news:
            return (f"<url><loc>{loc}</loc><news:news><news:publication_date>{date}"
                    "</news:publication_date><news:title>t</news:title></news:news></url>")
        return f"<url><loc>{loc}</loc>" + (f"<lastmod>{date}</lastmod>" if date else "") + "</url>"
    body = "".join(one(loc, date) for loc, date in entries)
    return f'<?xml version="1.0"?><urlset {SITEMAP_NS} {NEWS_NS}>{body}</urlset>'


def sitemap_index(*entries: tuple[str, str | None]) -> str:
    body = "".join(f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{date}</lastmod>" if date else "") + "</sitemap>"
                   for loc, date in entries)
    return f'<?xml version="1.0"?><sitemapindex {SITEMAP_NS}>{body}</sitemapindex>'


# --- the parsing helpers, on bytes --------------------------------------------------------------
# Documents in the shapes real publishers and other projects' test suites use: Netscape's RSS 0.90
# and 0.91 (with its DOCTYPE and a Latin-1 body), WordPress's RSS 1.0 (rdf:Seq, dc:date), JSON Feed
# 1 as in feedparser's tests/json/example.json (string ids, attachments) and 1.1 as Jekyll templates
# write it (a hash for id), plain-text sitemaps and robots.txt as in ultimate-sitemap-parser's tests
# (blank and junk lines, " Sitemap:URL   ", byte-order marks, gzip without a .gz name).

def listing(body: str | bytes, url: str = "https://e.com/feed", content_type: str | None = None):
    """Read a document; returns its format, whether it is an index, and its (url, lastmod) entries."""
    read = read_listing(body.encode() if isinstance(body, str) else body, url, content_type, 10**6)
    return read.format, read.index, [(entry.url, entry.lastmod) for entry in read.entries]


RSS_090 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
  <channel><title>Daily</title><link>https://e.com/</link><description>news</description></channel>
  <item><title>One</title><link>https://e.com/news/2026/one</link></item>
</rdf:RDF>"""
RSS_091 = ("""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Daily</title><link>https://e.com/</link><description>news</description>
  <language>fr</language>
  <item><title>Caf\xe9 ferm\xe9</title><link>https://e.com/news/2026/cafe</link><description>\xe0 Paris</description></item>
</channel></rss>""").encode("latin-1")
RSS_10 = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://e.com/"><title>Daily</title><link>https://e.com/</link><description>news</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://e.com/news/2026/rdf"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://e.com/news/2026/rdf"><title>RDF</title><link>https://e.com/news/2026/rdf</link>
    <dc:date>2026-11-24T10:00:00+01:00</dc:date></item>
</rdf:RDF>"""
JSON_FEED_1 = json.dumps({
    "version": "https://jsonfeed.org/version/1", "title": "Daily", "home_page_url": "https://e.com/",
    "feed_url": "https://e.com/feed.json", "author": {"name": "desk"},
    "items": [
        {"id": "2", "title": "Two", "content_text": "second", "url": "https://e.com/news/2026/two",
         "attachments": [{"url": "https://e.com/two.mp4", "mime_type": "video/mp4"}], "tags": ["x"]},
        {"id": "1", "content_html": "<p>Hello</p>", "url": "/news/2026/one"},
    ]})
JSON_FEED_11 = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Daily", "language": "en", "expired": False,
    "items": [
        {"id": "5f1d7a0c", "title": "Hash id", "url": "https://e.com/news/2026/hash",
         "date_published": "2026-11-24T10:00:00-05:00", "date_modified": "2026-11-25T08:30:00.000Z"},
        {"id": "https://e.com/news/2026/by-id", "title": "Only an id", "date_published": "2026-11-24T10:00:00.000Z"},
        {"id": 7, "title": "Neither url nor URL id"},
        "not an item",
    ]})


@pytest.mark.parametrize("body, url, expected", [
    (rss("/news/2026/a?utm_source=x"), "https://e.com/rss.xml",
     ("rss20", [("https://e.com/news/2026/a?utm_source=x", "2026-11-24T07:00:00.000Z")])),
    (atom("https://e.com/news/2026/c"), "https://e.com/atom.xml",
     ("atom10", [("https://e.com/news/2026/c", "2026-11-24T10:00:00.000Z")])),
    ('<rss version="2.0"><channel><item><guid isPermaLink="true">https://e.com/news/2026/d</guid></item>'
     "</channel></rss>",
     "https://e.com/rss", ("rss20", [("https://e.com/news/2026/d", None)])),
    (RSS_090, "https://e.com/rss090", ("rss090", [("https://e.com/news/2026/one", None)])),
    (RSS_091, "https://e.com/rss091", ("rss091n", [("https://e.com/news/2026/cafe", None)])),
    ('<rss version="0.92"><channel><title>x</title><item><description>no title, as 0.92 allows</description>'
     "<link>https://e.com/news/2026/n92</link></item></channel></rss>", "https://e.com/rss092",
     ("rss092", [("https://e.com/news/2026/n92", None)])),
    (RSS_10, "https://e.com/index.rdf", ("rss10", [("https://e.com/news/2026/rdf", "2026-11-24T09:00:00.000Z")])),
    (JSON_FEED_1, "https://e.com/feed.json",
     ("json1", [("https://e.com/news/2026/two", None), ("https://e.com/news/2026/one", None)])),
    (JSON_FEED_11, "https://e.com/feed.json",
     ("json11", [("https://e.com/news/2026/hash", "2026-11-25T08:30:00.000Z"),
                 ("https://e.com/news/2026/by-id", "2026-11-24T10:00:00.000Z")])),
])
def test_feeds_of_every_format_give_their_links_and_dates(body, url, expected):
    fmt, index, entries = listing(body, url, "application/octet-stream")
    assert (fmt, entries) == expected and not index


def test_sitemaps_xml_gzip_news_index_and_plain_text():
    plain = urlset(("https://e.com/news/2026/a", "2026-11-24"), ("https://e.com/news/2026/b", None))
    assert listing(gzip.compress(plain.encode()), "https://e.com/s.xml.gz") == ("urlset", False, [
        ("https://e.com/news/2026/a", "2026-11-24T00:00:00.000Z"), ("https://e.com/news/2026/b", None)])
    news = urlset(("https://e.com/news/2026/c", "2026-11-25T10:00:00+03:00"), news=True)
    assert listing(news)[2] == [("https://e.com/news/2026/c", "2026-11-25T07:00:00.000Z")]
    assert listing(sitemap_index(("/s1.xml", None)), "https://e.com/i.xml") == (
        "sitemapindex", True, [("https://e.com/s1.xml", None)])
    # a byte-order mark and blank lines before the XML declaration (PHP-generated sitemaps)
    assert listing(b"\xef\xbb\xbf\n\n" + plain.encode())[2][0][0] == "https://e.com/news/2026/a"
    text = "\r\nhttps://e.com/news/2026/t1\r\n\r\n\r\n  https://e.com/news/2026/t2  \r\nSome other stuff\r\n"
    expected = ("text", False, [("https://e.com/news/2026/t1", None), ("https://e.com/news/2026/t2", None)])
    assert listing(text, "https://e.com/sitemap.txt", "text/plain") == expected
    assert listing(gzip.compress(text.encode("utf-8-sig")), "https://e.com/sitemap_2.txt.dat") == expected


def test_robots_txt_sitemap_and_site_map_lines_are_an_index():
    robots = ("\ufeffUser-agent: *\nDisallow: /private/\n\n Sitemap:https://e.com/news.xml    \n"
              "Site-map: /archive.xml  # the old spelling\nsitemap: https://e.com/feed.json\n")
    assert listing(robots, "https://e.com/robots.txt", "text/plain") == ("robots", True, [
        ("https://e.com/news.xml", None), ("https://e.com/archive.xml", None), ("https://e.com/feed.json", None)])


@pytest.mark.parametrize("body, problem", [
    (b"", "empty document"),
    (b"\x00\x01garbage", "not a feed or sitemap"),
    (b"<html><body>Sitemap moved</body></html>", "not a feed or sitemap but an HTML page"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     r"not a feed or sitemap \(the document is <svg>\)"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti', "malformed feed"),
    (b'{"data": [1, 2]}', "JSON without a JSON Feed version"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": ', "malformed JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1", "title": "x"}', "malformed JSON Feed"),
    (b"User-agent: *\nDisallow: /private/\n", "a robots.txt without Sitemap: lines"),
    (b"Service temporarily unavailable\n", "plain text without a URL a line"),
    ("Nouvelles à la une".encode("latin-1"), "text that is not UTF-8"),
    (f'<urlset {SITEMAP_NS}><url><lo'.encode(), "malformed sitemap"),
    (b"<urlset><url><loc>https://e.com/news?a=1&b=2</loc></url></urlset>", r"malformed sitemap \(EntityRef"),
    (b"<urlset><url><lastmod>2026-11-24</lastmod></url><url><loc> </loc></url></urlset>",
     r"malformed sitemap \(2 <url> without a <loc>\)"),
    (gzip.compress(b"<urlset>" + b"<url><loc>https://e.com/x</loc></url>" * 100 + b"</urlset>"), "too large"),
    (b"\x1f\x8b\x08broken", "corrupt"),
])
def test_unreadable_feeds_and_sitemaps_raise_a_discovery_error(body, problem):
    with pytest.raises(UnreadableSource, match=problem):
        list(read_listing(body, "https://e.com/sitemap.xml", "application/xml", max_size=1000).entries)


def test_a_sitemap_that_breaks_off_keeps_the_entries_before_the_break():
    truncated = urlset(*((f"https://e.com/news/2026/p{n}", None) for n in range(3)))[:-30]
    entries = read_listing(truncated.encode(), "https://e.com/s.xml", None, 10**6).entries
    assert [next(entries).url for _ in range(2)] == ["https://e.com/news/2026/p0", "https://e.com/news/2026/p1"]
    with pytest.raises(UnreadableSource, match="malformed sitemap"):
        list(entries)


def test_section_links_are_absolute_and_honour_base_href():
    page = b'<html><head><base href="/world/"></head><body><a href="a">A</a><a href="/b#top">B</a></body></html>'
    assert [c.url for c in section_links(page, "https://e.com/news/")] == [
        "https://e.com/world/a", "https://e.com/b#top"]
    with pytest.raises(UnreadableSource, match="not an HTML page"):
        section_links(b"%PDF-1.4 ...", "https://e.com/news/", "application/pdf")


def test_article_filter_canonicalises_matches_path_and_query_and_checks_the_host():
    articles = ArticleFilter(r"/news/\d{4}/|[?&]story=")
    assert articles.article_url("HTTPS://E.com/news/2026/a?utm_medium=rss&fbclid=1#c") == "https://e.com/news/2026/a"
    assert articles.article_url("https://e.com/read?story=7") == "https://e.com/read?story=7"
    assert articles.article_url("https://e.com/about") is None
    assert articles.article_url("mailto:desk@e.com") is None
    assert articles.article_url("https://other.org/news/2026/a", host_of="https://www.e.com/") is None
    assert articles.article_url("https://e.com/news/2026/a", host_of="https://www.e.com/") == "https://e.com/news/2026/a"
    assert ArticleFilter(None).article_url("https://e.com/anything") == "https://e.com/anything"


# --- the spider and pipeline, for real ----------------------------------------------------------

def discover(db: Path, config: Path, *extra: str) -> tuple[dict, str]:
    """Run discovery once; returns its stats and its log."""
    done = subprocess.run([sys.executable, str(RUNNER), str(db), str(config), *extra],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout), done.stderr


def free_port() -> int:
    """A local port nothing listens on (bound, read, released): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(path: Path, outlets: list[dict]) -> Path:
    def value(v: object) -> str:
        return json.dumps(v)  # a JSON string or list of strings is valid TOML
    text = "".join("[[outlets]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in outlet.items()) + "\n"
                   for outlet in outlets)
    path.write_text(text, encoding="utf-8")
    return path


def tracked(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, outlet FROM articles"))


def source_rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in conn.execute("SELECT * FROM sources")}


def test_feeds_sitemaps_and_sections_are_discovered_once_each_and_failures_recorded(site, tmp_path, redline):
    a = site.url("/news/2026/11/a")
    site.set("/rss.xml", rss(a + "?utm_source=rss&utm_medium=feed", "/news/2026/11/b#comments", "/about"),
             content_type="application/rss+xml", etag='"rss-1"')
    site.set("/atom.xml", atom(site.url("/news/2026/11/c")), content_type="application/atom+xml")
    site.set("/old-feed", b"", status=301, headers={"Location": site.url("/atom.xml")})
    site.set("/broken.xml", "<html><body><p>Our feed has moved</p></body></html>")
    site.set("/sitemap-index.xml", sitemap_index(
        (site.url("/sitemap-news.xml"), None), (site.url("/sitemap-recent.xml.gz"), RECENT),
        (site.url("/sitemap-2019.xml"), ANCIENT)), content_type="application/xml", etag='"index-1"')
    site.set("/sitemap-news.xml", urlset((site.url("/news/2026/11/d"), RECENT), news=True),
             content_type="application/xml")
    site.set("/sitemap-recent.xml.gz", gzip.compress(urlset(
        (site.url("/news/2026/11/e"), RECENT), (site.url("/news/2026/11/old"), ANCIENT),
        (site.url("/tags/politics/"), RECENT)).encode()), content_type="application/x-gzip")
    site.set("/sitemap-2019.xml", urlset((site.url("/news/2019/01/ancient"), None)), content_type="application/xml")
    site.set("/news/", f"""<html><body><nav><a href="/">Home</a><a href="/about">About</a></nav>
        <a href="/news/2026/11/f?utm_campaign=x#top">F</a><a href="2026/11/g">G (relative)</a>
        <a href="{a}">A again</a><a href="https://other.example/news/2026/11/h">elsewhere</a>
        <a href="javascript:void(0)">menu</a><a href="mailto:desk@example.com">mail</a></body></html>""")
    config = write_config(tmp_path / "redline.toml", [{
        "name": "Daily",
        "feeds": [site.url("/rss.xml"), site.url("/old-feed"), site.url("/broken.xml"), site.url("/missing.xml")],
        "sitemaps": [site.url("/sitemap-index.xml")],
        "sections": [site.url("/news/"), site.url("/private/section")],
        "article_pattern": r"/news/\d{4}/\d{2}/[a-z]+$",
    }])
    redline("track", site.url("/news/2026/11/c?utm_source=newsletter"))  # known before discovery

    stats, log = discover(redline.db, config)

    expected = {site.url(f"/news/2026/11/{slug}") for slug in "abdefg"}
    assert tracked(redline.db) == {**{url: "Daily" for url in expected}, site.url("/news/2026/11/c"): None}
    assert stats["redline/discovered/new"] == 6
    assert stats["redline/discovered/known"] == 1
    assert stats["redline/discovered/failed_sources"] == 3
    assert site.requests_for("/sitemap-2019.xml") == []  # older than the horizon: not even fetched
    assert f"discovered {site.url('/news/2026/11/a')} (Daily, feed)" in log
    assert "Daily: 6 new, 1 already tracked; 6 of 9 sources read, 3 failed" in log

    rows = source_rows(redline.db)
    assert rows[site.url("/broken.xml")]["last_error"].startswith("not a feed or sitemap but an HTML page")
    assert rows[site.url("/missing.xml")]["last_error"] == "HTTP 404"
    assert rows[site.url("/private/section")]["last_error"] == "forbidden by the site's robots.txt"
    assert f"feed {site.url('/broken.xml')} (Daily) failed: not a feed or sitemap but an HTML page" in log
    assert rows[site.url("/old-feed")]["last_outcome"] == "ok"  # the redirect was followed
    assert (rows[site.url("/rss.xml")]["links_found"], rows[site.url("/rss.xml")]["links_new"]) == (2, 2)
    assert rows[site.url("/sitemap-index.xml")]["etag"] is None
    assert rows[site.url("/sitemap-recent.xml.gz")]["links_found"] == 1

    # the second run asks conditionally where it can, finds nothing new, and counts failures on
    site.set("/sitemap-news.xml", urlset((site.url("/news/2026/11/d"), RECENT), (site.url("/news/2026/11/i"), RECENT),
                                         news=True), content_type="application/xml")
    stats, log = discover(redline.db, config)
    assert site.requests_for("/rss.xml")[-1].get("If-None-Match") == '"rss-1"'
    assert "If-None-Match" not in site.requests_for("/sitemap-index.xml")[-1]  # indexes are always read
    assert stats == {"redline/discovered/new": 1, "redline/discovered/known": 6,
                     "redline/discovered/failed_sources": 3}
    assert site.url("/news/2026/11/i") in tracked(redline.db)
    rows = source_rows(redline.db)
    assert rows[site.url("/rss.xml")]["last_outcome"] == "not_modified"
    assert rows[site.url("/missing.xml")]["failure_streak"] == 2
    assert rows[site.url("/rss.xml")]["failure_streak"] == 0

    # discovered articles are ordinary tracked articles, found by any link to them
    assert redline("history", a + "?utm_source=twitter", "--json").json()["versions"] == []


def test_sitemap_limits_bound_the_work(site, tmp_path, redline):
    site.set("/index.xml", sitemap_index(*((site.url(f"/day-{n}.xml"), f"2026-11-{10 + n}") for n in range(5))),
             content_type="application/xml")
    for n in range(5):
        site.set(f"/day-{n}.xml", urlset((site.url(f"/news/2026/11/day{n}"), None)), content_type="application/xml")
    site.set("/nested.xml", sitemap_index((site.url("/deeper.xml"), None)), content_type="application/xml")
    site.set("/deeper.xml", sitemap_index((site.url("/deepest.xml"), None)), content_type="application/xml")
    site.set("/deepest.xml", sitemap_index((site.url("/day-0.xml"), None)), content_type="application/xml")
    big = urlset(*((site.url(f"/news/2026/11/story{n}"), None) for n in range(1000)))
    site.set("/big.xml.gz", gzip.compress(big.encode()), content_type="application/octet-stream")
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\nSitemap: /listed-in-robots.xml\n",
             content_type="text/plain")
    site.set("/listed-in-robots.xml", urlset((site.url("/news/2026/11/robots"), None)), content_type="application/xml")
    config = write_config(tmp_path / "redline.toml", [
        {"name": "Robots", "sitemaps": [site.url("/robots.txt")], "discover_max_age": "100000d"},
        {"name": "Index", "sitemaps": [site.url("/index.xml")], "discover_max_age": "100000d"},
        {"name": "Big", "sitemaps": [site.url("/big.xml.gz")]},
        {"name": "Deep", "sitemaps": [site.url("/nested.xml")]},
    ])

    stats, log = discover(redline.db, config, "--set", "REDLINE_SITEMAPS_PER_OUTLET=3", "--set", "REDLINE_DISCOVERY_BATCH=64")

    urls = tracked(redline.db)
    # the newest three of five listed sitemaps
    assert {u for u, o in urls.items() if o == "Index"} == {site.url(f"/news/2026/11/day{n}") for n in (4, 3, 2)}
    assert "Index: more sitemaps listed than REDLINE_SITEMAPS_PER_OUTLET (3)" in log
    # index → index → index: the third level is not followed
    assert "nested more than 2 levels deep" in source_rows(redline.db)[site.url("/deepest.xml")]["last_error"]
    assert "Deep" not in urls.values()
    assert sum(1 for o in urls.values() if o == "Big") == 1000
    assert urls[site.url("/news/2026/11/robots")] == "Robots"  # robots.txt read as a sitemap index
    assert stats["redline/discovered/new"] == 1004


def test_every_published_demo_article_is_discovered_and_nothing_else(tmp_path, redline):
    with SimulatedOutlet(seed=3, conditional=True) as outlet:
        config = write_config(tmp_path / "redline.toml", [{
            "name": outlet.name,
            "feeds": [outlet.feed_url, outlet.atom_url],
            "sitemaps": [outlet.sitemap_url, outlet.news_sitemap_url],
            "sections": [outlet.section_url],
            "article_pattern": outlet.article_pattern,
        }])
        discover(redline.db, config)
        assert set(tracked(redline.db)) == set(outlet.article_urls())

        while outlet.steps_left() and not any(event.kind == "published" for event in outlet.step()):
            pass
        stats, log = discover(redline.db, config)
        assert set(tracked(redline.db)) == set(outlet.article_urls())
        assert stats["redline/discovered/new"] == 1
    assert "failed" not in log.replace("0 failed", "")


def test_feeds_and_sitemaps_are_read_by_what_they_serve_not_by_the_list_they_are_in(site, tmp_path, redline):
    story = lambda slug: site.url(f"/news/2026/11/{slug}")  # noqa: E731 - a local shorthand
    site.set("/feed.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Daily", "items": [
        {"id": "a1", "url": "/news/2026/11/json", "date_published": RECENT.replace("+03:00", "Z")}]}),
        content_type="application/feed+json")
    site.set("/feed-v1.json", json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Daily",
                                          "items": [{"id": story("json-v1")}]}), content_type="application/json")
    site.set("/news-sitemap.xml", urlset((story("listed-as-feed"), RECENT), news=True), content_type="application/xml")
    site.set("/rss.xml", rss(story("rss-as-sitemap")), content_type="application/rss+xml")
    site.set("/atom.xml", atom(story("atom-as-sitemap")), content_type="application/atom+xml")
    site.set("/sitemap.txt", f"\n{story('text-1')}\n\n{story('text-2')}\n", content_type="text/plain")
    site.set("/sitemap_2.txt.dat", gzip.compress(f"{story('text-gz')}\n".encode()), content_type="application/x-gzip")
    site.set("/sitemap-encoded.xml", gzip.compress(urlset((story("encoded"), RECENT)).encode()),
             content_type="application/xml", headers={"Content-Encoding": "gzip"})
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\nSite-map: /from-robots.txt\n",
             content_type="text/plain")
    site.set("/from-robots.txt", f"{story('via-site-map')}\n", content_type="text/plain")
    feeds = ["/feed.json", "/feed-v1.json", "/news-sitemap.xml"]
    sitemaps = ["/rss.xml", "/atom.xml", "/sitemap.txt", "/sitemap_2.txt.dat", "/sitemap-encoded.xml", "/robots.txt"]
    config = write_config(tmp_path / "redline.toml", [{
        "name": "Daily", "feeds": [site.url(f) for f in feeds], "sitemaps": [site.url(s) for s in sitemaps]}])

    stats, log = discover(redline.db, config)

    slugs = ("json", "json-v1", "listed-as-feed", "rss-as-sitemap", "atom-as-sitemap", "text-1", "text-2", "text-gz",
             "encoded", "via-site-map")
    assert set(tracked(redline.db)) == {story(slug) for slug in slugs}
    assert stats.get("redline/discovered/failed_sources", 0) == 0, log
    rows = source_rows(redline.db)
    assert {url: row["last_outcome"] for url, row in rows.items()} == {
        site.url(path): "ok" for path in [*feeds, *sitemaps, "/from-robots.txt"]}
    assert rows[site.url("/sitemap.txt")]["links_found"] == 2


def test_every_unreadable_source_is_failing_in_status(site, tmp_path, redline):
    site.set("/truncated.xml", urlset(*((site.url(f"/news/2026/11/t{n}"), None) for n in range(3)))[:-40],
             content_type="application/xml")
    site.set("/ampersand.xml", urlset((site.url("/news/2026/11/q?a=1&b=2"), None)), content_type="application/xml")
    site.set("/moved.xml", "<html><body><p>Our sitemap has moved</p></body></html>")
    site.set("/rules.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.set("/data.json", '{"status": "ok", "stories": []}', content_type="application/json")
    site.set("/empty.xml", "", content_type="application/rss+xml")
    sitemaps = [site.url(p) for p in ("/truncated.xml", "/ampersand.xml", "/moved.xml", "/rules.txt")]
    feeds = [site.url("/data.json"), site.url("/empty.xml")]
    config = write_config(tmp_path / "redline.toml", [{"name": "Broken", "feeds": feeds, "sitemaps": sitemaps}])
    env = {"REDLINE_CONFIG": str(config)}

    redline("crawl", "--once", env=env)

    assert {site.url("/news/2026/11/t0"), site.url("/news/2026/11/t1")} <= set(tracked(redline.db))  # before the break
    summary = redline("status", "--json", env=env).json()
    errors = {row["url"]: row["error"] for row in summary["failing_sources"]}
    assert set(errors) == {*sitemaps, *feeds}
    assert errors[site.url("/truncated.xml")].startswith("malformed sitemap")
    assert errors[site.url("/ampersand.xml")].startswith("malformed sitemap (EntityRef")
    assert errors[site.url("/moved.xml")].startswith("not a feed or sitemap but an HTML page")
    assert errors[site.url("/rules.txt")] == "a robots.txt without Sitemap: lines"
    assert errors[site.url("/data.json")] == "not a feed or sitemap (JSON without a JSON Feed version)"
    assert errors[site.url("/empty.xml")].startswith("empty document")
    shown = redline("status", env=env).stdout
    assert "failing feeds, sitemaps and sections" in shown and all(url in shown for url in errors)


def test_an_unreachable_https_host_is_one_line_in_the_log_and_a_failing_source(tmp_path, redline):
    unreachable = f"https://127.0.0.1:{free_port()}/sitemap.xml"
    config = write_config(tmp_path / "redline.toml", [{"name": "Gone", "sitemaps": [unreachable]}])
    env = {"REDLINE_CONFIG": str(config)}

    crawl = redline("crawl", "--once", env=env)

    assert "Traceback" not in crawl.stderr, crawl.stderr
    robots = [line for line in crawl.stderr.splitlines() if "/robots.txt could not be downloaded" in line]
    assert len(robots) == 1 and "(connection refused)" in robots[0], crawl.stderr
    assert f"sitemap {unreachable} (Gone) failed: connection refused" in crawl.stderr
    [failing] = redline("status", "--json", env=env).json()["failing_sources"]
    assert (failing["url"], failing["error"]) == (unreachable, "connection refused")


def test_the_discovery_horizon_is_a_setting_shown_in_status(site, tmp_path, redline):
    def days_ago(days: int) -> str:
        return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d")

    for name in ("default", "long", "kept"):
        site.set(f"/{name}.xml", urlset(*((site.url(f"/news/{name}/{age}d"), days_ago(age)) for age in (1, 200, 400))),
                 content_type="application/xml")
    site.set("/index.xml", sitemap_index((site.url("/old-month.xml"), days_ago(200))), content_type="application/xml")
    config = tmp_path / "redline.toml"
    config.write_text(f"""
[[outlets]]
name = "Default"
sitemaps = ["{site.url('/default.xml')}", "{site.url('/index.xml')}"]

[[outlets]]
name = "Long"
sitemaps = ["{site.url('/long.xml')}"]
discover_max_age = "1000d"

[[outlets]]
name = "Kept"
sitemaps = ["{site.url('/kept.xml')}"]
[outlets.schedule]
stop_after = "300d"
""", encoding="utf-8")

    discover(redline.db, config)

    found = tracked(redline.db)
    assert {url for url, outlet in found.items() if outlet == "Default"} == {site.url("/news/default/1d")}
    assert site.requests_for("/old-month.xml") == []  # an index's sitemaps are dated too
    assert {url for url, outlet in found.items() if outlet == "Long"} == {
        site.url(f"/news/long/{age}d") for age in (1, 200, 400)}
    assert {url for url, outlet in found.items() if outlet == "Kept"} == {
        site.url(f"/news/kept/{age}d") for age in (1, 200)}  # the default follows stop_after
    env = {"REDLINE_CONFIG": str(config)}
    assert redline("status", "--json", env=env).json()["discover_max_age"] == {
        "Default": 90 * 86400, "Long": 1000 * 86400, "Kept": 300 * 86400}
    table = redline("status", env=env).stdout.splitlines()
    header = next([c.strip() for c in line.split("┃")[1:-1]] for line in table if "discovers back to" in line)
    cells = {row[0]: row for line in table if (row := [c.strip() for c in line.split("│")[1:-1]])}
    column = header.index("discovers back to")
    assert [cells[name][column] for name in ("Default", "Long", "Kept")] == ["90d", "1000d", "300d"]

    config.write_text('discover_max_age = "45d"\n[[outlets]]\nname = "Any"\nsitemaps = ["https://e.com/s.xml"]\n')
    assert redline("status", "--json", env=env).json()["discover_max_age"] == {"Any": 45 * 86400}
    for bad in ('"0d"', '"soon"', "true"):
        config.write_text(f'[[outlets]]\nname = "Any"\ndiscover_max_age = {bad}\n')
        refused = redline("status", env=env, check=False)
        assert refused.returncode != 0 and "outlets[0].discover_max_age" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
