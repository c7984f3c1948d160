"""A small, realistic news site on 127.0.0.1 for ``redline demo`` and the tests.

The outlet serves articles, RSS/Atom feeds, sitemaps, robots.txt, section/tag/author pages and
redirects, and follows the fixed edit script in :mod:`redline.demo.articles` one :meth:`step`
at a time. Article pages change byte-for-byte on every request (see :mod:`redline.demo.pages`)
so that a crawler which flags churn as an edit is caught out; ``conditional=True`` turns the
churn off and adds ``ETag``/``Last-Modified`` so conditional GET can be shown.

Stdlib only: this must run wherever redline runs, with no network and no extra packages.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import ipaddress
import random
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from redline.demo import pages
from redline.demo.articles import (
    ARTICLES, INITIAL, SCRIPT, Append, Byline, Change, Cut, Headline, Paragraph, Publish, Remove,
    Restore,
)
from redline.demo.pages import Churn, Site, Story

EVENT_KINDS = frozenset({"published", "headline", "body", "removed", "restored", "byline"})
_STATUS_TEXT = {404: "404 Not Found", 410: "410 Gone"}


@dataclass(frozen=True)
class OutletEvent:
    """One scripted change, as the demo narrates it and the tests check it."""

    kind: str  # one of EVENT_KINDS
    url: str
    detail: str


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class SimulatedOutlet:
    """The demo outlet: start it, point the crawler at it, call :meth:`step` to make news."""

    article_pattern: ClassVar[str] = r"/news/\d{4}/\d{2}/[a-z0-9-]+$"

    def __init__(self, seed: int = 0, host: str = "127.0.0.1", port: int = 0,
                 name: str = "Demo Gazette", *, conditional: bool = False) -> None:
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the demo outlet only binds to loopback, not {host!r}")
        self.seed, self.host, self.name, self.conditional = seed, host, name, conditional
        self._port = port
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._requests = 0
        self._step = 0
        start = _utcnow().replace(second=0)
        self._stories: dict[str, Story] = {}  # everything ever published, pulled ones included
        self._pulled: dict[str, int] = {}  # slug -> 404 or 410
        for slug in INITIAL:
            self._publish(slug, start - timedelta(hours=ARTICLES[slug].age_hours))
        self._listing_changed = self._started = start

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> SimulatedOutlet:
        """Serve in a daemon thread; port 0 picks a free port (read it from base_url)."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"outlet": self})
        self._server = _QuietServer((self.host, self._port), handler)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"demo-outlet-{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SimulatedOutlet:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the real port once started)."""
        return f"http://{self.host}:{self._port}"

    @property
    def feed_url(self) -> str:
        return self.base_url + "/rss.xml"

    @property
    def atom_url(self) -> str:
        return self.base_url + "/atom.xml"

    @property
    def sitemap_url(self) -> str:
        return self.base_url + "/sitemap.xml"

    @property
    def news_sitemap_url(self) -> str:
        return self.base_url + "/news-sitemap.xml"

    @property
    def section_url(self) -> str:
        return self.base_url + "/news/"

    @property
    def requests_served(self) -> int:
        with self._lock:
            return self._requests

    def article_urls(self) -> list[str]:
        """Currently published (not pulled) article URLs, newest first."""
        with self._lock:
            return [self.base_url + s.path for s in self._site().stories]

    # --- the script ------------------------------------------------------------------------

    def steps_left(self) -> int:
        with self._lock:
            return len(SCRIPT) - self._step

    def step(self) -> list[OutletEvent]:
        """Apply the next row of the script; ``[]`` once it has run out (churn goes on)."""
        with self._lock:
            if self._step >= len(SCRIPT):
                return []
            changes, now = SCRIPT[self._step], _utcnow()
            self._step += 1
            return [self._apply(change, now) for change in changes]

    def _apply(self, change: Change, now: datetime) -> OutletEvent:
        story = self._stories.get(change.slug)
        if isinstance(change, Publish):
            story = self._publish(change.slug, now)
            self._listing_changed = now
            return self._event("published", story, story.headline)
        assert story is not None, f"script edits {change.slug} before publishing it"
        paras = list(story.paragraphs)
        if isinstance(change, Headline):
            self._listing_changed = now
            self._update(story, now, headline=change.text)
            return self._event("headline", story, f"{story.headline} → {change.text}")
        if isinstance(change, Paragraph):
            paras[change.index] = change.text
            self._update(story, now, paragraphs=tuple(paras))
            return self._event("body", story, f"paragraph {change.index + 1} changed")
        if isinstance(change, Cut):
            del paras[change.index]
            self._update(story, now, paragraphs=tuple(paras))
            return self._event("body", story, f"paragraph {change.index + 1} removed")
        if isinstance(change, Append):
            self._update(story, now, paragraphs=(*paras, change.text))
            return self._event("body", story, f"paragraph {len(paras) + 1} appended")
        if isinstance(change, Byline):
            self._update(story, now, author=change.author)
            return self._event("byline", story, f"{story.author} → {change.author}")
        self._listing_changed = now
        if isinstance(change, Remove):
            self._pulled[change.slug] = change.status
            return self._event("removed", story, _STATUS_TEXT[change.status])
        assert isinstance(change, Restore)
        self._pulled.pop(change.slug, None)
        return self._event("restored", story, "back online")

    def _publish(self, slug: str, when: datetime) -> Story:
        text = ARTICLES[slug]
        story = Story(text=text, path=f"/news/{when:%Y/%m}/{slug}", headline=text.headline,
                      author=text.author, paragraphs=text.paragraphs, published=when, modified=when)
        self._stories[slug] = story
        return story

    def _update(self, story: Story, now: datetime, **fields: object) -> None:
        self._stories[story.text.slug] = replace(story, modified=now, **fields)  # type: ignore[arg-type]

    def _event(self, kind: str, story: Story, detail: str) -> OutletEvent:
        return OutletEvent(kind, self.base_url + story.path, detail)

    def _site(self) -> Site:
        """An immutable snapshot (call with the lock held); pages render from it lock-free."""
        live = [s for slug, s in self._stories.items() if slug not in self._pulled]
        live.sort(key=lambda s: s.published, reverse=True)
        return Site(self.name, self.base_url, tuple(live), self._listing_changed)

    # --- serving ---------------------------------------------------------------------------

    def _respond(self, raw_path: str, request_headers: dict[str, str]) -> _Response:
        with self._lock:
            self._requests += 1
            number, site = self._requests, self._site()
            everything, pulled = dict(self._stories), dict(self._pulled)
        path = unquote(urlsplit(raw_path).path)
        churn = (Churn(random.Random(f"{self.seed}|{path}"), None) if self.conditional
                 else Churn(random.Random(self.seed * 1_000_003 + number), _utcnow()))
        by_path = {s.path: s for s in everything.values()}
        ask = _Ask(request_headers, self.conditional)

        if path in by_path:
            story = by_path[path]
            if story.text.slug in pulled:
                return self._error(site, churn, pulled[story.text.slug])
            return ask.page(pages.article_page(site, story, churn), story.text.charset,
                            max(story.modified, site.updated))
        if path.rstrip("/") in by_path or path == "/news":
            return _redirect(self.base_url + path.rstrip("/") + ("/" if path == "/news" else ""))
        if match := re.fullmatch(r"/redirect/([a-z0-9-]+)/?", path):
            target = everything.get(match.group(1))
            return _redirect(self.base_url + target.path) if target else self._error(site, churn, 404)
        if path in ("/", "/news/"):
            title = "News" if path == "/news/" else "Latest news"
            pick = churn.rng.choice(site.stories) if site.stories else None
            return ask.page(pages.listing_page(site, churn, title, list(site.stories), pick),
                            "utf-8", site.updated)
        if match := re.fullmatch(r"/tags/([a-z0-9-]+)/", path):
            tag = match.group(1)
            if not any(tag in a.tags for a in ARTICLES.values()):
                return self._error(site, churn, 404)
            tagged = [s for s in site.stories if tag in s.text.tags]
            return ask.page(pages.listing_page(site, churn, tag.replace("-", " ").capitalize(),
                                               tagged, None), "utf-8", site.updated)
        if path.startswith("/authors/"):
            names = {a for s in site.stories for a in s.authors if unquote(pages.author_path(a)) == path}
            if not names:
                return self._error(site, churn, 404)
            theirs = [s for s in site.stories if names & set(s.authors)]
            return ask.page(pages.listing_page(site, churn, names.pop(), theirs, None), "utf-8",
                            site.updated)
        if path in _STATIC_PAGES or path.startswith("/private/"):
            title, inner = _STATIC_PAGES.get(path, _STATIC_PAGES["/private/"])
            return ask.page(pages.simple_page(site, churn, title, inner), "utf-8", site.updated)
        if path in _FEEDS:
            render, ctype = _FEEDS[path]
            return _Ask(request_headers, True).send(render(site).encode(), ctype, site.updated)
        if path.startswith("/static/"):
            return self._static(path, request_headers, site)
        return self._error(site, churn, 404)

    def _error(self, site: Site, churn: Churn, status: int) -> _Response:
        title, text = _ERRORS[status]
        body = pages.simple_page(site, churn, title, text).encode()
        return _Response(status, body, [("Content-Type", "text/html; charset=utf-8"),
                                        ("Cache-Control", "no-cache")])

    def _static(self, path: str, request_headers: dict[str, str], site: Site) -> _Response:
        ask, epoch = _Ask(request_headers, True), self._started
        if path == "/static/site.css":
            return ask.send(pages.STYLESHEET.encode(), "text/css", epoch)
        if path == "/static/app.js":
            return ask.send(pages.SCRIPT_JS.encode(), "application/javascript", epoch)
        if match := re.fullmatch(r"/static/img/([a-z0-9-]+)\.svg|/static/(logo)\.svg", path):
            slug = match.group(1) or match.group(2)
            caption = ARTICLES[slug].caption if slug in ARTICLES else self.name
            if slug in ARTICLES or slug == "logo":
                return ask.send(pages.placeholder_image(caption).encode(), "image/svg+xml", epoch)
        return self._error(site, Churn(random.Random(self.seed), None), 404)


