"""Fault injection: what a hostile or broken web server does to redline's record.

Run from the repository root::

    python -m bench.faults [--only NAME,NAME] [--quick]

A hostile server on 127.0.0.1 (:class:`HostileServer`) serves one article per fault in
:data:`FAULTS`.  Each fault gets its own database and goes through the same life:

1. *good*: the article is tracked and crawled once while the server answers normally (version 1);
2. *hostile*: two ``redline crawl --once --all`` runs while the server misbehaves (two, because a
   removal needs two consecutive 404/410 answers: a fault miscounted as one would show);
3. *recovered*: one more crawl with the server answering normally again.

A fault is survived when every run exited cleanly in bounded time (:data:`RUN_TIMEOUT_S`) and
bounded memory (:data:`RSS_LIMIT_MIB`) with no traceback in its output, the hostile checks record
the expected outcome and a clear reason (:attr:`Fault.expect`), no version was lost or rewritten
(every version row seen before is still there, byte for byte), no stored text holds NUL or lone
surrogates, no ``removed`` change appeared, and ``PRAGMA integrity_check`` says ``ok``.

Writes ``bench/out/faults.json``.  The test suite runs a fast subset of the same faults in one
database (tests/test_faults.py).
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import re
import socket
import sqlite3
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/faults.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recheck import BIN, Measured, measured, publish  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "faults.json"
REDLINE = BIN / "redline"
#: Every crawl of one fault must end within this; the slowest fault (a body trickling at 1 byte/s)
#: costs DOWNLOAD_TIMEOUT (30 s) for the first try and each of its 2 retries, so 90 s plus start-up.
RUN_TIMEOUT_S = 300
#: Peak RSS a crawl may reach while a fault is served. A crawl of one ordinary article peaks at
#: ~92 MiB on this machine, the worst page within the size limit (8.7 MB holding 200,000 links:
#: three parsers each build a tree of it) at ~290 MiB (both measured with this benchmark); 400 MiB
#: flags a fault that would let a body or a tree grow past what the size limit allows.
RSS_LIMIT_MIB = 400
#: The size limit of crawler/settings.py (DOWNLOAD_MAXSIZE); oversized faults go past it.
MAXSIZE = 10 * 1024 * 1024
#: Uncompressed size of the gzip bomb (it travels as ~0.5 MB).
BOMB_BYTES = 512 * 1024 * 1024
#: How many elements / links / header bytes the "huge document" faults carry.
NESTED = 200_000
LINKS = 200_000
HEADER_BYTES = 1024 * 1024
#: A redirect chain longer than REDIRECT_MAX_TIMES (10).
CHAIN = 30
#: The trickling body's declared length: at 1 byte/s it would take more than a day.
TRICKLE_BYTES = 100_000

HEADLINE = "Council approves budget after marathon session"
PARAGRAPHS = [
    "The city council approved a budget of 4.2 billion after a session that lasted more than twelve "
    "hours, ending a dispute that had delayed spending on schools and roads since the summer.",
    "Council members voted 31 to 18 in favour of the plan, which raises spending on public transport "
    "by 12 percent and freezes hiring in most city departments until the end of next year.",
    "The mayor said the compromise protected essential services while keeping the city’s finances "
    "stable. Opposition members argued that the hiring freeze would lengthen waiting times.",
]
RUSSIAN_HEADLINE = "Городской совет утвердил бюджет после многочасового заседания"
RUSSIAN_PARAGRAPHS = [
    "Городской совет утвердил бюджет в размере 4,2 миллиарда рублей после заседания, которое длилось "
    "более двенадцати часов и завершило спор, задержавший расходы на школы и дороги.",
    "За проект проголосовали 31 депутат, против выступили 18. План предусматривает рост расходов на "
    "общественный транспорт на 12 процентов и заморозку найма в большинстве городских ведомств.",
    "Мэр заявил, что компромисс сохраняет основные услуги и стабильность городских финансов. Оппозиция "
    "считает, что заморозка найма увеличит очереди в муниципальных учреждениях.",
]


def article(headline: str = HEADLINE, paragraphs: list[str] = PARAGRAPHS, *, lang: str = "en",
            charset: str = "utf-8", before: str = "", after: str = "", raw_headline: str | None = None) -> str:
    """A plain news page; ``before``/``after`` is markup around the article, ``raw_headline`` the
    markup of its ``<title>`` and ``<h1>`` as given (not escaped)."""
    h1 = raw_headline if raw_headline is not None else html.escape(headline)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
            f"<title>{h1}</title></head><body><header><a href=\"/\">Home</a></header>"
            f'{before}<main><article><h1>{h1}</h1><div class="byline">By Anna Petrova</div>{body}</article>'
            f"</main>{after}<footer>© 2026 The Daily Record</footer></body></html>")


# --- the hostile server ----------------------------------------------------------------------


class Exchange(BaseHTTPRequestHandler):
    """One request to the hostile server; faults write to it directly (status line and all)."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.close_connection = True
        path = self.path
        if path == "/robots.txt":
            self.answer(200, b"User-agent: *\nAllow: /\n", content_type="text/plain")
            return
        name, _, rest = path.removeprefix("/f/").partition("/")
        fault = FAULTS_BY_NAME.get(name)
        if not path.startswith("/f/") or fault is None:
            self.answer(404, b"<html><body><h1>Not found</h1></body></html>")
            return
        self.server.count(name)
        try:
            if self.server.hostile and (rest == "" or fault.follow):
                fault.serve(self, rest)
            else:
                self.answer(200, fault.good().encode("utf-8"))
        except OSError:
            pass  # the client gave up (timeout, size limit): exactly what the fault provokes

    def answer(self, status: int, body: bytes, *, content_type: str = "text/html; charset=utf-8",
               headers: dict[str, str] | None = None) -> None:
        """A well-formed response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def raw(self, data: bytes) -> None:
        self.wfile.write(data)

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN (SO_LINGER 0), as a crashed proxy does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hostile = False
    requests: dict[str, int]
    lock: threading.Lock

    def count(self, name: str) -> None:
        with self.lock:
            self.requests[name] = self.requests.get(name, 0) + 1


class HostileServer:
    """The fault server on 127.0.0.1: ``/f/<fault name>`` is that fault's article. ``hostile``
    switches every article between its good page and its fault."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), Exchange)
        self.server.requests, self.server.lock = {}, threading.Lock()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, fault: Fault) -> str:
        return f"{self.base}/f/{fault.name}"

    @property
    def hostile(self) -> bool:
        return self.server.hostile

    @hostile.setter
    def hostile(self, value: bool) -> None:
        self.server.hostile = value

    def requests(self, fault: Fault) -> int:
        with self.server.lock:
            return self.server.requests.get(fault.name, 0)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the faults ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What a hostile check must record: its outcome, and for failures a reason matching ``reason``
    (a regular expression, searched case-insensitively in the check's error)."""

    outcomes: frozenset[str]  #: of the first hostile check
    reason: str | None = None
    #: Of the later hostile checks (default: as the first); a stored page is then the same bytes.
    then: frozenset[str] | None = None
    #: For pages that are stored: a regular expression the latest version's headline must match
    #: in full (hostile characters either dropped or replaced by U+FFFD, never mangling the rest).
    headline: str | None = None


def failure(reason: str) -> Expect:
    return Expect(frozenset({"error"}), reason)


#: The page is the same story under hostile packaging (its bytes differ): nothing to store.
SAME_STORY = Expect(frozenset({"unchanged"}), then=frozenset({"same_bytes"}))


def stored(headline: str) -> Expect:
    """The hostile page is a new version whose headline matches ``headline``."""
    return Expect(frozenset({"new_version"}), headline=headline, then=frozenset({"same_bytes"}))


@dataclass(frozen=True)
class Fault:
    name: str
    what: str
    serve: Callable[[Exchange, str], None]
    expect: Expect
    good: Callable[[], str] = lambda: article()
    #: Also serve the fault under ``/f/<name>/…`` (redirect chains).
    follow: bool = False
    #: Too slow for the test suite's subset (it waits for the download timeout).
    slow: bool = False


def _server_error(x: Exchange, rest: str) -> None:
    x.answer(503, b"<html><body><h1>Service Unavailable</h1></body></html>", headers={"Retry-After": "3600"})


def _trickle(x: Exchange, rest: str) -> None:
    x.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
          b"Content-Length: %d\r\n\r\n" % TRICKLE_BYTES)
    page = article().encode()
    for i in range(TRICKLE_BYTES):
        x.raw(page[i % len(page):i % len(page) + 1])
        time.sleep(1)


