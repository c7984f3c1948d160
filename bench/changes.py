"""Change detection on real pages: does redline flag every edit and no churn?

Run from the repository root::

    python -m bench.changes [--pages N]

Every corpus page becomes a version sequence (:mod:`bench.mutate`): one mutation per step,
churn kinds and edits in a page-specific order, a headline A/B test that flips back (A → B → A),
then the article is pulled (404 twice: redline records a removal on the second).  All pages
are served side by side by one threaded HTTP server on 127.0.0.1 and run through the real
pipeline: ``redline track``, one ``redline crawl --once --all`` per step over every page, and
``redline changes --json`` after each crawl to see what was flagged.

The baseline is a naive whole-page watcher (how general page monitors work): the visible text
of ``<body>`` (scripts and styles removed, whitespace collapsed) and the HTTP status; any
difference from the previous step is "changed".

Scoring is per *episode* (one mutation; the two 404 steps of a pull are one episode): an edit
episode is a true positive when the detector flagged it with the right kind (``headline``,
``body``, ``removed``; the flip back of an A/B test must name the version it reverts to), every
other flag is a false positive.  Writes ``bench/out/changes.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/changes.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html  # noqa: E402

from bench.corpus import corpus_dir, load_manifest, missing_reason, page_bytes  # noqa: E402
from bench.mutate import CHURN, EDITS, State, Story, prepare  # noqa: E402
from bench.server import Answer, local_server, serving  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "changes.json"
REDLINE = Path(sys.executable).with_name("redline")
#: Parallel requests to the one local host: the server and the extractor, not the network,
#: are the limit; 16 keeps both cores busy without queueing the whole corpus at once.
CONCURRENCY = 16
#: Generous: a crawl over the whole corpus takes well under a minute on the 2-core CI machine.
CRAWL_TIMEOUT_SECONDS = 900
#: What each edit must be flagged as.
EXPECTED_KIND = {"headline": "headline", "headline_ab": "headline", "flip_flop": "headline",
                 "number": "body", "sentence": "body", "paragraph_removed": "body",
                 "correction": "body", "pulled": "removed"}
MUTATIONS = (*CHURN, "idle", *EDITS, "headline_ab", "flip_flop", "pulled")
_SPACE = re.compile(r"\s+")


# --- sequences -----------------------------------------------------------------------------------


def schedule(story: Story, units: list[str]) -> list[tuple[str, State]]:
    """The page's steps after the baseline: (mutation, state), in a page-specific order.

    ``units`` are churn kinds, edits and ``"ab"`` (a headline A/B test: B, then back to A).
    """
    units = list(units)
    random.Random(story.page_id).shuffle(units)
    state, steps = State(), []
    for unit in units:
        if unit in CHURN:
            state = state.bump(unit)
            steps.append((unit, state))
        elif unit == "ab":
            steps.append(("headline_ab", replace(state, headline_b=True)))
            steps.append(("flip_flop", state))
        else:
            state = replace(state, edits=state.edits | {unit})
            steps.append((unit, state))
    return steps


def _units(story: Story) -> list[str]:
    """Every mutation the page can take."""
    return [*CHURN, *story.applicable_edits] + (["ab"] if "headline" in story.applicable_edits else [])


def deal(stories: list[Story], spread: bool) -> dict[str, list[str]]:
    """Mutations per page: all of them for every page, or (``spread``) each one once, dealt
    round-robin to the pages that can take it (a quick slice for tests)."""
    if not spread:
        return {s.page_id: _units(s) for s in stories}
    dealt: dict[str, list[str]] = {s.page_id: [] for s in stories}
    for index, unit in enumerate([*CHURN, *EDITS, "ab"]):
        able = [s for s in stories if unit in _units(s)]
        if able:
            dealt[able[index % len(able)].page_id].append(unit)
    return dealt


def sequences(stories: list[Story], spread: bool = False) -> dict[str, list[tuple[str, State]]]:
    """Equal-length step lists (idle steps pad them), each ending with two 404 steps."""
    dealt = deal(stories, spread)
    plans = {s.page_id: schedule(s, dealt[s.page_id]) for s in stories}
    length = max(len(p) for p in plans.values())
    for plan in plans.values():
        last = plan[-1][1] if plan else State()
        plan += [("idle", last)] * (length - len(plan))
        plan += [("pulled", replace(last, pulled=True))] * 2
    return plans


def load_stories(limit: int | None = None, ids: list[str] | None = None) -> list[Story]:
    """Corpus pages prepared for mutation, placed where redline's extractor finds the article."""
    from redline.crawler.extract import extract

    directory = corpus_dir()
    entries = [e for e in load_manifest(directory) if ids is None or e["id"] in ids]
    extracted = []
    for entry in entries:
        html = page_bytes(entry, directory).decode(entry["encoding"]).lstrip("\ufeff")
        article = extract(html, f"http://127.0.0.1/p/{entry['id']}")  # as it will be served
        extracted.append((entry, html, article))
    headlines = [a.headline for _, _, a in extracted if a.headline]
    stories = []
    for entry, html, article in extracted:
        others = [h for h in headlines if h != article.headline] or ["Other news"]
        story = prepare(entry["id"], entry["lang"], entry["encoding"], html, article.body,
                        article.headline, others)
        if story is not None:
            stories.append(story)
    return stories[:limit] if limit else stories


