"""Scale: ``redline history`` and the web view's history page on a generated 1,000,000-version database.

Run from the repository root::

    python -m bench scale                                  # 1,000,000 versions over 100,000 articles
    python -m bench scale --versions 50000 --articles 5000   # quicker, for development
    python -m bench scale --rebuild                        # build the cached database again

The database is made in redline's own schema (``open_database`` runs every migration) and filled
with bulk inserts shaped like what :func:`redline.storage.record.record_content` writes for a new
version: the ``versions`` row (content digest from ``record.content_digest``, raw HTML zlib-compressed,
full-text index kept by the schema's triggers), its ``check``, its ``change`` with the alert ``outbox``
row (marked routed, as after a delivery pass), the article's bookkeeping and its alias. Then
``chain.backfill`` (storage's own code) chains every version, so ``redline verify`` passes on it.
Bulk SQL instead of calling ``record_content`` a million times: that path (a diff and a handful of
queries per version) builds 100,000 versions in minutes (``bench/export.py``), a million in an hour.
Not written: HTTP exchanges (versions without one are valid: those stored before the archive existed)
and checks that found the page unchanged (no reader of the history touches ``checks``).

Most articles get a few versions; a handful get many (a live blog rechecked for days), so the
timings cover both ends: :data:`PROBES` names the version counts that are timed. Each probe is timed
:data:`REPEATS` times, median reported, three ways:

- ``redline --db DB history URL`` (and the whole record: ``--all``, ``--json``) as a subprocess,
  whole process, with the interpreter's start-up (``redline --version``, the same imports up to
  the command) stated beside;
- the same commands run in this process (``redline.cli.main.main``, output to ``/dev/null`` as
  to a pipe): what a command costs beyond start-up, read, rendered and written;
- ``Redline(DB).history(url)`` in this process (what a script or the web view pays), every version
  and the newest 50 rows;
- ``GET /history?url=…`` against ``redline serve`` (uvicorn, a real socket on 127.0.0.1).

``--probes 5000`` times only the named probes (the database is reused from the cache as always).

The database is kept under ``bench/out/scale/`` (not committed) and reused while its parameters
match. Writes ``bench/out/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/scale.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recheck import publish  # noqa: E402
from redline.storage import chain  # noqa: E402
from redline.storage.db import open_database  # noqa: E402
from redline.storage.record import content_digest  # noqa: E402
from redline.cli.render import HISTORY_ROWS  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
OUT_PATH = OUT / "scale.json"
CACHE = OUT / "scale"
REDLINE = Path(sys.executable).with_name("redline")
DEFAULT_VERSIONS = 1_000_000
DEFAULT_ARTICLES = 100_000
#: The version counts of the articles that are timed: one version (most articles), ten, and two
#: live blogs rechecked for days. The rest of the versions are spread over the other articles.
PROBES = (1, 10, 1_000, 5_000)
#: Timed runs of each probe (the median is reported).
REPEATS = 7
#: Paragraphs per article body (~160 characters each: a 2 KB story, the corpus's median article
#: text is 3.4 KB with shorter pages common).
PARAGRAPHS = 12
#: Stored bytes of raw HTML per version: the issue's target for a whole version after better
#: compression (≤ 5 KB), not today's ~41 KB per-row zlib, which would make this file 40 GB.
#: The bytes are incompressible so the stored size is what it says.
RAW_STORED_BYTES = 4096
#: zlib level of those rows: the per-row codec of databases before migration 0008, which storage still
#: reads (storage/blobs.py), so the rows need no dictionary or base version to be valid.
RAW_COMPRESSION_LEVEL = 6
#: Rows per transaction while building.
BATCH = 20_000
OUTLETS = 50
#: How long ``redline serve`` may take to print its address (schema check on a large file).
SERVE_START_S = 120
#: The product's target for ``history`` on 1,000,000 versions.
TARGET_MS = 50


@dataclass(frozen=True)
class Built:
    path: str
    versions: int
    articles: int
    seconds: float
    size_mb: float
    probes: dict[int, str]  #: version count → the URL of an article with that many


@dataclass(frozen=True)
class Timing:
    versions: int  #: of the probed article
    how: str
    median_ms: float
    min_ms: float
    max_ms: float


def _url(i: int) -> str:
    return f"https://outlet{i % OUTLETS:02d}.example/news/2026/11/story-{i:07d}"


def _counts(versions: int, articles: int) -> list[int]:
    """Versions per article: the probes first, then the rest spread over the other articles."""
    counts = list(PROBES)
    left, slots = versions - sum(counts), articles - len(counts)
    if left < slots or slots <= 0:
        raise SystemExit(f"{versions} versions do not fill {articles} articles with the probes {PROBES}")
    rng = random.Random(13)
    mean = left / slots
    ordinary = [max(1, min(int(2 * mean) - 1, round(rng.uniform(1, 2 * mean - 1)))) for _ in range(slots)]
    # Correct the total exactly, one version at a time over the articles.
    diff, k = left - sum(ordinary), 0
    while diff:
        step = 1 if diff > 0 else -1
        if ordinary[k % slots] + step >= 1:
            ordinary[k % slots] += step
            diff -= step
        k += 1
    return counts + ordinary


_WORDS = ("council budget vote plan minister city transport housing school report police court said "
          "officials residents tuesday agreed rejected million project spokesperson statement later "
          "according meeting members proposal increase public health week year local").split()
#: Distinct paragraphs the bodies are made of (each one tagged with its article and slot, so no
#: two versions of different articles share text).
POOL = 4096


def _stamp(minutes: int) -> str:
    """A UTC timestamp ``minutes`` after 2026-01-01 (record's format)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1767225600 + minutes * 60))


@dataclass
class _Story:
    """One article while it is being written: its schedule and the paragraphs of its latest version."""

    index: int
    count: int
    start: int  #: minutes after 2026-01-01 of its first version
    step: int  #: minutes between its versions
    headline: str
    paragraphs: list[int]  #: indexes into the pool
    number: int = 0


def build(path: Path, versions: int, articles: int) -> Built:
    """A new database at ``path`` with ``versions`` versions over ``articles`` articles.

    Versions are written in the order they were first seen across all articles (as a daemon
    records them), so a live blog's versions lie among everyone else's in the file, as they do
    in a real one. Each edit replaces one paragraph (the story keeps its length), every seventh
    the headline too."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    db = open_database(path, create=True)
    conn: sqlite3.Connection = db.conn
    conn.execute("PRAGMA synchronous = OFF")  # a generated file: a crash while building means build again
    rng = random.Random(7)
    pool = [" ".join(rng.choice(_WORDS) for _ in range(26)).capitalize() for _ in range(POOL)]
    stories = []
    for index, count in enumerate(_counts(versions, articles)):
        step = rng.choice((10, 30, 60, 240)) if count < 1000 else 5  # a live blog: every few minutes
        stories.append(_Story(index, count, rng.randrange(0, 400_000), step,
                              f"Council {rng.choice(_WORDS)} {rng.choice(_WORDS)} plan, story {index}",
                              [rng.randrange(POOL) for _ in range(PARAGRAPHS)]))
    with db.atomic():
        conn.executemany(
            "INSERT INTO articles (id, url, outlet, state, added_at, last_checked_at, next_check_at, last_changed_at) "
            "VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
            [(s.index + 1, _url(s.index), f"Outlet {s.index % OUTLETS:02d}", _stamp(s.start),
              _stamp(s.start + s.count * s.step), _stamp(s.start + s.count * s.step + 60),
              _stamp(s.start + (s.count - 1) * s.step)) for s in stories])
        conn.executemany("INSERT INTO aliases (url, article_id, kind, added_at) VALUES (?, ?, 'tracked', ?)",
                         [(_url(s.index), s.index + 1, _stamp(s.start)) for s in stories])
    events = sorted((s.start + n * s.step, s.index) for s in stories for n in range(s.count))
    rows: dict[str, list] = {"versions": [], "checks": [], "changes": []}

    def flush() -> None:
        with db.atomic():
            conn.executemany(
                "INSERT INTO versions (article_id, number, headline, byline, body, published, modified, "
                "content_digest, first_seen, last_seen, extractor_version, method, source_url, encoding, raw_html, "
                "rendered) VALUES (?, ?, ?, 'By Bench Reporter', ?, ?, NULL, ?, ?, ?, 'bench', 'voted', ?, "
                "'utf-8', ?, 0)", rows["versions"])
            conn.executemany("INSERT INTO checks (article_id, requested_at, checked_at, url, status, duration_ms, "
                             "bytes, outcome, version) VALUES (?, ?, ?, ?, 200, 180, 230000, 'new_version', ?)",
                             rows["checks"])
            for change in rows["changes"]:
                change_id = conn.execute(
                    "INSERT INTO changes (article_id, from_version, to_version, kinds, detected_at, words_added, "
                    "words_removed, similarity) VALUES (?, ?, ?, ?, ?, 26, 26, 0.9)", change).lastrowid
                conn.execute("INSERT INTO outbox (change_id, enqueued_at, routed_at) VALUES (?, ?, ?)",
                             [change_id, change[4], change[4]])
        for table in rows.values():
            table.clear()

    for done, (minute, index) in enumerate(events, 1):
        story = stories[index]
        story.number += 1
        number, article_id, url = story.number, index + 1, _url(index)
        if number > 1:  # an edit: one paragraph rewritten, every seventh the headline too
            story.paragraphs[rng.randrange(PARAGRAPHS)] = rng.randrange(POOL)
            if number % 7 == 0:
                story.headline = f"{story.headline.split(',')[0]}, update {number}"
        body = "\n\n".join(f"{pool[p]} ({index}.{slot})." for slot, p in enumerate(story.paragraphs))
        seen = _stamp(minute)
        last_seen = _stamp(minute + story.step - 1 if number < story.count else minute + story.step)
        raw = zlib.compress(os.urandom(RAW_STORED_BYTES), RAW_COMPRESSION_LEVEL)
        rows["versions"].append((article_id, number, story.headline, body, _stamp(story.start),
                                 content_digest(story.headline, "By Bench Reporter", body), seen, last_seen, url, raw))
        rows["checks"].append((article_id, seen, seen, url, number))
        if number > 1:
            kinds = '["headline", "body"]' if number % 7 == 0 else '["body"]'
            rows["changes"].append((article_id, number - 1, number, kinds, seen))
        if done % BATCH == 0:
            flush()
            print(f"built {done:,} of {versions:,} versions", file=sys.stderr, flush=True)
    flush()
    print("chaining every version (storage's chain.backfill) …", file=sys.stderr, flush=True)
    with db.atomic():
        chain.backfill(db)
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    seconds = time.monotonic() - started
    probes = {count: _url(i) for i, count in enumerate(PROBES)}
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return Built(str(path), versions, articles, round(seconds, 1), round(size, 1), probes)


def cached(versions: int, articles: int, rebuild: bool, cache: Path = CACHE) -> Built:
    """The database for these parameters, built once and kept under ``cache``."""
    meta = cache / f"v{versions}-a{articles}.json"
    if meta.exists() and not rebuild:
        built = Built(**json.loads(meta.read_text()))
        if Path(built.path).exists():
            return Built(**{**asdict(built), "probes": {int(k): v for k, v in built.probes.items()}})
    built = build(cache / f"v{versions}-a{articles}.db", versions, articles)
    meta.write_text(json.dumps(asdict(built)))
    return built


def _spread(how: str, versions: int, seconds: list[float]) -> Timing:
    ms = [s * 1000 for s in seconds]
    return Timing(versions, how, round(statistics.median(ms), 1), round(min(ms), 1), round(max(ms), 1))


def time_cli(db: str, url: str, versions: int, *extra: str, repeats: int = REPEATS) -> Timing:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run([str(REDLINE), "--db", db, "history", url, *extra], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
        if done.returncode:
            raise RuntimeError(f"redline history failed: {done.stderr.decode(errors='replace')[-500:]}")
    return _spread("cli history" + (" " + " ".join(extra) if extra else ""), versions, seconds)


def time_cli_in_process(db: str, url: str, versions: int, *extra: str, repeats: int = REPEATS) -> Timing:
    """``redline history`` run by its entry point in this process, stdout to ``/dev/null`` (not a
    terminal, as in a pipe): the command's own cost, without the interpreter's start-up."""
    from redline.cli.main import main as redline_main

    seconds = []
    for attempt in range(repeats + 1):
        real, sys.stdout = sys.stdout, open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        try:
            start = time.perf_counter()
            try:
                redline_main(["--db", db, "history", url, *extra])
            except SystemExit as exc:
                if exc.code:
                    raise RuntimeError(f"redline history exited {exc.code}") from None
            elapsed = time.perf_counter() - start
        finally:
            sys.stdout.close()
            sys.stdout = real
        if attempt:  # the first run imports the commands' modules
            seconds.append(elapsed)
    return _spread("cli history" + (" " + " ".join(extra) if extra else "") + " (in process)", versions, seconds)


def time_startup(repeats: int = REPEATS) -> Timing:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(REDLINE), "--version"], stdout=subprocess.DEVNULL, check=True)
        seconds.append(time.perf_counter() - start)
    return _spread("cli start-up (redline --version)", 0, seconds)


def time_facade(db: str, url: str, versions: int, repeats: int = REPEATS, newest: int | None = None) -> Timing:
    """``Redline.history`` in this process: every version, or (``newest``) the newest rows, which is
    what ``redline history`` without ``--all``/``--json`` reads."""
    from redline.app import Redline

    app = Redline(db)
    app.history(url, newest=newest)  # the first call opens and checks the file; later ones are what a reader pays
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        record = app.history(url, newest=newest)
        seconds.append(time.perf_counter() - start)
        assert len(record["versions"]) == min(versions, newest or versions), (len(record["versions"]), versions)
    label = "Redline.history (in process)" if newest is None else f"Redline.history(newest={newest}) (in process)"
    return _spread(label, versions, seconds)


class Served:
    """``redline --db DB serve --port 0`` as a subprocess, the way a user starts it."""

    def __init__(self, db: str) -> None:
        self.process = subprocess.Popen([str(REDLINE), "--db", db, "serve", "--port", "0"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        ready, _, _ = select.select([self.process.stdout], [], [], SERVE_START_S)
        found = re.search(r"http://[^/\s]+", self.process.stdout.readline() if ready else "")
        if not found:
            self.process.kill()
            raise RuntimeError(f"redline serve did not start: {self.process.stderr.read()[-500:]}")
        self.base = found.group(0)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def time_web(served: Served, url: str, versions: int, repeats: int = REPEATS) -> Timing:
    address = f"{served.base}/history?url={urllib.parse.quote(url, safe='')}"
    seconds = []
    for attempt in range(repeats + 1):
        start = time.perf_counter()
        with urllib.request.urlopen(address, timeout=300) as response:
            page = response.read()
        if attempt:  # the first request warms the templates and the page cache
            seconds.append(time.perf_counter() - start)
        assert response.status == 200 and b"Versions" in page
    return _spread("web GET /history", versions, seconds)


def table(built: Built, timings: list[Timing], load: str, repeats: int) -> str:
    lines = [f"{built.versions:,} versions over {built.articles:,} articles ({built.size_mb:,.0f} MB with WAL, "
             f"built in {built.seconds:.0f} s); median of {repeats}, load average {load}",
             "", "| what | versions of the article | median ms | min–max ms |", "| --- | --- | --- | --- |"]
    for t in timings:
        lines.append(f"| {t.how} | {t.versions:,} | {t.median_ms:g} | {t.min_ms:g}–{t.max_ms:g} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=DEFAULT_VERSIONS)
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--rebuild", action="store_true", help="build the database again even if cached")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs of each probe")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the generated database is kept")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where to write the JSON results")
    parser.add_argument("--probes", default=",".join(map(str, PROBES)),
                        help=f"comma-separated version counts to time, of {', '.join(map(str, PROBES))} (default all)")
    args = parser.parse_args(argv)
    wanted = {int(p) for p in args.probes.split(",") if p}
    if unknown := wanted - set(PROBES):
        parser.error(f"no probe with {', '.join(map(str, sorted(unknown)))} versions: use {PROBES}")
    built = cached(args.versions, args.articles, args.rebuild, args.cache)
    probes = sorted((versions, url) for versions, url in built.probes.items() if versions in wanted)
    n = args.repeats
    timings = [time_startup(n)]
    for versions, url in probes:
        timings.append(time_facade(built.path, url, versions, n))
        timings.append(time_facade(built.path, url, versions, n, newest=HISTORY_ROWS))
        for extra in (("--all",), ("--json",), ()):
            timings.append(time_cli_in_process(built.path, url, versions, *extra, repeats=n))
            timings.append(time_cli(built.path, url, versions, *extra, repeats=n))
    served = Served(built.path)
    try:
        for versions, url in probes:
            timings.append(time_web(served, url, versions, n))
    finally:
        served.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    publish(table(built, timings, load, n), args.out,
            {"built": asdict(built), "repeats": n, "target_ms": TARGET_MS, "load_average": load,
             "timings": [asdict(t) for t in timings]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
