"""Recheck speed and memory: redline against urlwatch on the same local pages, in the same run.

Run from the repository root::

    python -m bench.recheck [--pages 500] [--modes churn,etag,same] [--layouts one-host,many-outlets]
                            [--hosts 50] [--no-raw]

A local outlet (:mod:`bench.server`) serves ``--pages`` URLs cycling over the corpus pages, in two
layouts (``--layouts``):

- ``one-host``: every page on 127.0.0.1, redline with politeness off (``--delay 0 --concurrency
  16``): the easy case, and the one the speed targets are set for;
- ``many-outlets``: the pages spread over ``--hosts`` hosts (distinct loopback addresses 127.0.0.2 …,
  one server each, robots.txt served), redline at its *default* politeness (no ``--delay`` or
  ``--concurrency``: 0.5 s between requests to one host, two at a time, AutoThrottle), as a real
  deployment checking many outlets runs.  urlwatch has no politeness to set and runs as always.

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
its CPU time (user + system) and peak RSS (GNU time), and how many pages it reported as changed (redline:
new rows in ``changes --json``; urlwatch: ``CHANGED:`` lines in its report).  No page's story
changes, so every reported change is false; a fetch error in either tool stops the benchmark.
urlwatch runs with its default worker pool (10 threads) and default report settings, and
converts pages with the ``html2text`` module from PyPI (its ``pyhtml2text`` method: its default
``html2text`` method runs the Debian ``html2text`` binary instead).  ``urlwatch raw`` (no filter,
whole-page diff) is the cheap variant, left out with ``--no-raw``.  Ratios (urlwatch time / redline time) are what to read: the machine is shared.

In the one-host layout a third tool, ``scrapy floor`` (:mod:`bench.scrapy_floor`), makes the same
passes as a bare Scrapy spider that fetches and forgets: the fetcher's own cost, so the table
shows how far redline's work sits above what Scrapy alone needs (a pass of 304s is bounded by it).
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

from bench import scrapy_floor  # noqa: E402
from bench.corpus import corpus_dir, missing_reason  # noqa: E402
from bench.server import MODES, Outlet, load_templates, serving  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "recheck.json"
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
#: The bare-Scrapy tool's name (bench/scrapy_floor.py): the fetcher's floor, shown apart from the peers.
FLOOR = "scrapy floor"
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
#: What the product aims for in the one-host layout: urlwatch time / redline time at least this,
#: per mode (in the many-outlet layout redline's pages/s at default politeness is only stated).
TARGET_RATIO = {"churn": 2.0, "etag": 2.0, "same": 2.0}
LAYOUTS = ("one-host", "many-outlets")
#: Hosts of the many-outlet layout: the issue's "at least 50", so per-host slots are real.
DEFAULT_HOSTS = 50
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
    """One subprocess run: wall seconds, CPU seconds (user + system), peak RSS and what it printed."""

    seconds: float
    cpu_seconds: float
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
            process = subprocess.Popen([str(TIME), "--format", "%U %S %M", "--output", str(rss), *command], cwd=cwd,
                                       stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                       env={**os.environ, **(env or {})}, start_new_session=True)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the command too, not only GNU time
                process.wait()
                raise
            seconds = time.perf_counter() - start
        # GNU time's last line is "%U %S %M", after a note such as "Command exited with non-zero status 1".
        user, system, peak_kib = rss.read_text().split()[-3:]
        return Measured(seconds, float(user) + float(system), int(peak_kib) / 1024, process.returncode,
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
    """``redline crawl --once --all`` against one database; ``polite``: at the default politeness,
    else with it off (``--delay 0 --concurrency`` :data:`CONCURRENCY`)."""

    name = "redline"
    env: ClassVar[dict[str, str]] = {"REDLINE_CONFIG": os.devnull}  # never a redline.toml from the environment

    def __init__(self, polite: bool = False) -> None:
        self.polite = polite

    def _run(self, state: Path, *args: str) -> Measured:
        return checked(measured([str(BIN / "redline"), "--db", str(state / "bench.db"), *args],
                                cwd=state, env=self.env), f"redline {args[0]}")

    def setup(self, state: Path, urls: list[str]) -> None:
        if urls:
            self._run(state, "track", *urls)

    def check(self, state: Path) -> Measured:
        overrides = () if self.polite else ("--delay", "0", "--concurrency", str(CONCURRENCY))
        return self._run(state, "crawl", "--once", "--all", *overrides)

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


class ScrapyFloor:
    """A bare Scrapy spider fetching the same pages (bench/scrapy_floor.py): the fetcher's own cost,
    under redline's.  Not a tracker: it reports no changes."""

    name = FLOOR

    def setup(self, state: Path, urls: list[str]) -> None:
        (state / scrapy_floor.STATE_FILE).write_text(json.dumps({url: {} for url in urls}))

    def check(self, state: Path) -> Measured:
        return checked(measured([sys.executable, "-m", "bench.scrapy_floor", str(state)], cwd=ROOT), self.name)

    def changed(self, state: Path, run: Measured) -> list[dict[str, Any]]:
        return []