# --- the local outlet ----------------------------------------------------------------------------


class Outlet:
    """A threaded HTTP server on 127.0.0.1 answering ``/p/<id>`` with the current step's page."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes, str]] = {}
        self.lock = threading.Lock()
        self.server = local_server(self._answer)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.set("/robots.txt", 200, b"User-agent: *\nAllow: /\n", "text/plain")

    def set(self, path: str, status: int, body: bytes, ctype: str) -> None:
        with self.lock:
            self.pages[path] = (status, body, ctype)

    def _answer(self, path: str, if_none_match: str | None) -> Answer:
        with self.lock:
            status, body, ctype = self.pages.get(path, (404, b"not found", "text/plain"))
        return status, {"Content-Type": ctype}, body


def _redline(db: Path, *args: str) -> str:
    done = subprocess.run([str(REDLINE), "--db", str(db), *args], capture_output=True, text=True,
                          check=False, timeout=CRAWL_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    if done.returncode:
        raise RuntimeError(f"redline {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def naive_text(html: str) -> str:
    """What a general page monitor compares: the visible text of ``<body>``."""
    tree = lxml.html.document_fromstring(html)
    for element in tree.xpath("//script | //style | //noscript | //template"):
        element.drop_tree()
    body = tree.find("body")
    return _SPACE.sub(" ", (body if body is not None else tree).text_content()).strip()


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Observation:
    """What both detectors saw for one page at one step."""

    mutation: str
    redline: list[dict[str, Any]] = field(default_factory=list)
    naive: bool = False


def run(stories: list[Story], workdir: Path, spread: bool = False,
        log: bool = True) -> dict[str, list[Observation]]:
    """Serve every step, crawl, and record per page what redline and the naive watcher flagged."""
    plans = sequences(stories, spread)
    steps = len(next(iter(plans.values())))
    db = workdir / "changes.db"
    outlet = Outlet()
    by_path = {f"/p/{s.page_id}": s for s in stories}
    observed: dict[str, list[Observation]] = {s.page_id: [] for s in stories}
    previous: dict[str, str] = {}
    seen: set[tuple[Any, ...]] = set()
    with serving(outlet):
        for step in range(steps + 1):
            started = time.perf_counter()
            for path, story in by_path.items():
                mutation, state = ("baseline", State()) if step == 0 else plans[story.page_id][step - 1]
                naive = _serve(outlet, path, story, state)
                if step:
                    observed[story.page_id].append(Observation(mutation, naive=naive != previous[path]))
                previous[path] = naive
            if step == 0:
                _redline(db, "track", *(f"{outlet.base}{p}?utm_source=bench" for p in by_path))
            served = time.perf_counter()
            _redline(db, "crawl", "--once", "--all", "--delay", "0", "--concurrency", str(CONCURRENCY))
            crawled = time.perf_counter()
            for change in json.loads(_redline(db, "changes", "--json")):
                key = (change["url"], change["from_version"], change["to_version"], *change["kinds"])
                if key in seen:
                    continue
                seen.add(key)
                page_id = change["url"].rsplit("/", 1)[-1].split("?")[0]
                observed[page_id][-1].redline.append(change)
            if log:
                print(f"step {step}/{steps}: served in {served - started:.1f} s, crawled in "
                      f"{crawled - served:.1f} s, changes read in {time.perf_counter() - crawled:.1f} s",
                      file=sys.stderr, flush=True)
    return observed


def _serve(outlet: Outlet, path: str, story: Story, state: State) -> str:
    """Put the page's state on the outlet; return what the naive watcher sees."""
    if state.pulled:
        outlet.set(path, 404, b"<html><body><h1>Page not found</h1></body></html>", "text/html")
        return "404"
    html = story.render(state)
    outlet.set(path, 200, html.encode(story.encoding, errors="xmlcharrefreplace"),
               f"text/html; charset={story.encoding}")
    return naive_text(html)


# --- scoring -------------------------------------------------------------------------------------


