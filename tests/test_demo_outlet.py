"""The simulated outlet over real HTTP on 127.0.0.1: pages, churn, feeds and the edit script.

These tests pin down what the demo and the end-to-end tests rely on: churn changes the bytes
but never the article text, the scripted edits show up everywhere (page, JSON-LD, feeds,
sitemaps) and the script is the same for every seed.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from redline.demo.articles import SCRIPT
from redline.demo.outlet import EVENT_KINDS, OutletEvent, SimulatedOutlet

RSS_NS = {"dc": "http://purl.org/dc/elements/1.1/"}
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
BOILERPLATE = ("ancestor::aside or ancestor::header or ancestor::footer or ancestor::figure "
               "or ancestor-or-self::*[contains(@class, 'ad-slot') or contains(@class, 'share')]")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects; errors come back as (status, headers, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def charset(headers: dict[str, str]) -> str:
    return headers["Content-Type"].split("charset=")[1]


def norm(text: str) -> str:
    return " ".join(text.split())


def page_text(raw: bytes, headers: dict[str, str]) -> tuple[str, list[str]]:
    """The headline and body paragraphs, as an extractor that skips boilerplate sees them."""
    doc = lxml.html.fromstring(raw.decode(charset(headers)))
    headline = norm(doc.xpath("//article//h1")[0].text_content())
    paragraphs = [norm(p.text_content()) for p in doc.xpath(f"//article//p[not({BOILERPLATE})]")]
    return headline, paragraphs


def text_of(url: str) -> tuple[str, list[str]]:
    _, headers, body = fetch(url)
    return page_text(body, headers)


def json_ld(raw: bytes, headers: dict[str, str]) -> dict[str, object]:
    doc = lxml.html.fromstring(raw.decode(charset(headers)))
    blocks = doc.xpath("//script[@type='application/ld+json']/text()")
    return next(d for d in map(json.loads, blocks) if d.get("@type") == "NewsArticle")


def rss_links(outlet: SimulatedOutlet) -> list[str]:
    root = ET.fromstring(fetch(outlet.feed_url)[2])
    return [item.findtext("link") for item in root.iter("item")]


@pytest.fixture
def outlet() -> Iterator[SimulatedOutlet]:
    with SimulatedOutlet(seed=7) as running:
        yield running


def url_for(outlet: SimulatedOutlet, fragment: str) -> str:
    return next(u for u in outlet.article_urls() if fragment in u)


def test_start_stop_and_context_manager() -> None:
    outlet = SimulatedOutlet(seed=1)
    outlet.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", outlet.base_url)
        status, headers, _ = fetch(outlet.base_url + "/robots.txt")
        assert status == 200 and headers["Server"] == "nginx"
    finally:
        outlet.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(outlet.base_url + "/robots.txt", timeout=2)
    outlet.stop()  # idempotent
    with SimulatedOutlet() as again:
        assert fetch(again.section_url)[0] == 200


def test_only_loopback() -> None:
    with pytest.raises(ValueError):
        SimulatedOutlet(host="0.0.0.0")


def test_robots_private_and_unknown_paths(outlet: SimulatedOutlet) -> None:
    status, _, body = fetch(outlet.base_url + "/robots.txt")
    text = body.decode()
    assert status == 200 and "User-agent: *" in text and "Disallow: /private/" in text
    assert f"Sitemap: {outlet.sitemap_url}" in text
    assert fetch(outlet.base_url + "/private/staff")[0] == 200
    status, headers, body = fetch(outlet.base_url + "/no/such/page")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert b"Page not found" in body


def test_feeds_and_sitemaps_list_the_articles_newest_first(outlet: SimulatedOutlet) -> None:
    urls = outlet.article_urls()
    assert len(urls) == 6
    assert all(re.search(outlet.article_pattern, u) for u in urls)
    assert rss_links(outlet) == urls
    rss = ET.fromstring(fetch(outlet.feed_url)[2])
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    assert all(i.findtext("pubDate") and i.findtext("dc:creator", namespaces=RSS_NS)
               for i in rss.iter("item"))
    atom = ET.fromstring(fetch(outlet.atom_url)[2])
    assert atom.tag == f"{ATOM}feed"
    assert [e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")] == urls
    sitemap = ET.fromstring(fetch(outlet.sitemap_url)[2])
    lastmods = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in sitemap.iter(f"{SM}url")}
    assert set(urls) <= set(lastmods) and all(lastmods[u] for u in urls)
    news = ET.fromstring(fetch(outlet.base_url + "/news-sitemap.xml")[2])
    titles = [u.findtext(f"{NEWS}news/{NEWS}title") for u in news.iter(f"{SM}url")]
    assert len(titles) == 6 and all(titles)


def test_section_page_links_articles_and_other_pages(outlet: SimulatedOutlet) -> None:
    status, headers, body = fetch(outlet.section_url)
    assert status == 200
    doc = lxml.html.fromstring(body.decode(charset(headers)))
    links = {urljoin(outlet.section_url, h) for h in doc.xpath("//a/@href")}
    local = {u for u in links if u.startswith(outlet.base_url)}
    articles = {u for u in local if re.search(outlet.article_pattern, urlsplit(u).path)}
    assert articles == set(outlet.article_urls())
    for other in ("/about", "/login", "/tags/press-freedom/"):
        assert outlet.base_url + other in local
        assert fetch(outlet.base_url + other)[0] == 200
    assert len(local - articles) >= 5


def test_article_bytes_churn_but_text_does_not(outlet: SimulatedOutlet) -> None:
    for url in outlet.article_urls():
        first, second = fetch(url), fetch(url)
        assert first[0] == second[0] == 200
        assert first[2] != second[2]
        assert page_text(first[2], first[1]) == page_text(second[2], second[1])
        assert "ETag" not in first[1] and "Last-Modified" not in first[1]
        headline, paragraphs = page_text(first[2], first[1])
        assert 5 <= len(paragraphs) <= 12
        data = json_ld(first[2], first[1])
        assert data["headline"] == headline
        assert [norm(p) for p in str(data["articleBody"]).split("\n\n")] == paragraphs
        doc = lxml.html.fromstring(first[2].decode(charset(first[1])))
        assert norm(doc.findtext(".//title")) == f"{headline} | Demo Gazette"
        assert doc.xpath("//meta[@property='og:title']/@content") == [headline]
        assert doc.xpath("//link[@rel='canonical']/@href") == [url]
        assert doc.xpath("//meta[@property='article:modified_time']/@content")
        assert doc.xpath("//article//time/@datetime")


def test_windows_1251_page(outlet: SimulatedOutlet) -> None:
    url = url_for(outlet, "v-tbilisi")
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=windows-1251"
    assert b'<meta charset="windows-1251">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "В Тбилиси открылся центр помощи журналистам".encode("cp1251") in body
    others = [u for u in outlet.article_urls() if u != url]
    assert all(charset(fetch(u)[1]) == "utf-8" for u in others)


def test_redirect_and_gzip(outlet: SimulatedOutlet) -> None:
    url = outlet.article_urls()[0]
    status, headers, _ = fetch(outlet.base_url + "/redirect/" + url.rsplit("/", 1)[1])
    assert status == 301 and headers["Location"] == url
    assert fetch(outlet.base_url + "/redirect/no-such-story")[0] == 404
    status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert b"<article" in gzip.decompress(body)


def test_script_steps_show_up_in_pages_and_feeds(outlet: SimulatedOutlet) -> None:
    port_url = url_for(outlet, "port-authority")
    events = outlet.step()
    assert [e.kind for e in events] == ["published", "headline"]
    new_url = events[0].url
    assert rss_links(outlet)[0] == new_url and new_url in outlet.article_urls()
    assert events[1].url == port_url
    status, headers, body = fetch(port_url)
    assert page_text(body, headers)[0] == "Port expansion approved after six-hour meeting"
    assert json_ld(body, headers)["headline"] == "Port expansion approved after six-hour meeting"
    assert b"Port expansion approved" in fetch(outlet.base_url + "/news-sitemap.xml")[2]

    hospital_url = url_for(outlet, "hospital")
    before = text_of(hospital_url)[1]
    [body_event] = outlet.step()
    assert (body_event.kind, body_event.url) == ("body", hospital_url)
    after = text_of(hospital_url)[1]
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(changed) == 1 and "4,200" in changed[0][0] and "3,900" in changed[0][1]

    court_url = url_for(outlet, "ekaterinburge")
    [removed] = outlet.step()
    assert (removed.kind, removed.url) == ("removed", court_url)
    assert fetch(court_url)[0] == 404
    assert court_url not in rss_links(outlet) and court_url not in outlet.article_urls()
    assert court_url.encode() not in fetch(outlet.sitemap_url)[2]
    assert court_url.rsplit("/", 1)[1].encode() not in fetch(outlet.section_url)[2]


def test_whole_script(outlet: SimulatedOutlet) -> None:
    assert outlet.steps_left() == len(SCRIPT) >= 6
    history: list[OutletEvent] = []
    while outlet.steps_left():
        history += outlet.step()
    assert outlet.step() == [] and outlet.steps_left() == 0
    assert {e.kind for e in history} == EVENT_KINDS
    bank = [e.detail for e in history if e.kind == "headline" and "central-bank" in e.url]
    assert len(bank) == 2 and bank[0].split(" → ") == bank[1].split(" → ")[::-1]
    rhine = url_for(outlet, "rhine")
    assert text_of(rhine)[1][-1].startswith("Correction:")
    gone = next(e.url for e in history if e.kind == "removed" and e.detail.startswith("410"))
    assert fetch(gone)[0] == 410
    restored = next(e.url for e in history if e.kind == "restored")
    status, headers, body = fetch(restored)
    assert status == 200 and restored in rss_links(outlet)
    assert not any("Крылова" in p for p in page_text(body, headers)[1])
    status, headers, body = fetch(url_for(outlet, "v-tbilisi"))
    assert "Давид Беридзе" in json.dumps(json_ld(body, headers)["author"], ensure_ascii=False)
    assert fetch(outlet.section_url)[0] == 200  # churn continues after the script


def test_first_three_steps_cover_headline_body_and_removal() -> None:
    outlet = SimulatedOutlet()
    kinds = {e.kind for _ in range(3) for e in outlet.step()}
    assert {"headline", "body", "removed"} <= kinds


def test_script_is_deterministic_and_seed_only_varies_churn() -> None:
    def run(seed: int) -> list[tuple[str, str, str]]:
        outlet = SimulatedOutlet(seed=seed)
        return [(e.kind, urlsplit(e.url).path, e.detail)
                for _ in range(outlet.steps_left()) for e in outlet.step()]

    assert run(1) == run(1) == run(2)
    with SimulatedOutlet(seed=1) as a, SimulatedOutlet(seed=2) as b:
        url_a, url_b = a.article_urls()[0], b.article_urls()[0]
        pa, pb = fetch(url_a), fetch(url_b)
        assert page_text(pa[2], pa[1]) == page_text(pb[2], pb[1])
        assert pa[2].replace(a.base_url.encode(), b"") != pb[2].replace(b.base_url.encode(), b"")


def test_conditional_mode_answers_304() -> None:
    with SimulatedOutlet(conditional=True) as outlet:
        url = url_for(outlet, "hospital")
        status, headers, body = fetch(url)
        assert status == 200 and fetch(url)[2] == body
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert fetch(url, {"If-None-Match": etag})[0] == 304
        assert fetch(url, {"If-Modified-Since": modified})[0] == 304
        assert fetch(outlet.feed_url, {"If-None-Match": fetch(outlet.feed_url)[1]["ETag"]})[0] == 304
        outlet.step()
        outlet.step()  # edits the hospital story's body
        status, headers, _ = fetch(url, {"If-None-Match": etag, "If-Modified-Since": modified})
        assert status == 200 and headers["ETag"] != etag


def test_requests_are_counted_and_quiet(outlet: SimulatedOutlet,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    before = outlet.requests_served
    for path in ("/", "/rss.xml", "/nope", "/private/x"):
        fetch(outlet.base_url + path)
    assert outlet.requests_served == before + 4
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_event_is_frozen() -> None:
    event = OutletEvent("body", "http://127.0.0.1:1/x", "paragraph 2 changed")
    with pytest.raises(AttributeError):
        event.kind = "headline"  # type: ignore[misc]
