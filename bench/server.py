"""A local outlet for the performance benchmarks: corpus pages at many URLs, with or without churn.

``/a/<n>`` serves corpus page ``n % len(pages)``, so 500 (or 100 000) distinct URLs cycle over the
~120 corpus pages.  Each page is parsed once at start-up into a :class:`Template`: its HTML with
*slots* for page chrome, both outside the article (``<head>``, footer) and inside it, next to the
article's paragraphs (an "updated" timestamp, an ad with a script nonce, a related-stories list).
Filling the slots is a byte join, so the server stays cheap next to the tools being measured.

Modes (:data:`MODES`):

- ``churn``: every response fills the slots with new chrome (request number, time, nonce, rotating
  ad and related links) while the story itself never changes;
- ``etag``: stable bytes with an ``ETag``, answering ``If-None-Match`` with 304;
- ``same``: the same stable bytes, no validators at all (a tool must compare the body itself).

Edits (any mode): :meth:`Outlet.edit` moves one article to its next *edit generation*, and
``edit_every`` moves every article on by itself, each at its own phase; generation ``g > 0``
appends a sentence "Update g: …" to the story's middle paragraph, a real change of its text.

Hosts: ``Outlet(..., hosts=50)`` serves from 50 loopback addresses (127.0.0.2 …, one server each;
article ``n`` on host ``n % hosts``), so a crawler's per-host politeness slots are real on one machine.

``rel=canonical`` links are removed: several URLs share one corpus page here, and redline would
rightly merge articles naming the same same-host canonical URL, doing less work than a real outlet.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/server.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.etree  # noqa: E402
import lxml.html  # noqa: E402

from bench.corpus import corpus_dir, load_manifest, page_bytes  # noqa: E402

MODES = ("churn", "etag", "same")
#: A ``<p>`` with at least this many characters of text is taken as one of the article's paragraphs
#: (captions, bylines and teaser lines are shorter); chosen by looking at the corpus pages.
MIN_PARAGRAPH_CHARS = 80
#: Request numbers start here so the stable modes (request 0) never equal a churned response.
FIRST_REQUEST = 1
PAGE_PREFIX = "/a/"
ROBOTS = b"User-agent: *\nAllow: /\n"
_SLOT = re.compile(r"<!--bench-slot:(\w+)-->")
_EPOCH = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
_ADS = ("Save 40% on your first year", "New: the evening podcast", "Try our puzzles free",
        "Holiday travel deals", "Join our readers' panel")
_RELATED = ("Council approves budget after late-night session", "Strike talks resume on Monday",
            "Court hears appeal in press-freedom case", "Floods close mountain roads",
            "Central bank holds interest rate", "Election observers publish final report",
            "Museum returns looted artefacts", "Ministers clash over energy prices")


def _stamp(n: int) -> datetime:
    return _EPOCH + timedelta(seconds=37 * n)


def _nonce(n: int) -> str:
    return hashlib.sha256(n.to_bytes(8, "big")).hexdigest()[:16]


def _related(n: int) -> str:
    items = "".join(f'<li><a href="/a/{(n + i) * 7 % 997}">{_RELATED[(n + i) % len(_RELATED)]}</a></li>'
                    for i in range(4))
    return f'<div class="related-stories"><h3>Related</h3><ul>{items}</ul></div>'


#: What each slot holds for request number ``n`` (ASCII, so it fits every page's charset).
CHROME: dict[str, Callable[[int], str]] = {
    "head": lambda n: (f'<meta name="rendered-at" content="{_stamp(n).isoformat()}">'
                       f'<script nonce="{_nonce(n)}">window.__REQ = {n};</script>'),
    "stamp": lambda n: (f'<p class="article-updated">Updated <time datetime="{_stamp(n).isoformat()}">'
                        f'{_stamp(n):%d %b %Y, %H:%M:%S}</time></p>'),
    "ad": lambda n: (f'<div class="ad-slot" id="div-gpt-ad-{n % 97}"><span>Advertisement</span> '
                     f'<a href="https://ads.example/c?{n}">{_ADS[n % len(_ADS)]}</a></div>'
                     f'<script nonce="{_nonce(n)}">window.__STATE__ = {{"rev": {n}}};</script>'),
    "related": _related,
    "edit": lambda n: "",  # filled by Template.render from the article's edit generation
    "footer": lambda n: (f'<footer class="site-footer"><p>Page generated {_stamp(n):%H:%M:%S} '
                         f'in {10 + n % 40} ms</p></footer>'),
}


def story_tree(html: str) -> tuple[lxml.html.HtmlElement, lxml.html.HtmlElement | None, lxml.html.HtmlElement,
                                   list[lxml.html.HtmlElement]]:
    """A corpus page parsed for a benchmark's templates: (document, head or None, body, the story's
    paragraphs), its canonical link dropped so each generated URL stands for itself."""
    tree = lxml.html.document_fromstring(html)
    for link in tree.xpath("//link[contains(translate(@rel, 'CANONICAL', 'canonical'), 'canonical')]"):
        link.drop_tree()
    body = tree.find("body")
    if body is None:
        body = lxml.etree.SubElement(tree, "body")
    paragraphs = [p for p in body.iter("p") if len(p.text_content().strip()) >= MIN_PARAGRAPH_CHARS]
    return tree, tree.find("head"), body, paragraphs


@dataclass(frozen=True)
class Template:
    """One corpus page as byte segments around named chrome slots."""

    segments: tuple[bytes, ...]
    slots: tuple[str, ...]
    charset: str

    @classmethod
    def build(cls, html: str, charset: str) -> Template:
        """Parse ``html`` once and mark where chrome goes; the story's text is left as it is."""
        tree, head, body, paragraphs = story_tree(html)
        (head if head is not None else body).append(lxml.etree.Comment("bench-slot:head"))
        if paragraphs:
            paragraphs[0].addprevious(lxml.etree.Comment("bench-slot:stamp"))
            paragraphs[len(paragraphs) // 2].addprevious(lxml.etree.Comment("bench-slot:ad"))
            paragraphs[-1].addnext(lxml.etree.Comment("bench-slot:related"))
            paragraphs[len(paragraphs) // 2].append(lxml.etree.Comment("bench-slot:edit"))  # inside it
        body.append(lxml.etree.Comment("bench-slot:footer"))
        texts, slots = split_slots(tree)
        return cls(tuple(p.encode(charset, errors="xmlcharrefreplace") for p in texts), slots, charset)

    def render(self, n: int, edit: int = 0) -> bytes:
        """The page as served for request number ``n`` (0: the stable page) at edit generation ``edit``."""
        out = [self.segments[0]]
        for slot, segment in zip(self.slots, self.segments[1:], strict=True):
            out += [(edit_paragraph(edit) if slot == "edit" else CHROME[slot](n)).encode("ascii"), segment]
        return b"".join(out)


def split_slots(tree: lxml.html.HtmlElement) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A page marked with ``<!--bench-slot:NAME-->`` comments, serialised once: the text between
    the slots, and the slots' names in page order (one more segment than slots)."""
    doctype = tree.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    parts = _SLOT.split(lxml.html.tostring(tree, encoding="unicode", doctype=doctype))
    return tuple(parts[0::2]), tuple(parts[1::2])


def edit_paragraph(generation: int) -> str:
    """The sentence an edit appends to the story's middle paragraph (generation 0: none)."""
    if not generation:
        return ""
    return (f" Update {generation}: officials said on Thursday that revised figures for item {generation * 37} "
            f"would be published within {generation + 1} days.")


def load_templates(limit: int | None = None) -> list[Template]:
    """Templates of the corpus pages (the first ``limit``); ``[]`` when the corpus is absent."""
    directory = corpus_dir()
    if directory is None:
        return []
    entries = load_manifest(directory)[:limit]
    return [Template.build(page_bytes(e, directory).decode(e["encoding"]).lstrip("\ufeff"), e["encoding"])
            for e in entries]


#: What a benchmark server answers to one GET: status, headers, body.
Answer = tuple[int, dict[str, str], bytes]


def local_server(answer: Callable[[str, str | None], Answer], host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A quiet threaded HTTP/1.1 server on ``host`` (a loopback address; port chosen by the system)
    that answers each GET with ``answer(path, If-None-Match)`` (status 0: close the connection
    unanswered); run it with :func:`serving` or ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            status, headers, body = answer(self.path, self.headers.get("If-None-Match"))
            if status == 0:  # hang up without answering (a proxy giving up on a stalled origin)
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = _QuietServer((host, 0), Handler)
    server.daemon_threads = True
    return server


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when a client hangs up mid-request (benchmarks kill clients on purpose)."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


#: Most distinct hosts an outlet serves from (127.0.0.2 … 127.0.0.251: one byte of loopback).
MAX_HOSTS = 250


def host_addresses(hosts: int) -> list[str]:
    """Where an outlet of ``hosts`` hosts listens: 127.0.0.1 alone, or ``hosts`` distinct loopback
    addresses from 127.0.0.2 (Linux routes all of 127.0.0.0/8 to the loopback device), so a
    crawler sees that many hosts, each with its own politeness slot, on one machine."""
    if not 1 <= hosts <= MAX_HOSTS:
        raise ValueError(f"an outlet serves from 1 to {MAX_HOSTS} hosts, not {hosts}")
    return ["127.0.0.1"] if hosts == 1 else [f"127.0.0.{2 + i}" for i in range(hosts)]


class Outlet:
    """Threaded HTTP/1.1 servers serving ``/a/<n>`` in one of :data:`MODES`: one on 127.0.0.1, or
    with ``hosts`` > 1 one per loopback address (article ``n`` lives on host ``n % hosts``)."""

    def __init__(self, templates: list[Template], mode: str = "churn", *, edit_every: float | None = None,
                 hosts: int = 1) -> None:
        if not templates:
            raise ValueError("an outlet needs at least one page template")
        self.templates = templates
        self.mode = mode
        self.edit_every = edit_every  #: seconds between two edits of one article (None: only edit())
        self.started = time.monotonic()
        self.edits: Counter[int] = Counter()  #: article number → edit generation given by edit()
        self.statuses: Counter[int] = Counter()  #: responses to page requests, by status
        self.lock = threading.Lock()
        self._requests = itertools.count(FIRST_REQUEST)
        self._stable = [t.render(0) for t in templates]
        self._etags = [f'"{hashlib.sha256(b).hexdigest()[:20]}"' for b in self._stable]
        self.servers = [local_server(self._answer_and_count, address) for address in host_addresses(hosts)]
        self.server = self.servers[0]
        self.bases = [f"http://{server.server_address[0]}:{server.server_address[1]}" for server in self.servers]
        self.base = self.bases[0]

    def _answer_and_count(self, path: str, if_none_match: str | None) -> Answer:
        answer = self.answer(path, if_none_match)
        if path.startswith(PAGE_PREFIX):  # robots.txt is not a page
            with self.lock:
                self.statuses[answer[0]] += 1
        return answer

    def url(self, n: int) -> str:
        return f"{self.bases[n % len(self.bases)]}{PAGE_PREFIX}{n}"

    def edit(self, n: int) -> None:
        """Edit article ``n``: its story gains its next update paragraph."""
        with self.lock:
            self.edits[n] += 1

    def generation(self, n: int) -> int:
        """Article ``n``'s edit generation now (edits by ``edit()`` plus those of ``edit_every``)."""
        with self.lock:
            given = self.edits[n]
        if not self.edit_every:
            return given
        phase = (n * 7919) % 1000 / 1000  # spreads the articles' edits over the interval
        return given + int((time.monotonic() - self.started) / self.edit_every + phase)

    def answer(self, path: str, if_none_match: str | None) -> Answer:
        """(status, headers, body) for one GET in the current mode."""
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS
        number = path.removeprefix(PAGE_PREFIX)
        if not path.startswith(PAGE_PREFIX) or not number.isdigit():
            return 404, {"Content-Type": "text/plain"}, b"not found"
        index = int(number) % len(self.templates)
        template = self.templates[index]
        headers = {"Content-Type": f"text/html; charset={template.charset}"}
        edit = self.generation(int(number))
        if self.mode == "churn":
            return 200, headers, template.render(next(self._requests), edit)
        stable, etag = self._stable[index], self._etags[index]
        if edit:
            stable = template.render(0, edit)
            etag = f'"{hashlib.sha256(stable).hexdigest()[:20]}"'
        if self.mode == "etag":
            headers["ETag"] = etag
            if if_none_match == etag:
                return 304, headers, b""
        return 200, headers, stable


@contextmanager
def serving(outlet: Outlet) -> Iterator[Outlet]:
    """Run ``outlet``'s servers (its ``servers``, else its ``server``) in background threads for the
    duration of the block."""
    servers = getattr(outlet, "servers", None) or [outlet.server]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield outlet
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