def tools(raw: bool, layout: str = "one-host") -> list[Tool]:
    found: list[Tool] = [Redline(polite=layout == "many-outlets"),
                         Urlwatch("urlwatch", "filter:\n  - html2text:\n      method: pyhtml2text")]
    if raw:
        found.append(Urlwatch("urlwatch raw", None))
    if layout == "one-host":
        found.append(ScrapyFloor())
    return found


@dataclass(frozen=True)
class Result:
    """One tool's timed pass in one mode and layout."""

    layout: str
    hosts: int
    mode: str
    tool: str
    seconds: float
    pages_per_s: float
    cpu_seconds: float
    peak_rss_mib: float
    false_changes: int
    false_change_samples: list[dict[str, Any]]  #: the first few, to see what was taken for an edit
    startup_seconds: float  #: the same command with nothing to check
    pages_per_s_after_startup: float
    first_pass_seconds: float
    outlet_statuses: dict[str, int]


def run(pages: int, modes: list[str], raw: bool, workdir: Path, log: bool = True, *,
        layouts: tuple[str, ...] = ("one-host",), hosts: int = DEFAULT_HOSTS) -> list[Result]:
    """Per layout: a first pass per tool on stable pages with ETags; then, mode by mode, each
    tool's timed pass on a copy of its state (the tools take turns, so a load spike on the shared
    machine hits both)."""
    templates = load_templates(pages)
    results: list[Result] = []
    for layout in layouts:
        count = hosts if layout == "many-outlets" else 1
        results += _run_layout(layout, Outlet(templates, mode="etag", hosts=count), pages, modes, raw,
                               workdir / layout, log)
    return results


def _run_layout(layout: str, outlet: Outlet, pages: int, modes: list[str], raw: bool, workdir: Path,
                log: bool) -> list[Result]:
    urls = [outlet.url(n) for n in range(pages)]
    hosts = len(outlet.servers)
    results = []
    with serving(outlet):
        prepared = []
        for tool in tools(raw, layout):
            empty = workdir / tool.name.replace(" ", "-") / "empty"
            first = empty.with_name("first")
            for state in (empty, first):
                state.mkdir(parents=True)
            tool.setup(empty, [])
            startup = tool.check(empty).seconds
            tool.setup(first, urls)
            first_pass = tool.check(first)
            prepared.append((tool, first, startup, first_pass.seconds))
            _log(log, f"{layout} {tool.name}: start-up {startup:.1f} s, first pass {first_pass.seconds:.1f} s")
        for mode in modes:
            outlet.mode = mode
            for tool, first, startup, first_seconds in prepared:
                state = first.with_name(mode)
                shutil.copytree(first, state)
                outlet.statuses.clear()
                timed = tool.check(state)
                changed = tool.changed(state, timed)
                results.append(Result(layout, hosts, mode, tool.name, round(timed.seconds, 2),
                                      round(pages / timed.seconds, 1), round(timed.cpu_seconds, 2),
                                      round(timed.peak_rss_mib, 1), len(changed), changed[:SAMPLES], round(startup, 2),
                                      round(pages / max(timed.seconds - startup, MIN_SECONDS), 1),
                                      round(first_seconds, 2),
                                      {str(k): v for k, v in sorted(outlet.statuses.items())}))
                _log(log, f"{layout} {tool.name} {mode}: {timed.seconds:.1f} s, CPU {timed.cpu_seconds:.1f} s, "
                          f"{results[-1].false_changes} changed")
                shutil.rmtree(state)
    return results


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def ratios(results: list[Result], *, after_startup: bool = False,
           layout: str = "one-host") -> dict[str, dict[str, float]]:
    """Per mode of ``layout``, each peer's time divided by redline's (above 1: redline is faster);
    with ``after_startup``, the ratio of per-page rates once each tool's start-up time is taken off."""
    by_key = {(r.mode, r.tool): r for r in results if r.layout == layout}
    out: dict[str, dict[str, float]] = {}
    for (mode, tool), result in by_key.items():
        ours = by_key.get((mode, "redline"))
        if tool in ("redline", FLOOR) or ours is None:
            continue
        value = (ours.pages_per_s_after_startup / result.pages_per_s_after_startup if after_startup
                 else result.seconds / ours.seconds)
        out.setdefault(mode, {})[tool] = round(value, 2)
    return out


def table(results: list[Result], pages: int) -> str:
    """The comparison as Markdown tables, one per layout: redline against urlwatch (html2text), per mode."""
    lines: list[str] = []
    for layout in dict.fromkeys(r.layout for r in results):
        lines += _layout_table([r for r in results if r.layout == layout], pages, layout) + [""]
    startups = {r.tool: r.startup_seconds for r in results}
    lines.append("Start-up (the same command with nothing to check): "
                 + ", ".join(f"{tool} {seconds:.1f} s" for tool, seconds in startups.items()))
    return "\n".join(lines)


