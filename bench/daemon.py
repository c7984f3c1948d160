"""Daemon memory and throughput: ``redline run`` on thousands of local articles, then on 100 000.

Run from the repository root::

    python -m bench.daemon [--articles 3000] [--large 100000] [--due 3000] [--seconds 60] [--polite]

Two runs of the real daemon (``redline --config … run``, stopped with SIGTERM) against the local
outlet of :mod:`bench.server`, with the recheck schedule compressed to seconds (``fresh = "5s"``,
``delay = 0``, ``concurrency = 16`` in its config file):

- *tracking*: ``--articles`` articles, all due at start: the checks per second it sustains
  (counted in the database, ``SELECT count(*) FROM checks``) and its memory;
- *large*: ``--large`` articles tracked, only ``--due`` of them due (the rest due in the far
  future, as in a database that has run for months): its memory against the target;
- *large, default politeness* (with ``--polite``): the same database with the config's ``delay`` and
  ``concurrency`` left at redline's defaults (2 requests at once per host, 0.5 s apart, AutoThrottle),
  the way a deployment runs it; one local host, so about two pages are in flight.

Besides RSS, the daemon's CPU time (``utime + stime`` from ``/proc/<pid>/stat``, the daemon's own
process) over the span it was recording checks gives the CPU time per check and so checks/s per
core; extraction in pool workers, when there are any, is their CPU, not counted here.

The outlet runs in ``churn`` mode by default (``--mode``): every check fetches a page whose bytes
changed, so every check parses and extracts it, the most memory-hungry path.  The daemon's RSS
is read from ``/proc/<pid>/status`` every second (``VmRSS``); the peak is the kernel's ``VmHWM``.
The peer figure is urlwatch's peak RSS on its 500-page churned pass from ``bench/out/recheck.json``
(run ``python -m bench.recheck`` first), shown when present.  Writes ``bench/out/daemon.json``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import os
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/daemon.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import corpus_dir, missing_reason  # noqa: E402
from bench.recheck import BIN, CONCURRENCY, publish  # noqa: E402
from bench.recheck import OUT_PATH as RECHECK_OUT  # noqa: E402
from bench.server import MODES, Outlet, load_templates, serving  # noqa: E402
from redline.storage import articles  # noqa: E402
from redline.storage.db import open_database  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "daemon.json"
DEFAULT_ARTICLES = 3000
DEFAULT_LARGE = 100_000
DEFAULT_DUE = 3000
DEFAULT_SECONDS = 60.0
#: The product's target for the daemon tracking 100k articles (MB = 10**6 bytes).
TARGET_RSS_MB = 150
#: ``fresh`` interval in the daemon's config: short enough that checked articles come due again
#: within one run, so the daemon never idles.
FRESH = "5s"
#: How often RSS and the checks count are read.
SAMPLE_SECONDS = 1.0
#: URLs tracked per transaction while filling the database (``storage.articles.track``).
TRACK_BATCH = 5000
#: ``next_check_at`` of the articles that must not come due during the run.
FAR_FUTURE = "2999-01-01T00:00:00Z"
#: The daemon exits within 10 s of SIGTERM by design; this is the wait before it is killed.
STOP_TIMEOUT_SECONDS = 30
MIB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    """One look at the running daemon."""

    at: float  #: seconds since start
    rss_mib: float
    checks: int
    cpu_s: float = 0.0  #: user + system CPU time so far of the daemon and its extraction workers
    tree_pss_mib: float = 0.0  #: PSS of the daemon and every process under it (the extraction pool)


@dataclass(frozen=True)
class DaemonRun:
    """What one daemon run did and used."""

    phase: str
    articles: int
    due: int
    seconds: float
    checks: int
    articles_checked: int  #: distinct articles with at least one check (never more than ``due``)
    checks_per_s: float  #: from the first recorded check to the last sample
    cpu_ms_per_check: float  #: the daemon's CPU time over the working span, per check
    checks_per_core_s: float  #: checks one fully used core would make per second at that cost
    rss_first_mib: float  #: at the first sample after the first check (warm, imports done)
    rss_last_mib: float
    peak_rss_mib: float  #: VmHWM just before SIGTERM
    samples: list[Sample]
    peak_tree_pss_mib: float = 0.0  #: the highest sampled PSS of the daemon with its workers

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_mib * MIB / 1e6


def prepare(db: Path, urls: list[str], due: int) -> None:
    """Track ``urls`` through redline's own storage code; only the first ``due`` are due now."""
    database = open_database(db, create=True)
    try:
        for start in range(0, len(urls), TRACK_BATCH):
            articles.track(database, urls[start:start + TRACK_BATCH])
        with database.atomic():
            database.execute("UPDATE articles SET next_check_at = ? WHERE id > ?", [FAR_FUTURE, due])
    finally:
        database.close()


