"""Recheck speed and memory: redline against urlwatch on the same local pages, in the same run.

Run from the repository root::

    python -m bench.recheck [--pages 500] [--modes churn,etag,same] [--no-raw]

One local outlet (:mod:`bench.server`) serves ``--pages`` URLs cycling over the corpus pages.
Each tool gets its own state (redline: a database with every URL tracked; urlwatch: a jobs file
and a cache) and makes one *first pass* over stable pages that carry an ETag, which leaves it
holding the page, its digest and its validator.  That state is copied once per mode and the
*timed pass* is run on the copy, with the outlet in that mode (the tools take turns per mode):

- ``churn``: page chrome changes on every response, inside and outside the article (timestamp,
  rotating ad and related links, script nonce); the story does not.  redline must parse and
  extract every page and report nothing; urlwatch (``html2text``) reports whatever text moved.
- ``etag``: the same bytes, ``If-None-Match`` answered with 304.
- ``same``: the same bytes answered with 200 and no validators (redline: raw-digest short-circuit;
  urlwatch: converts and compares the text).

Measured per timed pass: wall time of the whole subprocess (start-up included, for both tools),
its peak RSS (``ru_maxrss`` from ``wait4``), and how many pages it reported as changed (redline:
new rows in ``changes --json``; urlwatch: ``CHANGED:`` lines in its report).  No page's story
changes, so every reported change is false; a fetch error in either tool stops the benchmark.
urlwatch runs with its default worker pool (10 threads) and default report settings, and
converts pages with the ``html2text`` module from PyPI (its ``pyhtml2text`` method: its default
``html2text`` method runs the Debian ``html2text`` binary instead).  ``urlwatch raw`` (no filter,
whole-page diff) is the cheap variant, left out with ``--no-raw``.  Ratios (urlwatch time / redline time) are what to read: the machine is shared.
Writes ``bench/out/recheck.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar, Protocol

if __package__ in (None, ""):  # ``python bench/recheck.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import corpus_dir, missing_reason  # noqa: E402
from bench.server import MODES, Outlet, load_templates, serving  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "recheck.json"
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")
DEFAULT_PAGES = 500
#: Parallel requests redline makes to the one local host (``--concurrency``): the brief's figure,
#: enough to keep both cores busy while the server and the extractor share them.
CONCURRENCY = 16
#: urlwatch 2.29's own worker pool (``urlwatch.worker.MAX_WORKERS``); reported, not changed.
URLWATCH_THREADS = 10
#: Generous ceiling for one pass: a churned pass over 500 pages takes about two minutes here.
PASS_TIMEOUT_SECONDS = 1800
#: Floor for a pass's time once start-up is taken off (a pass faster than its own start-up
#: measurement is noise on a shared machine, not an infinite rate).
MIN_SECONDS = 0.05
#: What the product aims for: urlwatch time / redline time at least this, per mode.
TARGET_RATIO = {"churn": 1.0, "etag": 2.0, "same": 2.0}
_URLWATCH_CHANGED = re.compile(r"^\d+\. CHANGED: (\S+)", re.MULTILINE)
#: How many reported changes per pass are kept in the JSON report, and which fields of redline's.
SAMPLES = 5
SAMPLE_KEYS = ("url", "kinds", "words_added", "words_removed", "similarity", "headline_before", "headline_after")
_URLWATCH_ERROR = re.compile(r"^\d+\. ERROR: ", re.MULTILINE)
_REDLINE_SUMMARY = re.compile(r"^checked \d+: .*$", re.MULTILINE)
_URLWATCH_CONFIG = """\
display: {new: true, error: true, unchanged: false, empty-diff: true}
report:
  text: {details: true, footer: false, minimal: false, separate: false}   # urlwatch's defaults
  stdout: {enabled: true, color: false}