_FEEDS = {
    "/rss.xml": (pages.rss, "application/rss+xml; charset=utf-8"),
    "/atom.xml": (pages.atom, "application/atom+xml; charset=utf-8"),
    "/sitemap.xml": (pages.sitemap, "application/xml; charset=utf-8"),
    "/news-sitemap.xml": (pages.news_sitemap, "application/xml; charset=utf-8"),
    "/robots.txt": (pages.robots, "text/plain; charset=utf-8"),
}
_STATIC_PAGES: dict[str, tuple[str, str]] = {
    "/about": ("About us", "<p>We are an independent newsroom covering politics, business and "
               "press freedom across the region.</p><p id=\"privacy\">We use no tracking cookies "
               "without consent.</p><p>Contact: <a href=\"mailto:desk@example.org\">desk@example.org</a></p>"),
    "/login": ("Log in", "<form action=\"/login\" method=\"post\"><label>Email <input type=\"email\" "
               "name=\"email\"></label><label>Password <input type=\"password\" name=\"password\">"
               "</label><button type=\"submit\">Log in</button></form>"),
    "/support": ("Support our journalism", "<p>Choose an amount and a payment method.</p>"),
    "/private/": ("Staff area", "<p>Please log in with your newsroom account.</p>"),
}
_ERRORS = {
    404: ("Page not found", "<p>Sorry, we couldn’t find the page you were looking for.</p>"
          "<p><a href=\"/news/\">Go to the latest news</a></p>"),
    410: ("Article removed", "<p>This article is no longer available.</p>"
          "<p><a href=\"/news/\">Go to the latest news</a></p>"),
}


