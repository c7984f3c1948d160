"""Extraction quality and speed over the shared corpus: redline vs trafilatura vs readability-lxml.

Run from the repository root::

    python -m bench extraction            # or: python bench/extraction.py

Both corpus folders are evaluated (``corpus``, and ``corpus-gn1`` when present: 2008-era pages
with no og:title or JSON-LD), each reported on its own and then together; every extractor gets
each page's real URL from the manifest (its host names the site in ``<title>``).

redline is measured end to end from the page *bytes* (its own :func:`redline.crawler.decode.decode_html`
and :func:`redline.crawler.extract.extract`); the baselines get the text decoded with the manifest's
codec, so decoding mistakes count against redline only.  Body score: token-level precision,
recall and F1 over multisets of case-folded word tokens (characters for zh/ja/th/my),
whitespace-insensitive.  Headline: exact match after NFC, whitespace and quote-style
normalisation (’ = '), on pages whose ground truth has a headline.  Pages whose ground-truth
headline contradicts the page itself are listed with the reason and excluded in a second
figure: the ground truth keeps the site name (``…_科技_腾讯网``), or it follows another title
the page declares (``<title>``, og:title) while the page's one visible ``<h1>`` is confirmed
by its own metadata.

Writes ``bench/out/extraction.json``.  The functions here are imported by
``tests/test_extract_corpus.py``: the quality guard and this report share one implementation.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/extraction.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html  # noqa: E402

from bench.corpus import corpus_dir, corpus_dirs, load_manifest, missing_reason, page_bytes  # noqa: E402

CHAR_LANGS = frozenset({"zh", "ja", "th", "my"})
EXTRACTORS = ("redline", "trafilatura", "readability")
OUT_PATH = Path(__file__).resolve().parent / "out" / "extraction.json"
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_SEPARATOR = re.compile(r"\s[|\-–—·:]\s|[_｜|：]")
#: Typographic quotes are a style choice, not a different headline.
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})


# --- scoring -----------------------------------------------------------------------------------

def tokens(text: str, lang: str | None) -> list[str]:
    """Case-folded word tokens, or non-space characters for languages written without spaces."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    if lang in CHAR_LANGS:
        return [c for c in text if not c.isspace()]
    return _WORD.findall(text)