"""


@dataclass(frozen=True)
class Measured:
    """One subprocess run: wall seconds, peak RSS and what it printed."""

    seconds: float
    peak_rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def measured(command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = PASS_TIMEOUT_SECONDS) -> Measured:
    """Run ``command`` to the end under GNU time, which reports the kernel's peak RSS of it.

    Not ``wait4`` on a direct child: Linux carries the peak RSS of the process that forked it
    across ``exec``, so every child of this (large) benchmark process would report at least the
    benchmark's own size; ``/usr/bin/time`` is small.
    """
    if not TIME.exists():
        raise RuntimeError(f"{TIME} is missing: install the Debian package `time`")
    with tempfile.TemporaryDirectory() as tmp:
        rss, out, err = Path(tmp) / "rss", Path(tmp) / "stdout", Path(tmp) / "stderr"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            start = time.perf_counter()
            process = subprocess.Popen([str(TIME), "--format", "%M", "--output", str(rss), *command], cwd=cwd,
                                       stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                       env={**os.environ, **(env or {})}, start_new_session=True)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the command too, not only GNU time
                process.wait()
                raise
            seconds = time.perf_counter() - start
        # GNU time's last word is %M, after a note such as "Command exited with non-zero status 1".
        peak_kib = int(rss.read_text().split()[-1])
        return Measured(seconds, peak_kib / 1024, process.returncode,
                        out.read_text(errors="replace"), err.read_text(errors="replace"))


def checked(run: Measured, what: str) -> Measured:
    """``run``, or an error naming ``what`` when it failed."""
    if run.returncode:
        raise RuntimeError(f"{what} exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    return run


class Tool(Protocol):
    """A recheck tool under test: its state lives in one directory, so it can be copied per mode."""

    name: str

    def setup(self, state: Path, urls: list[str]) -> None: ...

    def check(self, state: Path) -> Measured: ...

    def changed(self, state: Path, run: Measured) -> list[dict[str, Any]]:
        """The changes ``run`` reported (every one is false here); raises when it reported fetch errors."""


class Redline:
    """``redline crawl --once --all`` against one database."""

    name = "redline"
    env: ClassVar[dict[str, str]] = {"REDLINE_CONFIG": os.devnull}  # never a redline.toml from the environment

    def _run(self, state: Path, *args: str) -> Measured:
        return checked(measured([str(BIN / "redline"), "--db", str(state / "bench.db"), *args],
                                cwd=state, env=self.env), f"redline {args[0]}")

    def setup(self, state: Path, urls: list[str]) -> None:
        if urls:
            self._run(state, "track", *urls)

    def check(self, state: Path) -> Measured:
        return self._run(state, "crawl", "--once", "--all", "--delay", "0", "--concurrency", str(CONCURRENCY))

    def changes(self, state: Path) -> list[dict[str, Any]]:
        return json.loads(self._run(state, "changes", "--json").stdout)

    def changed(self, state: Path, run: Measured) -> list[dict[str, Any]]:
        """Changes the timed pass added to those the first pass left (none: first versions are not changes)."""
        summary = _REDLINE_SUMMARY.findall(run.stdout)
        if not summary or " error" in summary[-1]:
            raise RuntimeError(f"redline crawl did not check every page: {summary or run.stdout[-500:]}")
        before = {json.dumps(c, sort_keys=True) for c in self.changes(state.with_name("first"))}
        return [{key: change.get(key) for key in SAMPLE_KEYS} for change in self.changes(state)
                if json.dumps(change, sort_keys=True) not in before]


class Urlwatch:
    """urlwatch 2.x with its own jobs file, config and cache; ``filter`` None is the raw page."""

    def __init__(self, name: str, filter_yaml: str | None) -> None:
        self.name = name
        self.filter_yaml = filter_yaml

    def setup(self, state: Path, urls: list[str]) -> None:
        job = f"\n{self.filter_yaml}" if self.filter_yaml else ""
        (state / "urls.yaml").write_text("".join(f"url: {url}{job}\n---\n" for url in urls))
        (state / "config.yaml").write_text(_URLWATCH_CONFIG)

    def check(self, state: Path) -> Measured:
        command = [str(BIN / "urlwatch"), "--urls", str(state / "urls.yaml"), "--config", str(state / "config.yaml"),
                   "--cache", str(state / "cache.db"), "--hooks", str(state / "hooks.py")]
        return checked(measured(command, cwd=state, env={"HOME": str(state)}), self.name)

    def changed(self, state: Path, run: Measured) -> list[dict[str, Any]]:
        if errors := len(_URLWATCH_ERROR.findall(run.stdout)):
            first = run.stdout[run.stdout.find("ERROR: ", run.stdout.find("-----")):][:2000]
            raise RuntimeError(f"{self.name} reported {errors} errors; the first:\n{first}")
        return [{"url": url} for url in _URLWATCH_CHANGED.findall(run.stdout)]


def tools(raw: bool) -> list[Tool]:
    found: list[Tool] = [Redline(), Urlwatch("urlwatch", "filter:\n  - html2text:\n      method: pyhtml2text")]
    if raw:
        found.append(Urlwatch("urlwatch raw", None))
    return found


@dataclass(frozen=True)
class Result:
    """One tool's timed pass in one mode."""

    mode: str
    tool: str
    seconds: float
    pages_per_s: float
    peak_rss_mib: float
    false_changes: int
    false_change_samples: list[dict[str, Any]]  #: the first few, to see what was taken for an edit
    startup_seconds: float  #: the same command with nothing to check
    pages_per_s_after_startup: float
    first_pass_seconds: float
    outlet_statuses: dict[str, int]