def _redirect(location: str) -> _Response:
    body = f"<html><body><a href=\"{html.escape(location)}\">Moved</a></body></html>".encode()
    return _Response(301, body, [("Location", location), ("Content-Type", "text/html; charset=utf-8")])


@dataclass
class _Ask:
    """Builds a 200 (or 304) for one request, with validators when ``validate`` is set."""

    request_headers: dict[str, str]
    validate: bool

    def page(self, text: str, charset: str, last_modified: datetime) -> _Response:
        body = text.encode("cp1251" if charset == "windows-1251" else "utf-8", "xmlcharrefreplace")
        return self.send(body, f"text/html; charset={charset}", last_modified)

    def send(self, body: bytes, content_type: str, last_modified: datetime) -> _Response:
        headers = [("Content-Type", content_type), ("Cache-Control", "max-age=0, must-revalidate")]
        if not self.validate:
            return _Response(200, body, headers)
        etag = f'W/"{hashlib.sha1(body).hexdigest()[:20]}"'
        validators = [("ETag", etag), ("Last-Modified", format_datetime(last_modified, usegmt=True))]
        if self._fresh(etag, last_modified):
            return _Response(304, b"", validators + headers[1:])
        return _Response(200, body, headers + validators)

    def _fresh(self, etag: str, last_modified: datetime) -> bool:
        none_match = self.request_headers.get("if-none-match")
        if none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = {t.strip().removeprefix("W/") for t in none_match.split(",")}
            return "*" in tags or etag.removeprefix("W/") in tags
        since = self.request_headers.get("if-modified-since")
        try:
            when = parsedate_to_datetime(since) if since else None
        except (TypeError, ValueError):
            return False
        return when is not None and when.tzinfo is not None and last_modified <= when


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer: all decisions are made by :meth:`SimulatedOutlet._respond`."""

    outlet: ClassVar[SimulatedOutlet]
    protocol_version = "HTTP/1.1"
    timeout = 10

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Stay quiet: the demo prints its own narration."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.outlet._respond(self.path, headers)
        body = response.body
        if ("gzip" in headers.get("accept-encoding", "") and len(body) > 512
                and response.status == 200):
            body = gzip.compress(body, mtime=0)
            response.headers.append(("Content-Encoding", "gzip"))
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Vary", "Accept-Encoding")
        if response.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    """No tracebacks for clients that hang up, and no waiting on idle keep-alive threads."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass
