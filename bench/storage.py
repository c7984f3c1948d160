"""Stored bytes per version: a generated history recorded through storage's own functions.

    python -m bench storage                      # 2,000 articles (a quick run)
    python -m bench storage --articles 100000    # the README figure (~1.5 h on a shared 2-core machine)

The history is shaped like real use: ``--outlets`` outlets (default 50), each with its own page
chrome taken from one corpus page (cycled over ``../shared/corpus``), whose story paragraphs are
replaced by each article's own text. Article text is drawn word by word from the corpus's
ground-truth words (as often as the corpus uses each) with a seeded generator, so no two articles share sentences (real stories
do not either; shared text would flatter the per-outlet dictionaries). Every version's chrome
differs (time stamps, script nonces, ad slots, related links: :data:`bench.server.CHROME`), and
each later version is an edit of the one before (a changed sentence or an added paragraph).
Versions per article follow :data:`VERSIONS_PER_ARTICLE`. Responses carry realistic headers;
outlets answer as :data:`ENCODINGS` says (most gzip, as nginx does, some identity, some a gzip
stream no recipe reproduces).

Every version is recorded with :func:`redline.storage.record.record_content` (its exchange and
chain record included). Reported, from the finished database:

- per-version stored bytes: the raw response blob, the exchange row (heads and body blob), and the
  version row's text columns (the fast path's shown texts included, made as a crawl makes them);
  median and mean;
- the same for per-row zlib (the codec before migration 0008), computed on the very same bytes:
  each version's page and wire body are zlib-compressed as the old code did;
- the database file size per version (everything: full-text index, checks, chain, indexes);
- write throughput (versions recorded per second, the whole recording transaction) and the time
  to read one version's raw HTML back (median over a sample, delta chains included).

Writes ``bench/out/storage.json`` (``--out``), rewritten as the run goes (``"partial": true``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/storage.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.etree  # noqa: E402
import lxml.html  # noqa: E402

from bench.corpus import corpus_dir, load_manifest, missing_reason, page_bytes  # noqa: E402
from bench.server import CHROME, split_slots, story_tree  # noqa: E402
from redline.crawler.fastpath import shown_texts  # noqa: E402
from redline.storage import articles, blobs, record  # noqa: E402
from redline.storage.db import open_database  # noqa: E402
from redline.storage.exchange import Exchange  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_ARTICLES = 2_000
DEFAULT_OUTLETS = 50
#: How many versions an article has, as (versions, share of articles): most stories are never
#: edited after the first capture, a few are edited several times (news sites' update habits).
VERSIONS_PER_ARTICLE = ((1, 0.45), (2, 0.30), (3, 0.15), (4, 0.07), (5, 0.03))
#: How outlets send pages, by outlet index modulo 10: 7 in 10 gzip as nginx does by default
#: (zlib level 1), 2 in 10 identity, 1 in 10 a gzip stream flushed every 8 KB (a streaming server
#: whose bytes no zlib recipe reproduces, so the wire body is stored as it came).
ENCODINGS = ("gzip",) * 7 + ("identity",) * 2 + ("gzip-stream",)
#: Story paragraphs per article and words per paragraph: ~560 words, the 3.4 KB of text per version
#: measured on a real 40-page history (issue 13), checked in this benchmark's output (text bytes).
PARAGRAPHS = (6, 12)
WORDS = (45, 80)
#: Articles per recording transaction batch (each version is still its own record_content call).
BATCH = 200
#: Versions whose raw HTML is read back to time a read (a random sample).
READ_SAMPLE = 300
CHROME_DATE = "2026-11-{:02d}T06:00:00Z"


@dataclass(frozen=True)
class Chrome:
    """One outlet's page around the story: byte segments between named slots."""

    segments: tuple[str, ...]
    slots: tuple[str, ...]
    charset: str

    @classmethod
    def build(cls, html: str, charset: str) -> Chrome:
        """Keep the corpus page, drop its story paragraphs, mark where the story and chrome go."""
        tree, head, body, paragraphs = story_tree(html)
        (head if head is not None else body).append(lxml.etree.Comment("bench-slot:head"))
        (head if head is not None else body).append(lxml.etree.Comment("bench-slot:meta"))
        if paragraphs:
            paragraphs[0].addprevious(lxml.etree.Comment("bench-slot:stamp"))
            paragraphs[0].addprevious(lxml.etree.Comment("bench-slot:story"))
            paragraphs[0].addprevious(lxml.etree.Comment("bench-slot:related"))
            for p in paragraphs:
                p.drop_tree()
        else:
            for slot in ("stamp", "story", "related"):
                body.append(lxml.etree.Comment(f"bench-slot:{slot}"))
        body.append(lxml.etree.Comment("bench-slot:ad"))
        body.append(lxml.etree.Comment("bench-slot:footer"))
        return cls(*split_slots(tree), charset)

    def render(self, n: int, article: int, headline: str, paragraphs: list[str]) -> bytes:
        """The page of ``article`` as served for request number ``n``: the story, its metadata
        (JSON-LD, different for every article as on real sites) and chrome that moves per request."""
        story = f"<h1>{headline}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        meta = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
                           "description": paragraphs[0][:200], "identifier": f"a-{article:08d}",
                           "author": {"@type": "Person", "name": f"Reporter {article % 173}"},
                           "keywords": paragraphs[-1].split()[:8], "wordCount": sum(len(p.split()) for p in paragraphs),
                           "datePublished": CHROME_DATE.format(article % 28 + 1)}, ensure_ascii=False)
        slots = {"story": story, "meta": f'<script type="application/ld+json">{meta}</script>'}
        out = [self.segments[0]]
        for slot, segment in zip(self.slots, self.segments[1:], strict=True):
            out += [slots[slot] if slot in slots else CHROME[slot](n), segment]
        return "".join(out).encode(self.charset, errors="xmlcharrefreplace")