def run(pages: int, modes: list[str], raw: bool, workdir: Path, log: bool = True) -> list[Result]:
    """First pass per tool on stable pages with ETags; then, mode by mode, each tool's timed pass
    on a copy of its state (the tools take turns, so a load spike on the shared machine hits both)."""
    templates = load_templates(pages)
    outlet = Outlet(templates, mode="etag")
    urls = [outlet.url(n) for n in range(pages)]
    results = []
    with serving(outlet):
        prepared = []
        for tool in tools(raw):
            empty = workdir / tool.name.replace(" ", "-") / "empty"
            first = empty.with_name("first")
            for state in (empty, first):
                state.mkdir(parents=True)
            tool.setup(empty, [])
            startup = tool.check(empty).seconds
            tool.setup(first, urls)
            first_pass = tool.check(first)
            prepared.append((tool, first, startup, first_pass.seconds))
            _log(log, f"{tool.name}: start-up {startup:.1f} s, first pass {first_pass.seconds:.1f} s")
        for mode in modes:
            outlet.mode = mode
            for tool, first, startup, first_seconds in prepared:
                state = first.with_name(mode)
                shutil.copytree(first, state)
                outlet.statuses.clear()
                timed = tool.check(state)
                changed = tool.changed(state, timed)
                results.append(Result(mode, tool.name, round(timed.seconds, 2), round(pages / timed.seconds, 1),
                                      round(timed.peak_rss_mib, 1), len(changed), changed[:SAMPLES], round(startup, 2),
                                      round(pages / max(timed.seconds - startup, MIN_SECONDS), 1),
                                      round(first_seconds, 2),
                                      {str(k): v for k, v in sorted(outlet.statuses.items())}))
                _log(log, f"{tool.name} {mode}: {timed.seconds:.1f} s, {results[-1].false_changes} changed")
                shutil.rmtree(state)
    return results


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def ratios(results: list[Result], *, after_startup: bool = False) -> dict[str, dict[str, float]]:
    """Per mode, each peer's time divided by redline's (above 1: redline is faster); with
    ``after_startup``, the ratio of per-page rates once each tool's start-up time is taken off."""
    by_key = {(r.mode, r.tool): r for r in results}
    out: dict[str, dict[str, float]] = {}
    for (mode, tool), result in by_key.items():
        ours = by_key.get((mode, "redline"))
        if tool == "redline" or ours is None:
            continue
        value = (ours.pages_per_s_after_startup / result.pages_per_s_after_startup if after_startup
                 else result.seconds / ours.seconds)
        out.setdefault(mode, {})[tool] = round(value, 2)
    return out