def _status(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            values[name] = int(rest.split()[0]) / 1024
    return values


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU time of one process, from ``/proc/<pid>/stat``; ``reaped`` adds that of
    its children that have exited (recycled extraction workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live process under it (the extraction pool's forkserver and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(current := todo.pop())
        todo.extend(children.get(current, []))
    return tree


def tree_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, PSS MiB) of the daemon and its workers: PSS counts pages they share once."""
    cpu = pss = 0.0
    for member in process_tree(pid):
        try:
            cpu += cpu_seconds(member, reaped=True)
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:  # a worker that was just recycled
            continue
    return cpu, pss


def run_daemon(phase: str, workdir: Path, urls: list[str], due: int, seconds: float, log: bool = True,
               polite: bool = False) -> DaemonRun:
    """Fill a database, start ``redline run`` on it, sample it for ``seconds``, stop it with SIGTERM.

    ``polite``: leave ``delay`` and ``concurrency`` at redline's defaults instead of 0 and 16."""
    workdir.mkdir(parents=True)
    db, config = workdir / "bench.db", workdir / "redline.toml"
    prepare(db, urls, due)
    speed = "" if polite else f"delay = 0\nconcurrency = {CONCURRENCY}\n"
    config.write_text(f'db = "{db.name}"\n{speed}\n[schedule]\nfresh = "{FRESH}"\n')
    samples: list[Sample] = []
    with open(workdir / "daemon.log", "wb") as output, closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
        start = time.monotonic()
        daemon = subprocess.Popen([str(BIN / "redline"), "--config", str(config), "run"], cwd=workdir,
                                  stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env={**os.environ, "REDLINE_MIN_INTERVAL": "1"})  # a local outlet
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                time.sleep(SAMPLE_SECONDS)
                if daemon.poll() is not None:
                    tail = (workdir / "daemon.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redline run exited {daemon.returncode} during the {phase} run:\n{tail}")
                rss = _status(daemon.pid)["VmRSS"]
                cpu, pss = tree_usage(daemon.pid)
                samples.append(Sample(round(elapsed, 1), round(rss, 1),
                                      reader.execute("SELECT count(*) FROM checks").fetchone()[0],
                                      cpu, round(pss, 1)))
                if log and len(samples) % 10 == 0:
                    print(f"{phase}: {elapsed:.0f} s, {samples[-1].checks} checks, RSS {rss:.0f} MiB",
                          file=sys.stderr, flush=True)
            peak = _status(daemon.pid)["VmHWM"]
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(STOP_TIMEOUT_SECONDS)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        checks, checked = reader.execute("SELECT count(*), count(DISTINCT article_id) FROM checks").fetchone()
    return summarise(phase, len(urls), due, samples, (checks, checked), peak)


def summarise(phase: str, tracked: int, due: int, samples: list[Sample], checks: tuple[int, int],
              peak: float) -> DaemonRun:
    """Rates over the part of the run where checks were being recorded."""
    working = [s for s in samples if s.checks] or samples[-1:]
    first, last = working[0], working[-1]
    span = last.at - first.at
    rate = (last.checks - first.checks) / span if span > 0 else 0.0
    done, cpu = last.checks - first.checks, last.cpu_s - first.cpu_s
    per_check = cpu / done if done else 0.0
    return DaemonRun(phase, tracked, due, samples[-1].at, *checks, round(rate, 1), round(per_check * 1000, 1),
                     round(1 / per_check, 1) if per_check else 0.0, first.rss_mib, last.rss_mib, round(peak, 1), samples,
                     max(s.tree_pss_mib for s in samples))


def peer_rss() -> tuple[str, float] | None:
    """urlwatch's peak RSS on the churned recheck pass, from the last ``bench.recheck`` run."""
    if not RECHECK_OUT.exists():
        return None
    report = json.loads(RECHECK_OUT.read_text(encoding="utf-8"))
    for result in report.get("results", []):
        if result["tool"] == "urlwatch" and result["mode"] == "churn" and result.get("layout", "one-host") == "one-host":
            return f"urlwatch {report['machine']['urlwatch']}, {report['pages']} pages, one pass", result["peak_rss_mib"]
    return None


def table(runs: list[DaemonRun], mode: str) -> str:
    lines = [f"redline run (fresh = {FRESH}; delay 0, concurrency {CONCURRENCY} except at default politeness), "
             f"outlet in {mode} mode",
             ("| run | articles | due at start | seconds | checks | checks/s | CPU ms / check | checks/s per core "
              f"| RSS MiB warm → end | peak RSS MiB | peak < {TARGET_RSS_MB} MB | peak PSS MiB with workers |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for run in runs:
        verdict = "yes" if run.peak_rss_mb < TARGET_RSS_MB else "no"
        lines.append(f"| {run.phase} | {run.articles} | {run.due} | {run.seconds:.0f} | {run.checks} | "
                     f"{run.checks_per_s:g} | {run.cpu_ms_per_check:g} | {run.checks_per_core_s:g} | "
                     f"{run.rss_first_mib:.0f} → {run.rss_last_mib:.0f} | "
                     f"{run.peak_rss_mib:.0f} | {verdict} ({run.peak_rss_mb:.0f} MB) | {run.peak_tree_pss_mib:.0f} |")
    peer = peer_rss()
    lines.append(f"\nPeer: {peer[0]}: peak RSS {peer[1]:.0f} MiB" if peer else
                 "\nPeer: run `python -m bench.recheck` first for urlwatch's RSS on the same pages")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="articles in the tracking run")
    parser.add_argument("--large", type=int, default=DEFAULT_LARGE, help="articles in the large run (0: skip it)")
    parser.add_argument("--due", type=int, default=DEFAULT_DUE, help="articles due in the large run")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="how long each run lasts")
    parser.add_argument("--mode", choices=MODES, default="churn", help="how the outlet answers (default churn)")
    parser.add_argument("--polite", action="store_true",
                        help="also run the large database at redline's default politeness")
    parser.add_argument("--only-large", action="store_true", help="skip the tracking run")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where to write the JSON results")
    args = parser.parse_args(argv)
    if corpus_dir() is None:
        print(f"skipped: {missing_reason()}", file=sys.stderr)
        return 2
    outlet = Outlet(load_templates(), mode=args.mode)
    plan = [] if args.only_large else [("tracking", args.articles, args.articles, False)]
    if args.large:
        plan.append(("large", args.large, min(args.due, args.large), False))
        if args.polite:
            plan.append(("large, default politeness", args.large, min(args.due, args.large), True))
    runs = []
    with serving(outlet), tempfile.TemporaryDirectory(prefix="redline-bench-daemon-") as tmp:
        for n, (phase, count, due, polite) in enumerate(plan):
            runs.append(run_daemon(phase, Path(tmp) / str(n), [outlet.url(i) for i in range(count)], due, args.seconds,
                                   polite=polite))
    peer = peer_rss()
    publish(table(runs, args.mode), args.out,
            {"mode": args.mode, "fresh": FRESH, "concurrency": CONCURRENCY, "target_rss_mb": TARGET_RSS_MB,
             "peer": {"what": peer[0], "peak_rss_mib": peer[1]} if peer else None,
             "runs": [{**asdict(run), "peak_rss_mb": round(run.peak_rss_mb, 1)} for run in runs]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
