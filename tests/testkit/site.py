"""The local site and the command runner the tests share: a real HTTP server on 127.0.0.1 whose
pages tests change between crawls, and the ``redline`` command run as a subprocess, as users run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REDLINE = Path(sys.executable).with_name("redline")


@dataclass
class Page:
    """One route of the local site: what it answers, and the validators it honours."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    etag: str | None = None
    #: Seconds the server waits before answering (a slow host).
    delay: float = 0.0
    #: ``(cookie, page)``: a consent wall answered instead unless the request sends that cookie.
    wall: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class Visit:
    """One request the site served: its path, when it arrived and when the answer was sent (epoch s)."""

    path: str
    arrived: float
    answered: float


class LocalSite:
    """A threaded HTTP server whose routes tests set and change: ``site.set(path, html)``."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.visits: list[Visit] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                arrived = time.time()
                with site.lock:
                    site.requests.append((self.path, dict(self.headers)))
                    page = site.pages.get(self.path)
                if page is None:
                    page = Page(b"<html><body><h1>Not found</h1></body></html>", status=404)
                if page.wall and page.wall[0] not in (self.headers.get("Cookie") or "").split("; "):
                    page = Page(page.wall[1], headers=page.headers)
                if page.delay:
                    time.sleep(page.delay)
                try:
                    self._answer(page)
                finally:
                    with site.lock:
                        site.visits.append(Visit(self.path, arrived, time.time()))

            def _answer(self, page: Page) -> None:
                if page.etag and self.headers.get("If-None-Match") == page.etag:
                    self.send_response(304)
                    self.send_header("ETag", page.etag)
                    self.end_headers()
                    return
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                if page.etag:
                    self.send_header("ETag", page.etag)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: str | bytes, status: int = 200, *, charset: str = "utf-8",
            content_type: str | None = None, etag: str | None = None,
            headers: dict[str, str] | None = None, delay: float = 0.0,
            wall: tuple[str, str] | None = None) -> str:
        raw = body.encode(charset) if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type or f"text/html; charset={charset}", **(headers or {})}
        with self.lock:
            self.pages[path] = Page(raw, status, all_headers, etag, delay,
                                    (wall[0], wall[1].encode(charset)) if wall else None)
        return self.url(path)

    def visits_to(self, prefix: str) -> list[Visit]:
        """The requests served for paths starting with ``prefix``, in the order they arrived."""
        with self.lock:
            return sorted((v for v in self.visits if v.path.startswith(prefix)), key=lambda v: v.arrived)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_for(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [headers for p, headers in self.requests if p == path]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


class Redline:
    """Runs the installed ``redline`` command against one database file."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __call__(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> Result:
        command = [str(REDLINE), "--db", str(self.db), *args]
        if args and args[0] == "crawl":  # a local site: no politeness pause, unless the test sets its own
            command += [arg for option, value in (("--delay", "0"), ("--concurrency", "8")) if option not in args
                        for arg in (option, value)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(f"redline {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return result


@contextmanager
def running_site(robots: str | None = None) -> Iterator[LocalSite]:
    """A started :class:`LocalSite` (with ``robots`` as its robots.txt, if given), stopped afterwards."""
    site = LocalSite()
    if robots is not None:
        site.set("/robots.txt", robots, content_type="text/plain")
    site.start()
    try:
        yield site
    finally:
        site.stop()