def table(results: list[Result], pages: int) -> str:
    """The comparison as Markdown tables: redline against urlwatch (html2text), per mode."""
    by_key = {(r.mode, r.tool): r for r in results}
    modes = list(dict.fromkeys(r.mode for r in results))
    ratio, rate_ratio = ratios(results), ratios(results, after_startup=True)
    lines = [(f"Recheck pass over {pages} pages (timed pass only; urlwatch {URLWATCH_THREADS} threads, "
              f"redline --concurrency {CONCURRENCY})"),
             ("| mode | redline s | urlwatch s | urlwatch/redline (target) | same, start-up taken off "
              "| pages/s redline / urlwatch | peak RSS MiB redline / urlwatch | false changes redline / urlwatch |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for mode in modes:
        ours, peer = by_key.get((mode, "redline")), by_key.get((mode, "urlwatch"))
        if ours is None or peer is None:
            continue
        value = ratio[mode]["urlwatch"]
        verdict = "met" if value >= TARGET_RATIO[mode] else "missed"
        lines.append(f"| {mode} | {ours.seconds:.1f} | {peer.seconds:.1f} | {value:.2f} (≥ {TARGET_RATIO[mode]:g}, "
                     f"{verdict}) | {rate_ratio[mode]['urlwatch']:.2f} | {ours.pages_per_s:g} / {peer.pages_per_s:g} "
                     f"| {ours.peak_rss_mib:.0f} / {peer.peak_rss_mib:.0f} | {ours.false_changes} / {peer.false_changes} |")
    startups = {r.tool: r.startup_seconds for r in results}
    lines.append("\nStart-up (the same command with nothing to check): "
                 + ", ".join(f"{tool} {seconds:.1f} s" for tool, seconds in startups.items()))
    raw = [r for r in results if r.tool == "urlwatch raw"]
    if raw:
        lines += ["", "urlwatch without a filter (whole-page diff), same timed passes",
                  "| mode | s | pages/s | peak RSS MiB | false changes | urlwatch raw/redline |",
                  "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r.mode} | {r.seconds:.1f} | {r.pages_per_s:g} | {r.peak_rss_mib:.0f} | {r.false_changes} | "
                  f"{ratio.get(r.mode, {}).get(r.tool, float('nan')):.2f} |" for r in raw]
    return "\n".join(lines)


def machine() -> dict[str, object]:
    """Where the numbers were measured (they only compare within one run)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpus": os.cpu_count(), "cpu": model, "platform": platform.platform(),
            "python": platform.python_version(), "urlwatch": _installed("urlwatch"), "html2text": _installed("html2text")}


def _installed(package: str) -> str | None:
    """A peer's version, or None when it is not installed (`python3 dev.py bench` installs the peers)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def publish(text: str, out: Path, report: dict[str, object]) -> None:
    """Print a benchmark's tables and write its JSON report, stamped with when and where it ran."""
    print()
    print(text)
    stamped = {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(), **report}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(stamped, indent=1), encoding="utf-8")
    print(f"\nwrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="URLs per pass (default 500)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of churn,etag,same")
    parser.add_argument("--no-raw", action="store_true", help="skip urlwatch without a filter")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where to write the JSON results")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := [m for m in modes if m not in MODES]:
        parser.error(f"unknown mode(s) {', '.join(unknown)}: use {', '.join(MODES)}")
    if corpus_dir() is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="redline-bench-recheck-") as tmp:
        results = run(args.pages, modes, not args.no_raw, Path(tmp))
    publish(table(results, args.pages), args.out,
            {"pages": args.pages, "concurrency": CONCURRENCY, "urlwatch_threads": URLWATCH_THREADS,
             "targets": TARGET_RATIO, "ratios": ratios(results),
             "ratios_after_startup": ratios(results, after_startup=True), "results": [asdict(r) for r in results]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