def load_outlets(count: int) -> tuple[list[Chrome], list[str]]:
    """``count`` outlet chromes (corpus pages cycled) and the corpus vocabulary."""
    directory = corpus_dir()
    if directory is None:
        raise SystemExit(missing_reason())
    entries = load_manifest(directory)
    chromes: dict[int, Chrome] = {}
    outlets = []
    for i in range(count):
        entry = entries[i % len(entries)]
        if i % len(entries) not in chromes:
            html = page_bytes(entry, directory).decode(entry["encoding"]).lstrip("\ufeff")
            chromes[i % len(entries)] = Chrome.build(html, entry["encoding"])
        outlets.append(chromes[i % len(entries)])
    # Every word as often as the corpus uses it, so word lengths and repeats are those of news text.
    words = [w for e in entries for w in (e.get("body") or "").split() if w.isalpha()]
    return outlets, words


def encode_wire(page: bytes, how: str) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """The body as the outlet sends it, and the encoding header."""
    if how == "identity":
        return page, ()
    if how == "gzip":  # nginx: zlib level 1, default window and memLevel, header with no mtime, OS unix
        deflate = zlib.compressobj(1, zlib.DEFLATED, -15, 8)
        body = deflate.compress(page) + deflate.flush()
    else:  # a streaming server: a sync flush after every 8 KB it writes
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15, 8)
        body = b"".join(deflate.compress(page[i:i + 8192]) + deflate.flush(zlib.Z_SYNC_FLUSH)
                        for i in range(0, len(page), 8192)) + deflate.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
    trailer = zlib.crc32(page).to_bytes(4, "little") + (len(page) & 0xFFFFFFFF).to_bytes(4, "little")
    assert gzip.decompress(header + body + trailer) == page
    return header + body + trailer, (("Content-Encoding", "gzip"),)


class History:
    """The generated articles: each one's text, edited version by version (seeded)."""

    def __init__(self, words: list[str], seed: int) -> None:
        self.words = words
        self.rng = random.Random(seed)

    def paragraph(self) -> str:
        words = self.rng.choices(self.words, k=self.rng.randint(*WORDS))
        return " ".join(words).capitalize() + "."

    def article(self) -> tuple[str, list[str]]:
        headline = " ".join(self.rng.choices(self.words, k=self.rng.randint(6, 12))).capitalize()
        return headline, [self.paragraph() for _ in range(self.rng.randint(*PARAGRAPHS))]

    def edit(self, paragraphs: list[str]) -> list[str]:
        edited = list(paragraphs)
        if self.rng.random() < 0.4:
            edited.insert(self.rng.randrange(len(edited) + 1), self.paragraph())
        else:
            i = self.rng.randrange(len(edited))
            words = edited[i].split()
            for _ in range(self.rng.randint(1, 6)):
                words[self.rng.randrange(len(words))] = self.rng.choice(self.words)
            edited[i] = " ".join(words)
        return edited if edited != paragraphs else self.edit(paragraphs)  # a frequent word replaced by itself

    def versions(self) -> int:
        draw, total = self.rng.random(), 0.0
        for count, share in VERSIONS_PER_ARTICLE:
            total += share
            if draw < total:
                return count
        return VERSIONS_PER_ARTICLE[-1][0]