def _layout_table(results: list[Result], pages: int, layout: str) -> list[str]:
    by_key = {(r.mode, r.tool): r for r in results}
    modes = list(dict.fromkeys(r.mode for r in results))
    ratio, rate_ratio = ratios(results, layout=layout), ratios(results, after_startup=True, layout=layout)
    hosts = results[0].hosts if results else 1
    how = (f"redline --concurrency {CONCURRENCY} --delay 0" if layout == "one-host"
           else "redline at its default politeness, robots.txt served")
    lines = [(f"{layout}: recheck pass over {pages} pages on {hosts} host{'s' if hosts > 1 else ''} "
              f"(timed pass only; urlwatch {URLWATCH_THREADS} threads, {how})"),
             ("| mode | redline s | urlwatch s | urlwatch/redline (target) | same, start-up taken off "
              "| pages/s redline / urlwatch | CPU s redline / urlwatch | peak RSS MiB redline / urlwatch "
              "| false changes redline / urlwatch |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for mode in modes:
        ours, peer = by_key.get((mode, "redline")), by_key.get((mode, "urlwatch"))
        if ours is None or peer is None:
            continue
        value = ratio[mode]["urlwatch"]
        target = (f"≥ {TARGET_RATIO[mode]:g}, {'met' if value >= TARGET_RATIO[mode] else 'missed'}"
                  if layout == "one-host" else "stated")
        lines.append(f"| {mode} | {ours.seconds:.1f} | {peer.seconds:.1f} | {value:.2f} ({target}) "
                     f"| {rate_ratio[mode]['urlwatch']:.2f} | {ours.pages_per_s:g} / {peer.pages_per_s:g} "
                     f"| {ours.cpu_seconds:.2f} / {peer.cpu_seconds:.2f} "
                     f"| {ours.peak_rss_mib:.0f} / {peer.peak_rss_mib:.0f} | {ours.false_changes} / {peer.false_changes} |")
    floor = [r for r in results if r.tool == FLOOR]
    if floor:
        lines += ["", (f"{layout}: Scrapy's own floor, the same timed passes fetched by a bare Scrapy spider "
                       f"(default middlewares, robots.txt, validators sent back; no reading, no storage)"),
                  "| mode | s | CPU s | peak RSS MiB | redline s / floor s |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {r.mode} | {r.seconds:.1f} | {r.cpu_seconds:.2f} | {r.peak_rss_mib:.0f} "
                  f"| {by_key[(r.mode, 'redline')].seconds / r.seconds:.2f} |" for r in floor
                  if (r.mode, "redline") in by_key]
    raw = [r for r in results if r.tool == "urlwatch raw"]
    if raw:
        lines += ["", f"{layout}: urlwatch without a filter (whole-page diff), same timed passes",
                  "| mode | s | pages/s | CPU s | peak RSS MiB | false changes | urlwatch raw/redline |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r.mode} | {r.seconds:.1f} | {r.pages_per_s:g} | {r.cpu_seconds:.2f} | {r.peak_rss_mib:.0f} "
                  f"| {r.false_changes} | {ratio.get(r.mode, {}).get(r.tool, float('nan')):.2f} |" for r in raw]
    return lines


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
    parser.add_argument("--layouts", default=",".join(LAYOUTS),
                        help="comma-separated subset of one-host,many-outlets (default both)")
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS,
                        help=f"hosts of the many-outlets layout (default {DEFAULT_HOSTS})")
    parser.add_argument("--no-raw", action="store_true", help="skip urlwatch without a filter")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where to write the JSON results")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := [m for m in modes if m not in MODES]:
        parser.error(f"unknown mode(s) {', '.join(unknown)}: use {', '.join(MODES)}")
    layouts = tuple(layout for layout in args.layouts.split(",") if layout)
    if unknown := [layout for layout in layouts if layout not in LAYOUTS]:
        parser.error(f"unknown layout(s) {', '.join(unknown)}: use {', '.join(LAYOUTS)}")
    if corpus_dir() is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="redline-bench-recheck-") as tmp:
        results = run(args.pages, modes, not args.no_raw, Path(tmp), layouts=layouts, hosts=args.hosts)
    publish(table(results, args.pages), args.out,
            {"pages": args.pages, "concurrency": CONCURRENCY, "urlwatch_threads": URLWATCH_THREADS,
             "hosts": {layout: (args.hosts if layout == "many-outlets" else 1) for layout in layouts},
             "targets": TARGET_RATIO,
             "ratios": {layout: ratios(results, layout=layout) for layout in layouts},
             "ratios_after_startup": {layout: ratios(results, after_startup=True, layout=layout) for layout in layouts},
             "results": [asdict(r) for r in results]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
