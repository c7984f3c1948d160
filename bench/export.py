"""Exports and verification stream: peak RSS of ``redline export`` / ``redline verify`` on a
10,000- and a 100,000-article database must be about the same (flat, not growing with the file).

The databases are filled through storage's own recording functions (every article one version
with its HTTP exchange and chain record, every tenth a second, edited version), with a 25 KB page
per version, then each command runs as a subprocess and its peak RSS is read from ``wait4``.

    python -m bench export                       # 10,000 and 100,000 articles (~4 min to build)
    python -m bench export --sizes 2000 20000    # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from redline.storage import articles, record
from redline.storage.db import open_database
from redline.storage.exchange import Exchange

OUT = Path(__file__).resolve().parent / "out"
REDLINE = Path(sys.executable).with_name("redline")
DEFAULT_SIZES = (10_000, 100_000)
#: A version's page: a typical article page is 50-500 KB before compression; 25 KB of varied text
#: keeps building 100k articles to minutes while every record still carries a real body.
PAGE_PARAGRAPHS = 60
#: Articles per transaction while building.
BATCH = 500
#: Peak RSS may grow by at most this factor from the smaller to the 10x larger database for the
#: export to count as streaming (a non-streaming export would grow ~10x).
FLAT_FACTOR = 1.25


@dataclass
class Run:
    articles: int
    versions: int
    command: str
    seconds: float
    peak_rss_mib: float
    output_mb: float


def _page(i: int, edited: bool) -> bytes:
    headline = f"Story {i}: council {'rejects' if edited else 'approves'} plan"
    paragraphs = "".join(f"<p>Paragraph {n} of story {i}: the council met on day {n % 28 + 1} and discussed item "
                         f"{(i * 31 + n) % 997} at length before voting {n % 7} to {n % 5}.</p>\n"
                         for n in range(PAGE_PARAGRAPHS))
    return f"<html><head><title>{headline}</title></head><body><h1>{headline}</h1>{paragraphs}</body></html>".encode()


def build(db_path: Path, count: int) -> int:
    """Fill a new database with ``count`` articles; returns the number of versions."""
    db = open_database(db_path)
    urls = [f"https://bench.example/news/{i:06d}" for i in range(count)]
    versions = 0
    for start in range(0, count, BATCH):
        with db.atomic():
            created = articles.track(db, urls[start:start + BATCH], outlet="Bench Daily")
            for offset, _ in enumerate(created):
                i = start + offset
                article_id = db.execute("SELECT article_id FROM aliases WHERE url = ?", [urls[i]]).fetchone()[0]
                for edited in ((False, True) if i % 10 == 0 else (False,)):
                    body = _page(i, edited)
                    at = f"2026-11-{1 + edited:02d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
                    exchange = Exchange("GET", urls[i], (("User-Agent", "bench"), ("Host", "bench.example")),
                                        at + ".000000Z", "HTTP/1.1", 200, "OK",
                                        (("Content-Type", "text/html; charset=utf-8"),), at + ".100000Z", body)
                    text = "\n\n".join(f"Paragraph {n} of story {i}, {'edited' if edited else 'first'}."
                                       for n in range(PAGE_PARAGRAPHS // 4))
                    record.record_content(
                        db, article_id, record.Fetch(url=urls[i], checked_at=at + "Z", status=200, exchange=exchange),
                        record.Extracted(headline=f"Story {i} {'rejects' if edited else 'approves'}", body=text,
                                         byline="Bench", published=None, modified=None, method="bench",
                                         extractor_version="bench-1"), body)
                    versions += 1
    db.close()
    return versions


def run(db_path: Path, args: list[str], output: Path | None) -> tuple[float, float]:
    """Run ``redline --db DB ARGS``; returns (seconds, peak RSS MiB) from ``wait4``."""
    started = time.monotonic()
    child = subprocess.Popen([str(REDLINE), "--db", str(db_path), *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"redline {' '.join(args)} failed: {child.stderr.read().decode()[-2000:] if child.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench export")
    parser.add_argument("--sizes", type=int, nargs=2, default=DEFAULT_SIZES, metavar=("SMALL", "LARGE"))
    sizes = parser.parse_args(argv).sizes
    work = OUT / "export-work"
    work.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    for count in sizes:
        db_path = work / f"bench-{count}.db"
        for stale in work.glob(f"bench-{count}.*"):
            stale.unlink()
        started = time.monotonic()
        versions = build(db_path, count)
        print(f"built {count} articles ({versions} versions) in {time.monotonic() - started:.0f} s", flush=True)
        for name, args, output in (("export --warc", ["export", "--warc"], work / f"bench-{count}.warc.gz"),
                                   ("export --jsonl", ["export", "--jsonl"], work / f"bench-{count}.jsonl"),
                                   ("verify", ["verify"], None)):
            command = [*args, str(output), "--force"] if output else args
            seconds, peak = run(db_path, command, output)
            size = output.stat().st_size / 1e6 if output else 0.0
            runs.append(Run(count, versions, name, round(seconds, 1), round(peak, 1), round(size, 1)))
            print(f"{count} articles, {name}: {seconds:.1f} s, peak RSS {peak:.0f} MiB, output {size:.0f} MB", flush=True)
            if output:
                output.unlink()
        db_path.unlink()
    lines = ["| command | articles | versions | seconds | peak RSS MiB | output MB |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r.command} | {r.articles:,} | {r.versions:,} | {r.seconds:g} | {r.peak_rss_mib:.0f} | {r.output_mb:g} |"
              for r in runs]
    flat = all(large.peak_rss_mib <= small.peak_rss_mib * FLAT_FACTOR
               for small, large in zip(runs[:3], runs[3:]))
    lines.append(f"\nPeak RSS flat from {sizes[0]:,} to {sizes[1]:,} articles (within x{FLAT_FACTOR}): "
                 f"{'yes' if flat else 'no'}")
    print("\n".join(lines))
    (OUT / "export.json").write_text(json.dumps({"sizes": sizes, "flat": flat, "runs": [asdict(r) for r in runs]},
                                                indent=1))
    return 0 if flat else 1