#: Every this-many-th version is also packed the old way (per-row zlib, level 6) to give the
#: "before" column: the old codec's cost is per row, so a sample gives its median and mean.
OLD_SAMPLE_EVERY = 5
HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "max-age=60, public"),
    ("Server", "nginx"), ("Vary", "Accept-Encoding"), ("X-Frame-Options", "SAMEORIGIN"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'self' https:; script-src 'self' 'unsafe-inline' https://cdn.example "
     "https://ads.example; img-src * data:; frame-ancestors 'self'"),
)


def _row_bytes(db, version_id: int) -> int:
    """Stored bytes of one version: its row's columns, its exchange row, and its chain record."""
    return db.execute(
        "SELECT (SELECT length(raw_html) + length(headline) + length(byline) + length(body) + length(content_digest) "
        "+ length(first_seen) * 2 + coalesce(length(source_url), 0) + length(extractor_version) "
        "+ coalesce(length(shown_texts), 0) + 24 FROM versions "
        "WHERE id = :v) + coalesce((SELECT coalesce(length(body), 0) + length(request_headers) + length(response_headers) "
        "+ length(url) + length(requested_at) * 2 + 24 FROM exchanges WHERE version_id = :v), 0) "
        "+ coalesce((SELECT length(url) + length(payload_digest) + 64 * 5 + length(at) + 40 FROM chain "
        "WHERE version_id = :v), 0)", {"v": version_id}).fetchone()[0]


def _record_article(db, i: int, url: str, chrome: Chrome, how: str, history: History, counter: list[int]
                    ) -> list[tuple[int, bytes, bytes, float]]:
    """Record every version of article ``i``; returns (version id, page, wire body, seconds) each."""
    article_id = db.execute("SELECT article_id FROM aliases WHERE url = ?", [url]).fetchone()[0]
    headline, paragraphs = history.article()
    recorded = []
    for number in range(history.versions()):
        if number:
            paragraphs = history.edit(paragraphs)
        counter[0] += 1
        page = chrome.render(counter[0], i, headline, paragraphs)
        wire, encoding = encode_wire(page, how)
        at = f"2026-11-{1 + number:02d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
        exchange = Exchange(
            "GET", url, (("User-Agent", "redline/0.1"), ("Accept-Encoding", "gzip, deflate, br, zstd"),
                         ("Host", url.split("/")[2])), at + ".000000Z", "HTTP/1.1", 200, "OK",
            (*HEADERS, *encoding, ("Content-Length", str(len(wire))), ("Date", at),
             ("X-Request-Id", f"{counter[0]:016x}")), at + ".120000Z", wire)
        body = "\n\n".join(paragraphs)
        extracted = record.Extracted(headline=headline, body=body, byline=f"Reporter {i % 173}",
                                     published=None, modified=None, method="bench", extractor_version="bench-1",
                                     shown_texts=shown_texts(page, None, headline, body))  # as a crawl keeps them
        began = time.perf_counter()
        done = record.record_content(db, article_id, record.Fetch(url=url, checked_at=at + "Z", status=200,
                                                                  exchange=exchange), extracted, page)
        seconds = time.perf_counter() - began
        assert done.outcome == "new_version", done
        version_id = db.execute("SELECT id FROM versions WHERE article_id = ? AND number = ?",
                                [article_id, done.version]).fetchone()[0]
        recorded.append((version_id, page, wire, seconds))
    return recorded


def build(path: Path, count: int, outlets: int, seed: int, out: Path) -> dict:
    """Generate and record the history; per-version stored bytes now and under per-row zlib."""
    chromes, words = load_outlets(outlets)
    history = History(words, seed)
    db = open_database(path)
    per_version: list[int] = []
    old_per_version: list[int] = []
    counter = [0]
    spent = 0.0
    for start in range(0, count, BATCH):
        urls = [f"https://outlet-{i % outlets:02d}.example/news/{i:07d}" for i in range(start, min(count, start + BATCH))]
        with db.atomic():  # one commit per batch of articles, as bench/export.py: commits are not packing
            for i, url in enumerate(urls, start):
                articles.track(db, [url], outlet=f"Outlet {i % outlets:02d}")
            for i, url in enumerate(urls, start):
                for version_id, page, wire, seconds in _record_article(
                        db, i, url, chromes[i % outlets], ENCODINGS[i % outlets % len(ENCODINGS)], history, counter):
                    spent += seconds
                    stored = _row_bytes(db, version_id)
                    per_version.append(stored)
                    if len(per_version) % OLD_SAMPLE_EVERY == 0:
                        raw, body = db.execute(
                            "SELECT length(raw_html), (SELECT coalesce(length(body), 0) FROM exchanges "
                            "WHERE version_id = ?) FROM versions WHERE id = ?", [version_id, version_id]).fetchone()
                        old = len(zlib.compress(page, 6)) + (len(zlib.compress(wire, 6)) if wire != page else 0)
                        old_per_version.append(stored - raw - body + old)
        if start // BATCH % 25 == 0:
            print(f"  {min(count, start + BATCH)} articles, {len(per_version)} versions", flush=True)
            partial = {"versions": len(per_version), "per_version": per_version, "old_per_version": old_per_version,
                       "write_seconds": spent}
            _write_report(out, summarize(path, min(count, start + BATCH), outlets, partial, None), partial=True)
    db.close()
    return {"versions": len(per_version), "per_version": per_version, "old_per_version": old_per_version,
            "write_seconds": spent}