def _oversize(declared: bool) -> Callable[[Exchange, str], None]:
    def serve(x: Exchange, rest: str) -> None:
        length = MAXSIZE + 1024 * 1024
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
        x.raw(head + (b"Content-Length: %d\r\n\r\n" % length if declared else b"\r\n"))
        x.raw(b"<!DOCTYPE html><html><body>")
        chunk = b"<p>" + b"filler " * 9000 + b"</p>\n"
        for _ in range(length // len(chunk) + 1):
            x.raw(chunk)
    return serve


@cache
def _bomb() -> bytes:
    """gzip of BOMB_BYTES of spaces after a page start, built once in 1 MiB steps."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b"<!DOCTYPE html><html><body><p>")
        block = b" " * (1024 * 1024)
        for _ in range(BOMB_BYTES // len(block)):
            gz.write(block)
    return out.getvalue()


def _gzip_bomb(x: Exchange, rest: str) -> None:
    x.answer(200, _bomb(), headers={"Content-Encoding": "gzip"})


def _redirect(location: Callable[[Exchange, str], str]) -> Callable[[Exchange, str], None]:
    def serve(x: Exchange, rest: str) -> None:
        x.answer(302, b"", headers={"Location": location(x, rest)})
    return serve


def _chain(x: Exchange, rest: str) -> None:
    """``/f/redirect-chain`` → ``…/1`` → … → ``…/CHAIN``, which is the article."""
    step = int(rest or 0)
    if step >= CHAIN:
        x.answer(200, article().encode())
    else:
        x.answer(302, b"", headers={"Location": f"/f/redirect-chain/{step + 1}"})


def _reset_mid_body(x: Exchange, rest: str) -> None:
    page = article().encode()
    x.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n"
          % (len(page) * 4))
    x.raw(page[: len(page) // 2])
    x.reset()


def _not_http(x: Exchange, rest: str) -> None:
    x.raw(b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n\x00\x01\x02 garbage \xff\xfe\r\n\r\n")


_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _binary(content_type: str, body: bytes) -> Callable[[Exchange, str], None]:
    def serve(x: Exchange, rest: str) -> None:
        x.answer(200, body, content_type=content_type)
    return serve


def _page(text: Callable[[], str], *, encoding: str = "utf-8", content_type: str | None = None,
          headers: dict[str, str] | None = None) -> Callable[[Exchange, str], None]:
    def serve(x: Exchange, rest: str) -> None:
        x.answer(200, text().encode(encoding, errors="surrogatepass"),
                 content_type=content_type or f"text/html; charset={encoding}", headers=headers)
    return serve


def _huge_headers(x: Exchange, rest: str) -> None:
    x.send_response(200)
    x.send_header("Content-Type", "text/html; charset=utf-8")
    filler = "x" * 1000
    for i in range(HEADER_BYTES // 1024):
        x.send_header(f"X-Filler-{i}", filler)
    body = article().encode()
    x.send_header("Content-Length", str(len(body)))
    x.end_headers()
    x.wfile.write(body)


def _russian(after: str = "") -> str:
    return article(RUSSIAN_HEADLINE, RUSSIAN_PARAGRAPHS, lang="ru", after=after)


def _relabelled() -> str:
    """The Russian page with a comment added, so its bytes differ and it is read again."""
    return _russian("<!-- served under another label -->")


@cache
def _nested() -> str:
    return article(before="<div>" * NESTED + "deep" + "</div>" * NESTED)


@cache
def _links() -> str:
    items = "".join(f'<li><a href="/tag/{i}">tag {i}</a></li>' for i in range(LINKS))
    return article(after=f'<nav class="tags"><ul>{items}</ul></nav>')


FAULTS: tuple[Fault, ...] = (
    Fault("server-error", "503 with Retry-After: 3600", _server_error, failure(r"HTTP 503")),
    Fault("slow-body", "a body trickling at 1 byte/s", _trickle, failure(r"timed out"), slow=True),
    Fault("oversize-declared", "Content-Length over the 10 MB limit", _oversize(True), failure(r"10 MB limit")),
    Fault("oversize-streamed", "11 MB with no Content-Length", _oversize(False), failure(r"10 MB limit")),
    Fault("gzip-bomb", "512 MiB of gzip in 0.5 MB", _gzip_bomb, failure(r"10 MB limit once decompressed")),
    Fault("redirect-loop", "a redirect to itself", _redirect(lambda x, rest: x.path), failure(r"redirect")),
    Fault("redirect-chain", f"a chain of {CHAIN} redirects",
          _chain, failure(r"redirect"),
          follow=True),
    Fault("redirect-file", "a redirect to file:///etc/passwd", _redirect(lambda x, rest: "file:///etc/passwd"),
          failure(r"redirect to file:///etc/passwd not followed")),
    Fault("reset-mid-body", "a TCP reset half-way through the body", _reset_mid_body,
          failure(r"connection lost")),
    Fault("not-http", "an SSH banner instead of HTTP", _not_http, failure(r"not HTTP")),
    Fault("binary", "a PNG image", _binary("image/png", _PNG), failure(r"not an HTML page \(image/png\)")),
    Fault("pdf-as-html", "a PDF labelled text/html", _binary("text/html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
          failure(r"not an HTML page")),
    Fault("empty", "an empty 200", _binary("text/html; charset=utf-8", b""), failure(r"empty response")),
    Fault("unknown-charset", "charset=x-klingon on a Russian page", _page(_relabelled, content_type="text/html; "
          "charset=x-klingon"), SAME_STORY, good=_russian),
    Fault("lying-charset", "windows-1251 bytes labelled UTF-8", _page(_relabelled, encoding="cp1251",
          content_type="text/html; charset=utf-8"), SAME_STORY, good=_russian),
    Fault("lying-charset-utf8", "UTF-8 bytes labelled windows-1251", _page(_relabelled,
          content_type="text/html; charset=windows-1251"), SAME_STORY, good=_russian),
    Fault("nested", f"{NESTED:,} nested <div>s before the article", _page(_nested),
          Expect(frozenset({"unchanged", "error"}), r"no article text", frozenset({"same_bytes", "error"}))),
    Fault("links", f"{LINKS:,} links after the article", _page(_links), SAME_STORY),
    Fault("huge-headers", "1 MB of response headers", _huge_headers,
          Expect(frozenset({"same_bytes", "error"}), r"header|connection lost")),
    Fault("script-headline", "a <script> inside the headline",
          _page(lambda: article(raw_headline="<script>alert(1)</script>Budget vote")),
          stored(r"(<script>alert\(1\)</script>)?Budget vote")),
    Fault("nul-headline", "NUL bytes and &#0; in the headline",
          _page(lambda: article(raw_headline="Budget\x00 vote&#0; passes")),
          stored("Budget\ufffd? vote\ufffd? passes")),
    Fault("surrogate-entity", "a lone surrogate &#xD800; in the headline",
          _page(lambda: article(raw_headline="Budget &#xD800;vote passes")),
          stored("Budget \ufffd?vote passes")),
    Fault("surrogate-bytes", "a lone surrogate's raw bytes in a Russian UTF-8 headline",
          _page(lambda: article(RUSSIAN_HEADLINE, RUSSIAN_PARAGRAPHS, lang="ru",
                                raw_headline="Городской совет \ud800утвердил бюджет")),
          stored("Городской совет \ufffd*утвердил бюджет"), good=_russian),
)
FAULTS_BY_NAME = {fault.name: fault for fault in FAULTS}


# --- running faults through redline ----------------------------------------------------------


#: How one ``redline`` command is run: (argv without the program) → a Measured result.
Runner = Callable[[list[str]], Measured]


def measured_redline(args: list[str]) -> Measured:
    """Run the installed ``redline`` under GNU time (peak RSS), bounded by RUN_TIMEOUT_S."""
    return measured([str(REDLINE), *args], cwd=Path.cwd(), timeout=RUN_TIMEOUT_S)


@dataclass
class Verdict:
    """What one fault did to the record."""

    fault: str
    what: str
    outcomes: list[str]  #: of its hostile checks, in order
    reasons: list[str]
    headline: str | None  #: the latest version's headline after the hostile runs
    expected: bool  #: outcomes, reasons and headline as :attr:`Fault.expect` says
    lost_versions: int
    bad_text: int
    false_removals: int
    integrity_failures: int
    seconds: float  #: the slowest of its runs
    peak_rss_mib: float  #: the largest of its runs
    clean_runs: bool  #: every run exited 0 within bounds, no traceback printed
    problems: list[str] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return (self.expected and self.clean_runs and not self.lost_versions and not self.bad_text
                and not self.false_removals and not self.integrity_failures and self.peak_rss_mib < RSS_LIMIT_MIB)


def crawl_args(db: Path) -> list[str]:
    return ["--db", str(db), "crawl", "--once", "--all", "--delay", "0", "--concurrency", "8"]


def _clean(run: Measured, what: str) -> list[str]:
    problems = []
    if run.returncode:
        problems.append(f"{what} exited {run.returncode}: {run.stderr.strip()[-300:]}")
    if "Traceback" in run.stdout + run.stderr:
        problems.append(f"{what} printed a traceback")
    return problems


def run_faults(faults: list[Fault], server: HostileServer, db: Path, run: Runner = measured_redline) -> list[Verdict]:
    """Take ``faults`` through good → hostile ×2 → good in one database at ``db``; one verdict each."""
    from bench import invariants

    urls = {fault.name: server.url(fault) for fault in faults}
    server.hostile = False
    runs = [("track", run(["--db", str(db), "track", *urls.values()])), ("good crawl", run(crawl_args(db)))]
    before = invariants.versions(db)
    with closing(sqlite3.connect(db)) as conn:
        mark = conn.execute("SELECT coalesce(max(id), 0) FROM checks").fetchone()[0]
    server.hostile = True
    runs += [(f"hostile crawl {i}", run(crawl_args(db))) for i in (1, 2)]
    with closing(sqlite3.connect(db)) as conn:
        hostile = conn.execute(
            "SELECT a.url, c.outcome, coalesce(c.error, '') FROM checks c JOIN articles a ON a.id = c.article_id "
            "WHERE c.id > ? ORDER BY c.id", [mark]).fetchall()
        headlines = dict(conn.execute(
            "SELECT a.url, v.headline FROM articles a JOIN versions v ON v.article_id = a.id "
            "WHERE v.number = (SELECT max(number) FROM versions WHERE article_id = a.id)").fetchall())
    server.hostile = False
    runs.append(("recovery crawl", run(crawl_args(db))))

    after = invariants.versions(db)
    integrity = invariants.integrity(db)
    with closing(sqlite3.connect(db)) as conn:
        ids = dict(conn.execute("SELECT url, id FROM articles").fetchall())
        removed = {row[0] for row in conn.execute(
            "SELECT article_id FROM changes WHERE kinds LIKE '%\"removed\"%' UNION "
            "SELECT id FROM articles WHERE state != 'active' OR miss_streak > 0")}
    bad = {int(problem.split()[1]) for problem in invariants.bad_text(db)}
    lost = {article for article, _ in invariants.lost(before, after)}
    problems = [p for what, result in runs for p in _clean(result, what)]
    verdicts = []
    for fault in faults:
        url = urls[fault.name]
        mine = [(outcome, reason) for u, outcome, reason in hostile if u == url]
        outcomes, reasons = [o for o, _ in mine], [r for _, r in mine]
        expect = fault.expect
        expected = bool(mine) and outcomes[0] in expect.outcomes and all(
            o in (expect.then or expect.outcomes) for o in outcomes[1:])
        if expect.reason:
            expected &= all(re.search(expect.reason, r, re.IGNORECASE) for o, r in mine if o == "error")
        if expect.headline:
            expected &= bool(re.fullmatch(expect.headline, headlines.get(url) or ""))
        article_id = ids[url]
        verdicts.append(Verdict(
            fault=fault.name, what=fault.what, outcomes=outcomes, reasons=sorted(set(reasons)),
            headline=headlines.get(url), expected=expected, lost_versions=int(article_id in lost),
            bad_text=int(article_id in bad), false_removals=int(article_id in removed),
            integrity_failures=int(integrity != "ok"), seconds=max(r.seconds for _, r in runs[1:]),
            peak_rss_mib=max(r.peak_rss_mib for _, r in runs[1:]), clean_runs=not problems,
            problems=problems + ([] if integrity == "ok" else [f"integrity_check: {integrity}"]),
        ))
    return verdicts


def table(verdicts: list[Verdict]) -> str:
    lines = ["| fault | survived | hostile outcome: recorded reason | false removals | lost versions | "
             "integrity failures | slowest run s | peak RSS MiB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for v in verdicts:
        first = v.outcomes[0] if v.outcomes else "no check"
        said = f"{first}: {v.reasons[0]}" if first == "error" and v.reasons else first
        if len(v.outcomes) > 1 and v.outcomes[1:] != v.outcomes[:1]:
            said += ", then " + ", ".join(dict.fromkeys(v.outcomes[1:]))
        if v.headline and "new_version" in v.outcomes:
            said += f" (headline {v.headline!r})"
        lines.append(f"| {v.fault}: {v.what} | {'yes' if v.survived else '**NO**'} | {said[:160]} | "
                     f"{v.false_removals} | {v.lost_versions} | {v.integrity_failures} | {v.seconds:.1f} | "
                     f"{v.peak_rss_mib:.0f} |")
    lines.append(f"| **all {len(verdicts)}** | **{sum(v.survived for v in verdicts)} survived** | | "
                 f"**{sum(v.false_removals for v in verdicts)}** | **{sum(v.lost_versions for v in verdicts)}** | "
                 f"**{sum(v.integrity_failures for v in verdicts)}** | "
                 f"{max(v.seconds for v in verdicts):.1f} | {max(v.peak_rss_mib for v in verdicts):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated fault names (default: all)")
    parser.add_argument("--quick", action="store_true", help="leave out the faults that wait for the timeout")
    args = parser.parse_args(argv)
    chosen = [f for f in FAULTS if (not args.only or f.name in args.only.split(",")) and not (args.quick and f.slow)]
    verdicts: list[Verdict] = []
    with HostileServer() as server, tempfile.TemporaryDirectory() as tmp:
        for fault in chosen:  # one database and one set of runs per fault: its own time and memory
            verdict, = run_faults([fault], server, Path(tmp) / f"{fault.name}.db")
            print(f"{fault.name}: {'survived' if verdict.survived else 'NOT SURVIVED'} "
                  f"({verdict.seconds:.1f} s, {verdict.peak_rss_mib:.0f} MiB) {verdict.problems or ''}", flush=True)
            verdicts.append(verdict)
    publish(table(verdicts), OUT_PATH, {"faults": [asdict(v) | {"survived": v.survived} for v in verdicts]})
    return 0 if all(v.survived for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
