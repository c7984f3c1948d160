"""The change benchmark's sequences replayed in process: a quick loop for diagnosing misses.

    python -m bench.replay [--pages N] [--seed S] [--ids ID,ID] [--verbose]

``python -m bench changes`` runs the real CLI (a server, ``track``, one ``crawl`` per step); this
feeds the same answers straight to the code the crawl runs for a 2xx page
(:func:`redline.crawler.reading.read_page`: the recheck fast path, else extraction and the confirm
step; the content digest and :func:`redline.storage.differ.compare`), so one seed over every page takes a
couple of minutes instead of many, and a miss can be printed with what each reading held.
Failed answers are skipped as the store skips them; removal (404/410) is not replayed (the store
decides it without extraction).  Scores use :func:`bench.changes.score`.  For dev seeds only:
never diagnose on :data:`bench.changes.HELD_OUT_SEED`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.changes import (DEV_SEEDS, HELD_OUT_SEED, Observation, Step, dropped, load_stories, report,  # noqa: E402
                           score, sequences)
from bench.mutate import State, Story  # noqa: E402


def replay(story: Story, steps: list[Step], verbose: bool = False) -> list[Observation]:
    """What redline flags at every step of one page's sequence (removal steps left out)."""
    from redline.crawler.extract import EXTRACTOR_VERSION
    from redline.crawler.pipelines import _needs_stored_page
    from redline.crawler.reading import read_page
    from redline.storage.differ import Content, compare
    from redline.storage.record import content_digest

    url = f"http://127.0.0.1:8000/p/{story.page_id}?utm_source=bench"
    ctype = f"text/html; charset={story.encoding}"
    latest: dict[str, Any] | None = None
    digests: list[str] = []
    out: list[Observation] = []
    for index, step in enumerate([Step(0, "baseline", "", State()), *steps]):
        status, html = story.render(step.state)
        observation = Observation(step.episode, step.mutation, step.variant)
        if index:
            out.append(observation)
        if status != 200 or step.mutation == "removal":
            continue
        body = html.encode(story.encoding, errors="xmlcharrefreplace")
        # The fast path, or extraction + confirm; as the crawl does it, without the stored page
        # when the version's shown texts stand in for it, and again with it when it is needed.
        slim = latest if latest is None or _needs_stored_page(latest) else \
            {key: value for key, value in latest.items() if key != "raw_html"}
        reading = read_page(body, ctype, url, None, slim)
        if reading.needs_page:
            reading = read_page(body, ctype, url, None, latest, fast_path=not reading.fast_path)
        article = reading.article
        if article is None or not article.body:
            continue
        digest = content_digest(article.headline, article.byline, article.body)
        if latest is not None and digest == latest["content_digest"]:
            continue
        if latest is not None:
            summary = compare(Content(latest["headline"], latest["body"], latest["byline"]),
                              Content(article.headline, article.body, article.byline))
            if summary.kinds:
                reverts = next((n + 1 for n, d in enumerate(digests) if d == digest), None)
                observation.redline.append({"kinds": list(summary.kinds), "reverts_to": reverts})
                if verbose:
                    _show(story.page_id, step, latest, article)
        observation.extra_versions = 1 if latest is not None else 0
        digests.append(digest)
        latest = {"raw_html": body, "body": article.body, "headline": article.headline,
                  "byline": article.byline, "content_digest": digest, "encoding": article.encoding,
                  "extractor_version": EXTRACTOR_VERSION, "shown_texts": article.shown_texts}
    if verbose:
        for observation in out:
            expected = observation.mutation not in ("idle", "removal", "markup", "chrome", "inarticle", "transient")
            if expected and not observation.redline:
                print(f"MISS {story.page_id} {observation.mutation} [{observation.variant}]", file=sys.stderr)
    return out


def _show(page_id: str, step: Step, latest: dict[str, Any], article: Any) -> None:
    from difflib import unified_diff

    print(f"--- {page_id} step {step.mutation} [{step.variant}]", file=sys.stderr)
    if latest["headline"] != article.headline:
        print(f"  headline: {latest['headline']!r} -> {article.headline!r}", file=sys.stderr)
    for line in list(unified_diff(latest["body"].split("\n\n"), article.body.split("\n\n"), lineterm="", n=0))[2:12]:
        print("  " + line[:200], file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--seed", type=int, default=DEV_SEEDS[0])
    parser.add_argument("--ids", default="", help="comma-separated page ids")
    parser.add_argument("--verbose", action="store_true", help="print every flag and miss")
    args = parser.parse_args(argv)
    if args.seed == HELD_OUT_SEED:
        parser.error("the held-out seed is reported by `python -m bench changes --held-out`, never replayed")
    stories = load_stories(args.pages, ids=args.ids.split(",") if args.ids else None, seed=args.seed)
    plans = sequences(stories, args.seed)
    observed = {s.page_id: replay(s, plans[s.page_id], args.verbose) for s in stories}
    print(f"replay, seed {args.seed}: {len(stories)} pages")
    print(report(score(observed)))
    print(dropped(stories))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
