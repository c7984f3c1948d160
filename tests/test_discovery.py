"""Discovery: article links from feeds, sitemaps and section pages become tracked articles.

The parsing helpers are tested on bytes; the spider runs for real (as a subprocess, see
tests/testkit/run_discovery.py) against a local HTTP server serving files written here, and against the
demo outlet, with a real SQLite file that the ``redline`` command then reads.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from redline.crawler.discover import ArticleFilter, UnreadableSource, feed_entries, read_sitemap, section_links
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
                      "<updated>2026-11-24T10:00:00Z</updated></entry>" for link in links)
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

def test_feed_entries_read_rss_and_atom_with_dates_and_relative_links():
    entries = feed_entries(rss("/news/2026/a?utm_source=x", "https://e.com/news/2026/b").encode(),
                           "https://e.com/rss.xml")
    assert [e.url for e in entries] == ["https://e.com/news/2026/a?utm_source=x", "https://e.com/news/2026/b"]
    assert entries[0].lastmod == "2026-11-24T07:00:00Z"
    [entry] = feed_entries(atom("https://e.com/news/2026/c").encode(), "https://e.com/atom.xml")
    assert (entry.url, entry.lastmod) == ("https://e.com/news/2026/c", "2026-11-24T10:00:00Z")
    guid_only = ('<rss version="2.0"><channel><item><guid isPermaLink="true">https://e.com/news/2026/d</guid>'
                 "</item></channel></rss>")
    assert [e.url for e in feed_entries(guid_only.encode(), "https://e.com/rss")] == ["https://e.com/news/2026/d"]


@pytest.mark.parametrize("body, problem", [
    (b"<html><body><h1>Welcome</h1><p>Not a feed</body></html>", "not an RSS or Atom feed"),
    (b"", "not an RSS or Atom feed"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti', "malformed feed"),
])
def test_unreadable_feeds_raise_a_discovery_error(body, problem):
    with pytest.raises(UnreadableSource, match=problem):
        feed_entries(body, "https://e.com/rss.xml", "text/html")


def test_sitemaps_plain_gzip_news_and_index():
    plain = urlset(("https://e.com/news/2026/a", "2026-11-24"), ("https://e.com/news/2026/b", None))
    document = read_sitemap(gzip.compress(plain.encode()), "https://e.com/s.xml.gz", 10**6)
    assert document.kind == "urlset"
    assert [(e.url, e.lastmod) for e in document.entries] == [
        ("https://e.com/news/2026/a", "2026-11-24T00:00:00Z"), ("https://e.com/news/2026/b", None)]
    news = urlset(("https://e.com/news/2026/c", "2026-11-25T10:00:00+03:00"), news=True)
    assert [e.lastmod for e in read_sitemap(news.encode(), "https://e.com/n.xml", 10**6).entries] == [
        "2026-11-25T07:00:00Z"]
    index = read_sitemap(sitemap_index(("https://e.com/s1.xml", None)).encode(), "https://e.com/i.xml", 10**6)
    assert index.kind == "sitemapindex" and [e.url for e in index.entries] == ["https://e.com/s1.xml"]


@pytest.mark.parametrize("body, problem", [
    (b"", "malformed sitemap"),
    (b"\x00\x01garbage", "malformed sitemap"),
    (b"<html><body>Sitemap moved</body></html>", "not a sitemap"),
    (gzip.compress(b"<urlset>" + b"<url><loc>https://e.com/x</loc></url>" * 100 + b"</urlset>"), "too large"),
    (b"\x1f\x8b\x08broken", "corrupt"),
])
def test_unreadable_sitemaps_raise_a_discovery_error(body, problem):
    with pytest.raises(UnreadableSource, match=problem):
        list(read_sitemap(body, "https://e.com/sitemap.xml", max_size=1000).entries)


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
    assert rows[site.url("/broken.xml")]["last_error"].startswith("not an RSS or Atom feed")
    assert rows[site.url("/missing.xml")]["last_error"] == "HTTP 404"
    assert rows[site.url("/private/section")]["last_error"] == "forbidden by the site's robots.txt"
    assert f"feed {site.url('/broken.xml')} (Daily) failed: not an RSS or Atom feed" in log
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
        {"name": "Robots", "sitemaps": [site.url("/robots.txt")]},
        {"name": "Index", "sitemaps": [site.url("/index.xml")]},
        {"name": "Big", "sitemaps": [site.url("/big.xml.gz")]},
        {"name": "Deep", "sitemaps": [site.url("/nested.xml")]},
    ])

    stats, log = discover(redline.db, config, "--max-age-days", "100000",
                          "--set", "REDLINE_SITEMAPS_PER_OUTLET=3", "--set", "REDLINE_DISCOVERY_BATCH=64")

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