def _episodes(observations: list[Observation]) -> Iterator[tuple[str, list[Observation]]]:
    """Steps grouped into episodes: the consecutive 404 steps of a pull are one."""
    index = 0
    while index < len(observations):
        end = index + 1
        if observations[index].mutation == "pulled":
            while end < len(observations) and observations[end].mutation == "pulled":
                end += 1
        yield observations[index].mutation, observations[index:end]
        index = end


def _right_kind(mutation: str, change: dict[str, Any]) -> bool:
    if EXPECTED_KIND[mutation] not in change["kinds"]:
        return False
    return mutation != "flip_flop" or change.get("reverts_to") is not None


def score(observed: dict[str, list[Observation]]) -> dict[str, Any]:
    """Per mutation type and overall: cases, flags, true/false positives for both detectors."""
    table: dict[str, dict[str, Any]] = {}
    misses: list[dict[str, Any]] = []
    for page_id, observations in observed.items():
        for mutation, episode in _episodes(observations):
            row = table.setdefault(mutation, {"cases": 0, "redline": {"tp": 0, "fp": 0},
                                              "naive": {"tp": 0, "fp": 0}})
            row["cases"] += 1
            changes = [c for o in episode for c in o.redline]
            naive_flags = sum(o.naive for o in episode)
            if mutation in EXPECTED_KIND:
                hit = any(_right_kind(mutation, c) for c in changes)
                row["redline"]["tp"] += hit
                row["redline"]["fp"] += len(changes) - hit
                row["naive"]["tp"] += naive_flags > 0
                row["naive"]["fp"] += max(naive_flags - 1, 0)
                if not hit:
                    misses.append({"page": page_id, "mutation": mutation, "changes": changes})
            else:
                row["redline"]["fp"] += len(changes)
                row["naive"]["fp"] += naive_flags
                if changes:
                    misses.append({"page": page_id, "mutation": mutation, "changes": changes})
    totals = {}
    for detector in ("redline", "naive"):
        tp = sum(r[detector]["tp"] for r in table.values())
        fp = sum(r[detector]["fp"] for r in table.values())
        edits = sum(r["cases"] for m, r in table.items() if m in EXPECTED_KIND)
        totals[detector] = {"tp": tp, "fp": fp, "edits": edits,
                            "precision": tp / (tp + fp) if tp + fp else 1.0,
                            "recall": tp / edits if edits else 1.0}
    ordered = {m: table[m] for m in MUTATIONS if m in table}
    return {"per_mutation": ordered, "overall": totals, "errors": misses}


def report(scores: dict[str, Any]) -> str:
    """Per mutation type: cases, and for each detector its flags with precision/recall."""
    lines = [(f"{'mutation':<19}{'type':<7}{'cases':>6}   {'redline flags':>13}{'P':>7}{'R':>7}"
              f"   {'naive flags':>11}{'P':>7}{'R':>7}")]
    for mutation, row in scores["per_mutation"].items():
        edit = mutation in EXPECTED_KIND
        cells = []
        for detector in ("redline", "naive"):
            tp, fp = row[detector]["tp"], row[detector]["fp"]
            p = f"{tp / (tp + fp):7.3f}" if edit and tp + fp else "      -"
            r = f"{tp / row['cases']:7.3f}" if edit else "      -"
            cells.append((tp + fp, p, r))
        (rf, rp, rr), (nf, np_, nr) = cells
        lines.append(f"{mutation:<19}{'edit' if edit else 'churn':<7}{row['cases']:>6}   {rf:>13}{rp}{rr}"
                     f"   {nf:>11}{np_}{nr}")
    red, naive = scores["overall"]["redline"], scores["overall"]["naive"]
    lines.append(f"{'overall':<19}{'':<7}{red['edits']:>6}   {red['tp'] + red['fp']:>13}"
                 f"{red['precision']:7.3f}{red['recall']:7.3f}   {naive['tp'] + naive['fp']:>11}"
                 f"{naive['precision']:7.3f}{naive['recall']:7.3f}")
    lines.append("(churn rows: flags are false alarms; edit rows: P = right flags / all flags)")
    errors = scores["errors"]
    lines.append(f"\nredline errors ({len(errors)}): " + (", ".join(
        f"{e['page']}:{e['mutation']}" for e in errors[:30]) or "none"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=None, help="only the first N usable pages")
    args = parser.parse_args(argv)
    if corpus_dir() is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    stories = load_stories(args.pages)
    with tempfile.TemporaryDirectory(prefix="redline-bench-") as tmp:
        observed = run(stories, Path(tmp))
    scores = score(observed)
    print(f"\nChange detection: {len(stories)} pages, "
          f"{sum(len(v) for v in observed.values())} page-steps")
    print(report(scores))
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(json.dumps({"pages": [s.page_id for s in stories], **scores},
                                   ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {OUT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