def body_scores(predicted: str, truth: str, lang: str | None) -> tuple[float, float, float]:
    """(precision, recall, F1) of predicted body tokens against ground-truth tokens."""
    got, want = Counter(tokens(predicted, lang)), Counter(tokens(truth, lang))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def normalize_headline(text: str | None) -> str:
    """NFC, odd spaces and quote styles folded, whitespace collapsed (case kept: exact match)."""
    text = unicodedata.normalize("NFC", text or "").replace("\u3000", " ").replace("\u00a0", " ")
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def headline_gt_inconsistent(entry: dict[str, Any], html: str) -> str | None:
    """Why the ground-truth headline contradicts the page itself, or ``None`` when it does not.

    * "keeps site name": it is the ``<title>``/og:title *with* the site name, against the page's
      own ``<h1>`` (or the title minus its site part);
    * "follows another title": the page has one visible ``<h1>``, its own metadata (og:title,
      twitter:title or JSON-LD headline) states that same headline, and the ground truth is a
      different declared title (the SEO ``<title>`` or og:title).
    An extractor that reports what readers see is penalised for being right on such pages.
    """
    truth = normalize_headline(entry.get("headline"))
    if not truth:
        return None
    tree = lxml.html.document_fromstring(html)
    titles = {normalize_headline(t.text_content()) for t in tree.xpath("//title")}
    metas = {normalize_headline(m.get("content")) for m in tree.xpath(
        "//meta[@property='og:title' or @name='og:title' or @property='twitter:title' or @name='twitter:title']")}
    ld = {normalize_headline(h) for h in re.findall(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"', html)}
    h1s = [h for h in (normalize_headline(h.text_content()) for h in tree.xpath("//h1")) if h]
    if truth in titles | metas:
        if any(h != truth and truth.startswith(h) for h in h1s):
            return "keeps site name"
        sites = [normalize_headline(m.get("content")) for m in tree.xpath("//meta[@property='og:site_name']")]
        parts = [p for p in _SEPARATOR.split(truth) if p.strip()]
        if len(parts) > 1 and any(s and (s in parts[-1] or parts[-1].strip() in s) for s in sites):
            return "keeps site name"
        if len(parts) >= 3 and "_" in truth:
            return "keeps site name"
    if len(h1s) == 1 and h1s[0] != truth and h1s[0] in metas | ld and any(
            t == truth or t.startswith(truth) for t in titles | metas):
        return "follows another title"
    return None


# --- extractors under test ---------------------------------------------------------------------

def run_redline(raw: bytes, html: str, url: str) -> dict[str, Any]:
    """redline end to end from bytes; ``html`` is unused (redline decodes itself)."""
    from redline.crawler.decode import decode_html
    from redline.crawler.extract import extract
    from redline.core.errors import NoArticle

    decoded = decode_html(raw, None)
    try:
        article = extract(decoded.text, url)
    except NoArticle:
        return {"headline": "", "body": "", "method": "error", "encoding": decoded.encoding,
                "decoded_text": decoded.text}
    return {"headline": article.headline, "body": article.body, "method": article.method,
            "encoding": decoded.encoding, "decoded_text": decoded.text}


def run_trafilatura(raw: bytes, html: str, url: str) -> dict[str, Any]:
    """trafilatura ``bare_extraction`` with default settings (metadata on, for the title)."""
    from trafilatura import bare_extraction

    document = bare_extraction(html, url=url or None, with_metadata=True)
    if document is None:
        return {"headline": "", "body": ""}
    return {"headline": document.title or "", "body": document.text or ""}


def run_readability(raw: bytes, html: str, url: str) -> dict[str, Any]:
    """readability-lxml: ``summary()`` text and ``short_title()``."""
    from readability import Document

    document = Document(html, url=url or None)
    summary = document.summary()
    body = lxml.html.document_fromstring(summary).text_content() if summary.strip() else ""
    return {"headline": document.short_title() or "", "body": body}


RUNNERS: dict[str, Callable[[bytes, str, str], dict[str, Any]]] = {
    "redline": run_redline, "trafilatura": run_trafilatura, "readability": run_readability,
}


# --- evaluation --------------------------------------------------------------------------------

def evaluate(extractors: Iterable[str] = EXTRACTORS, entries: list[dict[str, Any]] | None = None,
             directory: Path | None = None, folder: str | None = None) -> list[dict[str, Any]]:
    """Run each extractor over every page of one corpus folder (default ``corpus``) and score it;
    one record per page, carrying the folder's name (``folder``, else the directory's name)."""
    import logging

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("readability").setLevel(logging.CRITICAL)
    directory = directory or corpus_dir()
    if directory is None:
        raise FileNotFoundError(missing_reason())
    folder = folder or directory.name
    entries = entries if entries is not None else load_manifest(directory)
    records = []
    for entry in entries:
        raw = page_bytes(entry, directory)
        html = raw.decode(entry["encoding"])
        url = entry.get("url") or ""
        record: dict[str, Any] = {
            "id": entry["id"], "folder": folder, "source": entry["id"].split("-", 1)[0],
            "lang": entry["lang"],
            "has_body": bool(entry.get("body")), "has_headline": bool(entry.get("headline")),
            "headline_gt_inconsistent": headline_gt_inconsistent(entry, html),
        }
        for name in extractors:
            start = time.perf_counter()
            output = RUNNERS[name](raw, html, url)
            seconds = time.perf_counter() - start
            result: dict[str, Any] = {"seconds": seconds, "headline": output["headline"]}
            if entry.get("body"):
                p, r, f = body_scores(output["body"], entry["body"], entry["lang"])
                result.update(precision=p, recall=r, f1=f)
            if entry.get("headline"):
                result["headline_exact"] = (normalize_headline(output["headline"])
                                            == normalize_headline(entry["headline"]))
            if name == "redline":
                result["method"] = output["method"]
                result["encoding"] = output["encoding"]
                # a BOM is not text: redline strips it, the manifest codec keeps it
                result["decode_matches_manifest"] = output["decoded_text"] == html.lstrip("\ufeff")
                result["body"] = output["body"]
            record[name] = result
        records.append(record)
    return records


def summarize(records: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Mean/median body F1, headline exact rate and total time of one extractor."""
    f1s = [r[name]["f1"] for r in records if r["has_body"] and name in r]
    heads = [r[name]["headline_exact"] for r in records if r["has_headline"] and name in r]
    heads_consistent = [r[name]["headline_exact"] for r in records
                        if r["has_headline"] and name in r and not r["headline_gt_inconsistent"]]
    return {
        "pages": len(records),
        "body_pages": len(f1s),
        "body_f1_mean": statistics.mean(f1s) if f1s else None,
        "body_f1_median": statistics.median(f1s) if f1s else None,
        "headline_pages": len(heads),
        "headline_exact": sum(heads) / len(heads) if heads else None,
        "headline_pages_consistent_gt": len(heads_consistent),
        "headline_exact_consistent_gt": (sum(heads_consistent) / len(heads_consistent)
                                         if heads_consistent else None),
        "seconds": sum(r[name]["seconds"] for r in records if name in r),
    }


def check_snippets(entry: dict[str, Any], body: str) -> tuple[list[str], list[str]]:
    """(missing must-contain snippets, present must-not-contain snippets), whitespace-insensitive."""
    squashed = _SPACE.sub(" ", unicodedata.normalize("NFC", body))
    missing = [s for s in entry.get("body_must_contain") or [] if _SPACE.sub(" ", s) not in squashed]
    present = [s for s in entry.get("body_must_not_contain") or [] if _SPACE.sub(" ", s) in squashed]
    return missing, present


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "   -  "
    return f"{value * 100:5.1f}%" if percent else f"{value:.3f}"


def _table(title: str, groups: dict[str, list[dict[str, Any]]], names: Iterable[str],
           ratios: bool = False) -> list[str]:
    """One row per group and extractor; ``ratios``: time relative to trafilatura's on the group."""
    names = list(names)
    lines = [f"\n{title}", f"{'group':<14}{'extractor':<13}{'pages':>6}{'F1 mean':>9}{'F1 med':>8}"
             f"{'head ex':>9}{'head ex*':>9}{'seconds':>9}{'x traf':>8}"]
    for group, records in groups.items():
        base = summarize(records, "trafilatura")["seconds"] if ratios and "trafilatura" in names else None
        for name in names:
            s = summarize(records, name)
            ratio = f"{s['seconds'] / base:7.2f}x" if base else "       -"
            lines.append(
                f"{group:<14}{name:<13}{s['pages']:>6}{_fmt(s['body_f1_mean']):>9}"
                f"{_fmt(s['body_f1_median']):>8}{_fmt(s['headline_exact'], True):>9}"
                f"{_fmt(s['headline_exact_consistent_gt'], True):>9}{s['seconds']:>9.2f}{ratio}"
            )
    return lines


def report(records: list[dict[str, Any]], names: Iterable[str] = EXTRACTORS) -> str:
    """The human-readable tables: overall, per source prefix, per language, worst pages."""
    names = list(names)
    lines = _table("Overall (head ex* = excluding pages whose ground-truth headline contradicts the page)",
                   {"all": records}, names, ratios=True)
    by_source: dict[str, list[dict[str, Any]]] = {}
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_source.setdefault(record["source"], []).append(record)
        by_lang.setdefault(record["lang"], []).append(record)
    lines += _table("Per source", dict(sorted(by_source.items())), names)
    lines += _table("Per language", dict(sorted(by_lang.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
                    names)
    scored = sorted((r for r in records if r["has_body"] and "redline" in r),
                    key=lambda r: r["redline"]["f1"])
    lines.append("\nWorst 10 pages for redline (P / R / F1, method; others' F1)")
    for r in scored[:10]:
        red = r["redline"]
        others = "  ".join(f"{n}={r[n]['f1']:.3f}" for n in names if n != "redline" and n in r)
        lines.append(f"  {r['id']:<30} {red['precision']:.3f} / {red['recall']:.3f} / {red['f1']:.3f}"
                     f"  {red['method']:<12} {others}")
    wrong_heads = [r for r in records if r["has_headline"] and "redline" in r
                   and not r["redline"]["headline_exact"]]
    lines.append("\nredline headline misses: " + (", ".join(
        f"{r['id']}{' (gt ' + r['headline_gt_inconsistent'] + ')' if r['headline_gt_inconsistent'] else ''}"
        for r in wrong_heads) or "none"))
    inconsistent = [f"{r['id']} ({r['headline_gt_inconsistent']})" for r in records if r["headline_gt_inconsistent"]]
    lines.append("ground-truth headlines that contradict the page: " + (", ".join(inconsistent) or "none"))
    decode_bad = [f"{r['id']} ({r['redline']['encoding']})" for r in records
                  if "redline" in r and not r["redline"]["decode_matches_manifest"]]
    lines.append("pages where redline's decoding disagrees with the manifest: "
                 + (", ".join(decode_bad) or "none"))
    return "\n".join(lines)


def sibling_variant(folders: dict[str, Path], by_folder: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """redline given, for each page, the ``<title>`` of every *other* corpus page of its host (what
    the crawler's learned title template is made of, crawler/titles.py), against redline alone.

    Only pages whose host has another page in the corpus folders can differ; the template is
    learned from at most those few titles, below the crawler's own minimum sample, so this is an
    upper bound on what the learned template changes on this corpus, not a measure of its use."""
    from urllib.parse import urlsplit

    from redline.crawler.decode import decode_html
    from redline.crawler.extract import extract, parse
    from redline.crawler.extract.structured import collect
    from redline.core.errors import NoArticle

    pages: list[tuple[str, dict[str, Any], bytes, str]] = []
    for name, path in folders.items():
        for entry in load_manifest(path):
            url = entry.get("url") or ""
            if urlsplit(url).hostname:
                pages.append((name, entry, page_bytes(entry, path), url))
    titles: dict[str, list[tuple[str, str]]] = {}
    for _, entry, raw, url in pages:
        title = collect(parse(decode_html(raw, None).text), url).title
        titles.setdefault(urlsplit(url).hostname or "", []).append((entry["id"], title))
    plain = {r["id"]: r["redline"] for records in by_folder.values() for r in records}
    rows = []
    for name, entry, raw, url in pages:
        siblings = [t for page_id, t in titles[urlsplit(url).hostname or ""] if page_id != entry["id"] and t]
        if not siblings:
            continue
        try:
            article = extract(decode_html(raw, None).text, url, sibling_titles=siblings)
        except NoArticle:
            article = None
        row = {"id": entry["id"], "folder": name, "siblings": len(siblings),
               "title_only": bool(article and article.title_only), "changed": False}
        if entry.get("body") and article is not None:
            row["f1"] = body_scores(article.body, entry["body"], entry["lang"])[2]
            row["changed"] |= abs(row["f1"] - plain[entry["id"]]["f1"]) > 1e-9
        if entry.get("headline"):
            row["headline_exact"] = bool(article) and (normalize_headline(article.headline)
                                                        == normalize_headline(entry["headline"]))
            row["changed"] |= row["headline_exact"] != plain[entry["id"]]["headline_exact"]
        row["headline_changed"] = article is None or article.headline != plain[entry["id"]]["headline"]
        rows.append(row)
    return {"pages_with_siblings": len(rows), "title_only": sum(r["title_only"] for r in rows),
            "headline_changed": [r["id"] for r in rows if r["headline_changed"]],
            "score_changed": [r["id"] for r in rows if r["changed"]], "rows": rows}


def main() -> int:
    folders = corpus_dirs()
    if not folders:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    by_folder = {name: evaluate(EXTRACTORS, directory=path, folder=name) for name, path in folders.items()}
    records = [record for folder in by_folder.values() for record in folder]
    groups = {**by_folder, "all": records} if len(by_folder) > 1 else by_folder
    print("\n".join(_table("By folder (head ex* = excluding pages whose ground-truth headline contradicts "
                           "the page)", groups, EXTRACTORS, ratios=True)))
    for name, folder_records in by_folder.items():
        print(f"\n=== {name} ({folders[name]}) ===")
        print(report(folder_records))
    variant = sibling_variant(folders, by_folder)
    print(f"\nWith the host's other pages' <title> as siblings (the learned template): "
          f"{variant['pages_with_siblings']} pages have another page of their host, "
          f"{variant['title_only']} of them read the headline through <title>; headline changed on "
          f"{', '.join(variant['headline_changed']) or 'none'}; score changed on "
          f"{', '.join(variant['score_changed']) or 'none'}")
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "sibling_titles": variant,
        "folders": {name: str(path) for name, path in folders.items()},
        "summary": {group: {name: summarize(group_records, name) for name in EXTRACTORS}
                    for group, group_records in groups.items()},
        "pages": records,
    }
    OUT_PATH.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {OUT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