def read_back(path: Path, versions: int, seed: int) -> float:
    """Median seconds to read one version's raw HTML (random versions, a fresh connection)."""
    db = open_database(path)
    rng = random.Random(seed)
    times = []
    ids = [row[0] for row in db.execute("SELECT id FROM versions")]
    for version_id in rng.sample(ids, min(READ_SAMPLE, len(ids))):
        began = time.perf_counter()
        row = next(db.query("SELECT raw_html, headline, byline, body FROM versions WHERE id = ?", [version_id]))
        page = blobs.page_of(db, row)
        times.append(time.perf_counter() - began)
        assert page
    db.close()
    return statistics.median(times)


def summarize(path: Path, count: int, outlets: int, built: dict, read: float | None) -> dict:
    """The report's figures from a (possibly still growing) database and the per-version sizes."""
    versions, new, old = built["versions"], built["per_version"], built["old_per_version"]
    file_size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    blob_delta = statistics.mean(old) - statistics.mean(new[OLD_SAMPLE_EVERY - 1::OLD_SAMPLE_EVERY])
    return {
        "articles": count, "outlets": outlets, "versions": versions,
        "median_bytes_per_version": statistics.median(new), "mean_bytes_per_version": statistics.mean(new),
        "old_zlib_median_bytes_per_version": statistics.median(old),
        "old_zlib_mean_bytes_per_version": statistics.mean(old),
        "file_bytes_per_version": file_size / versions,
        "old_zlib_file_bytes_per_version_estimate": file_size / versions + blob_delta,
        "versions_per_second": versions / built["write_seconds"],
        "read_one_version_ms": read * 1000 if read is not None else None, "load_average": os.getloadavg(),
    }


def _write_report(out: Path, report: dict, *, partial: bool) -> None:
    """The JSON report; a long run rewrites it (``partial``) every 25 batches, so it is never lost."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**report, "partial": partial}, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench storage")
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--outlets", type=int, default=DEFAULT_OUTLETS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT / "storage.json", help="the JSON report (its folder "
                        "also holds the database, under storage-work/)")
    args = parser.parse_args(argv)
    work = args.out.parent / "storage-work"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"storage-{args.articles}.db"
    for stale in work.glob(f"storage-{args.articles}.*"):
        stale.unlink()
    began = time.monotonic()
    built = build(path, args.articles, args.outlets, args.seed, args.out)
    wall = time.monotonic() - began
    report = {**summarize(path, args.articles, args.outlets, built, read_back(path, built["versions"], args.seed)),
              "build_seconds": wall}
    print(f"\n{args.articles} articles, {args.outlets} outlets, {report['versions']} versions "
          f"(load average {report['load_average'][0]:.2f})")
    print("| stored bytes per version | per-row zlib (before) | packed (storage/blobs.py) |")
    print("| --- | --- | --- |")
    print(f"| median (blob + exchange + version row + chain row) | {report['old_zlib_median_bytes_per_version']:,.0f} "
          f"| {report['median_bytes_per_version']:,.0f} |")
    print(f"| mean (same) | {report['old_zlib_mean_bytes_per_version']:,.0f} | {report['mean_bytes_per_version']:,.0f} |")
    print(f"| database file / versions (everything: FTS, checks, indexes) | "
          f"{report['old_zlib_file_bytes_per_version_estimate']:,.0f} (estimate) | {report['file_bytes_per_version']:,.0f} |")
    print(f"write: {report['versions_per_second']:.0f} versions/s (record_content, packing included); "
          f"read one version's raw HTML: {report['read_one_version_ms']:.2f} ms (median)")
    _write_report(args.out, report, partial=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
