"""Real edits: pairs of archived captures of the same article URL, through the real CLI.

Run from the repository root::

    REDLINE_REAL_EDITS=/path/to/pairs python -m bench real

The data is third-party pages and never lives in this repository.  The directory holds a
``manifest.jsonl``, one pair a line::

    {"id": "guardian-2019-strike", "before": "a.html", "after": "b.html", "edited": true,
     "encoding": "utf-8", "note": "paragraph 4 rewritten"}

``before``/``after`` are file names in the directory (two captures of one URL, e.g. Wayback
Machine ``id_`` captures, which keep the page's own bytes); ``edited`` says whether the outlet
changed the story between them (headline, byline or text), judged by a person.  Every pair is
served from 127.0.0.1 (before, then after), tracked, crawled twice and read back with
``redline changes --json``: an edited pair must be flagged, an unchanged pair (only chrome moved)
must not.  Prints recall and false alarms; exits 2 when the data is absent.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/real.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.changes import CONCURRENCY, Outlet, _redline  # noqa: E402
from bench.server import serving  # noqa: E402

ENV_VAR = "REDLINE_REAL_EDITS"
MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class Pair:
    """Two captures of one article and whether the story changed between them."""

    pair_id: str
    before: bytes
    after: bytes
    edited: bool
    encoding: str
    note: str = ""


def data_dir() -> Path | None:
    """The pairs directory named by ``$REDLINE_REAL_EDITS``, or ``None`` when it is not there."""
    configured = os.environ.get(ENV_VAR)
    if configured and (Path(configured) / MANIFEST).is_file():
        return Path(configured)
    return None


def missing_reason() -> str:
    return f"no real edit pairs: set {ENV_VAR} to a directory holding {MANIFEST} (see bench/real.py)"


def load_pairs(directory: Path) -> list[Pair]:
    pairs = []
    for line in (directory / MANIFEST).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        pairs.append(Pair(entry["id"], (directory / entry["before"]).read_bytes(),
                          (directory / entry["after"]).read_bytes(), bool(entry["edited"]),
                          entry.get("encoding", "utf-8"), entry.get("note", "")))
    return pairs


def run(pairs: list[Pair], workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """The changes redline reported for each pair (before served first, then after)."""
    db = workdir / "real.db"
    outlet = Outlet()
    paths = {f"/r/{p.pair_id}": p for p in pairs}
    with serving(outlet):
        for side in ("before", "after"):
            for path, pair in paths.items():
                outlet.set(path, 200, getattr(pair, side), f"text/html; charset={pair.encoding}")
            if side == "before":
                _redline(db, "track", *(f"{outlet.base}{p}" for p in paths))
            _redline(db, "crawl", "--once", "--all", "--delay", "0", "--concurrency", str(CONCURRENCY))
        changes = json.loads(_redline(db, "changes", "--json"))
    found: dict[str, list[dict[str, Any]]] = {p.pair_id: [] for p in pairs}
    for change in changes:
        found[change["url"].rsplit("/", 1)[-1]].append(change)
    return found


def score(pairs: list[Pair], found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    edited = [p for p in pairs if p.edited]
    same = [p for p in pairs if not p.edited]
    missed = [p.pair_id for p in edited if not found[p.pair_id]]
    false = [p.pair_id for p in same if found[p.pair_id]]
    return {"edited": len(edited), "flagged": len(edited) - len(missed), "unchanged": len(same),
            "false_alarms": len(false), "missed": missed, "false": false}


def main(argv: list[str] | None = None) -> int:
    directory = data_dir()
    if directory is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    pairs = load_pairs(directory)
    with tempfile.TemporaryDirectory(prefix="redline-real-") as tmp:
        result = score(pairs, run(pairs, Path(tmp)))
    print(f"real edits: {result['flagged']} of {result['edited']} flagged; "
          f"false alarms: {result['false_alarms']} of {result['unchanged']} unchanged pairs")
    for key in ("missed", "false"):
        if result[key]:
            print(f"  {key}: {', '.join(result[key])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
