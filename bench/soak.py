"""Soak: the daemon for a long run against a busy outlet, read and alerted from all sides at once.

Run from the repository root::

    python -m bench.soak [--minutes 30] [--articles 10000] [--edit-every 300] [--fresh 2m]

``redline run`` tracks ``--articles`` articles of a local outlet (:mod:`bench.server`, corpus pages
whose chrome churns on every request and whose stories are edited every ``--edit-every`` seconds,
each article at its own phase), with one alert rule posting every change to a local webhook
(tests/testkit/receivers.py). The articles' first checks are spread evenly over the run (as if
discovery kept finding them) and each checked article is due again after ``--fresh``, so the
daemon keeps meeting new articles, rechecks, edits and alerts at once, and always has work. While it writes, a reader loop keeps going without pause: the web
view (``redline serve``: changes, outlets, search, history, feed), CLI reads (``status``,
``history``, ``changes --since``, ``alerts``) and a second alert sender (``alerts send``).

Every :data:`SAMPLE_SECONDS` the daemon's RSS, its open file descriptors and the database's size
on disk (file + WAL) are sampled, with the checks, versions and changes recorded so far. The
report states the bounds the run held: RSS (peak, and its trend over the second half), open
files, WAL size, bytes per stored version, and how many reads or writes anywhere met "database is
locked" (the target is none). Writes ``bench/out/soak.json``; the concurrency test
(tests/test_concurrency.py) runs the same loop for half a minute on a small outlet.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/soak.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # testkit's receivers, web server

from bench import invariants  # noqa: E402
from bench.crashloop import env  # noqa: E402
from bench.corpus import corpus_dir, missing_reason  # noqa: E402
from bench.daemon import STOP_TIMEOUT_SECONDS, prepare  # noqa: E402
from bench.daemon import _status as proc_status  # noqa: E402
from bench.recheck import BIN, CONCURRENCY, publish  # noqa: E402
from bench.server import Outlet, load_templates, serving  # noqa: E402
from redline.storage.db import open_database  # noqa: E402
from testkit import web_server  # noqa: E402
from testkit.receivers import Webhook  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "soak.json"
REDLINE = BIN / "redline"
DEFAULT_MINUTES = 30.0
DEFAULT_ARTICLES = 10_000
#: Each article's story changes this often (seconds): a recheck a few minutes after the last one
#: often, but not always, finds an edit.
DEFAULT_EDIT_EVERY = 300.0
#: ``fresh`` in the daemon's schedule: short, so checked articles come due again within the run.
DEFAULT_FRESH = "2m"
SAMPLE_SECONDS = 5.0
#: What reads may print when the database was locked: SQLite's words and redline's own message.
LOCKED = ("database is locked", "is locked by another process", "database table is locked")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    at: float  #: seconds since the daemon started
    rss_mib: float
    open_files: int
    db_mib: float  #: the database file
    wal_mib: float
    checks: int
    versions: int
    changes: int


@dataclass
class Reads:
    """What the readers did, and every complaint they met."""

    done: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, what: str, ok: bool, output: str) -> None:
        with self.lock:
            self.done[what] = self.done.get(what, 0) + 1
            if any(words in output for words in LOCKED):
                self.locked.append(f"{what}: {output.strip()[-300:]}")
            elif not ok:
                self.failures.append(f"{what}: {output.strip()[-300:]}")


@dataclass
class SoakReport:
    minutes: float
    articles: int
    edit_every: float
    fresh: str
    samples: list[Sample]
    reads: dict[str, int]
    read_failures: list[str]
    locked: list[str]  #: reads, sends or daemon log lines that met "database is locked"
    daemon_problems: list[str]  #: tracebacks or a bad exit in the daemon's log
    alerts_handled: int
    integrity: str

    @property
    def bounds(self) -> dict[str, float]:
        """The figures the run held (MiB unless named otherwise)."""
        s = self.samples
        half = [x for x in s if x.at >= s[-1].at / 2] or s
        hours = (half[-1].at - half[0].at) / 3600
        versions = max(s[-1].versions, 1)
        return {
            "rss_peak_mib": max(x.rss_mib for x in s),
            "rss_second_half_min_mib": min(x.rss_mib for x in half),
            "rss_second_half_max_mib": max(x.rss_mib for x in half),
            "rss_second_half_trend_mib_per_h": round((half[-1].rss_mib - half[0].rss_mib) / hours, 1) if hours else 0.0,
            # Mean RSS of each quarter of the run: a heap settling rises ever more slowly, a leak steadily.
            "rss_quarter_means_mib": [round(sum(q) / len(q), 1) for q in _quarters([x.rss_mib for x in s]) if q],
            "open_files_max": max(x.open_files for x in s),
            "open_files_min": min(x.open_files for x in s),
            "wal_max_mib": max(x.wal_mib for x in s),
            "db_kib_per_version": round((s[-1].db_mib + s[-1].wal_mib) * 1024 / versions, 1),
        }


def _quarters(values: list[float]) -> list[list[float]]:
    n = len(values)
    return [values[k * n // 4:(k + 1) * n // 4] for k in range(4)]


def stagger(db: Path, seconds: float) -> None:
    """Spread the articles' first checks evenly over the next ``seconds`` (article 1 due now)."""
    database = open_database(db)
    try:
        count = database.execute("SELECT count(*) FROM articles").fetchone()[0]
        with database.atomic():
            database.execute(
                "UPDATE articles SET next_check_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', "
                "'+' || CAST((id - 1) * ? / ? AS INTEGER) || ' seconds')", [seconds, max(count, 1)])
    finally:
        database.close()


def _size_mib(path: Path) -> float:
    return path.stat().st_size / MIB if path.exists() else 0.0


def _open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def write_config(workdir: Path, webhook: Webhook, fresh: str) -> Path:
    config = workdir / "redline.toml"
    config.write_text(f'''db = "redline.db"
delay = 0
concurrency = {CONCURRENCY}
[schedule]
fresh = "{fresh}"

[[alerts]]
notify = ["{webhook.url}"]
''', encoding="utf-8")
    return config


def _cli(config: Path, *args: str) -> tuple[bool, str]:
    done = subprocess.run([str(REDLINE), "--config", str(config), *args], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, env=env())
    return done.returncode == 0 and "Traceback" not in done.stderr, done.stderr + done.stdout[-2000:]


def read_loop(config: Path, base: str, urls: list[str], reads: Reads, stop: threading.Event) -> None:
    """Web pages, CLI reads and an alert sender, round after round, until ``stop``."""
    n = 0
    while not stop.is_set():
        url = urls[n % len(urls)]
        n += 1
        quoted = urllib.parse.quote(url, safe="")
        for path in ("/", "/outlets", "/search?q=council", f"/history?url={quoted}", "/feed.atom"):
            try:
                page = web_server.get(base + path)
                reads.record("web " + path.split("?")[0], page.status == 200, page.text if page.status != 200 else "")
            except OSError as exc:
                reads.record("web " + path.split("?")[0], False, repr(exc))
        since = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for args in (("status", "--json"), ("history", url, "--json"), ("changes", "--since", since),
                     ("alerts",), ("alerts", "send")):
            ok, output = _cli(config, *args)
            reads.record("cli " + " ".join(a for a in args[:2] if not a.startswith(("http", "20"))), ok, output)


def soak(minutes: float, articles: int, edit_every: float, workdir: Path, *, fresh: str = DEFAULT_FRESH,
         log: bool = True) -> SoakReport:
    """Run the daemon, the readers and the sampler for ``minutes``; then SIGTERM and check the file."""
    templates = load_templates()
    outlet = Outlet(templates, "churn", edit_every=edit_every)
    webhook = Webhook()
    reads, stop = Reads(), threading.Event()
    samples: list[Sample] = []
    db = workdir / "redline.db"
    daemon_log = workdir / "daemon.log"
    try:
        with serving(outlet):
            urls = [outlet.url(n) for n in range(articles)]
            prepare(db, urls, due=articles)
            stagger(db, minutes * 60)
            config = write_config(workdir, webhook, fresh)
            with web_server.serving(db) as base, daemon_log.open("wb") as out:
                start = time.monotonic()
                daemon = subprocess.Popen([str(REDLINE), "--config", str(config), "run"], stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir, env=env())
                reader = threading.Thread(target=read_loop, args=(config, base, urls, reads, stop), daemon=True)
                reader.start()
                try:
                    while (elapsed := time.monotonic() - start) < minutes * 60:
                        time.sleep(SAMPLE_SECONDS)
                        if daemon.poll() is not None:
                            break
                        with invariants.reading(db) as conn:
                            checks, versions, changes = conn.execute(
                                "SELECT (SELECT count(*) FROM checks), (SELECT count(*) FROM versions), "
                                "(SELECT count(*) FROM changes)").fetchone()
                        samples.append(Sample(
                            round(elapsed, 1), round(proc_status(daemon.pid)["VmRSS"], 1), _open_files(daemon.pid),
                            round(_size_mib(db), 2), round(_size_mib(db.with_name(db.name + "-wal")), 2),
                            checks, versions, changes))
                        if log and len(samples) % 12 == 0:
                            s = samples[-1]
                            print(f"{elapsed / 60:5.1f} min: RSS {s.rss_mib:.0f} MiB, {s.open_files} fds, "
                                  f"db {s.db_mib:.0f} MiB + WAL {s.wal_mib:.1f} MiB, {s.checks} checks, "
                                  f"{s.versions} versions, {s.changes} changes; reads {sum(reads.done.values())}, "
                                  f"failed {len(reads.failures)}, locked {len(reads.locked)}", flush=True)
                finally:
                    stop.set()
                    reader.join(timeout=300)
                    if daemon.poll() is None:
                        daemon.send_signal(signal.SIGTERM)
                        try:
                            daemon.wait(STOP_TIMEOUT_SECONDS)
                        except subprocess.TimeoutExpired:
                            daemon.kill()
                            daemon.wait()
        text = daemon_log.read_text(errors="replace")
        problems = ([f"daemon exited {daemon.returncode}"] if daemon.returncode not in (0, None) else [])
        problems += [line for line in text.splitlines() if "Traceback" in line or "Error" in line][:20]
        locked = reads.locked + [line for line in text.splitlines() if any(w in line for w in LOCKED)]
        with webhook.lock:
            handled = len(webhook.handled)
    finally:
        webhook.release()
        webhook.stop()
    return SoakReport(minutes, articles, edit_every, fresh, samples, dict(reads.done), reads.failures, locked, problems,
                      handled, invariants.integrity(db))


def table(report: SoakReport) -> str:
    b = report.bounds
    last = report.samples[-1]
    return "\n".join([
        f"redline run for {last.at / 60:.1f} min, {report.articles:,} articles (churn on every request, an edit "
        f"every {report.edit_every:g} s per article), fresh = {report.fresh}, delay 0, concurrency {CONCURRENCY}; "
        f"{sum(report.reads.values()):,} reads and sends alongside",
        "",
        "| checks | versions | changes | alerts handled | RSS MiB peak | RSS MiB 2nd half (trend) | open files | "
        "WAL max MiB | DB KiB / version | reads failed | \"database is locked\" | integrity |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {last.checks:,} | {last.versions:,} | {last.changes:,} | {report.alerts_handled:,} | {b['rss_peak_mib']:.0f} | "
        f"{b['rss_second_half_min_mib']:.0f}–{b['rss_second_half_max_mib']:.0f} "
        f"({b['rss_second_half_trend_mib_per_h']:+.0f} MiB/h; quarter means "
        f"{' → '.join(f'{m:.0f}' for m in b['rss_quarter_means_mib'])}) | {b['open_files_min']}–{b['open_files_max']} | "
        f"{b['wal_max_mib']:.1f} | {b['db_kib_per_version']:.0f} | {len(report.read_failures)} | "
        f"{len(report.locked)} | {report.integrity} |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=DEFAULT_MINUTES)
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--edit-every", type=float, default=DEFAULT_EDIT_EVERY, metavar="SECONDS")
    parser.add_argument("--fresh", default=DEFAULT_FRESH, help="recheck interval of fresh articles (default 2m)")
    args = parser.parse_args(argv)
    if corpus_dir() is None:
        print(missing_reason(), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="redline-soak-") as tmp:
        report = soak(args.minutes, args.articles, args.edit_every, Path(tmp), fresh=args.fresh)
    publish(table(report), OUT_PATH, {**asdict(report), "bounds": report.bounds})
    clean = not report.locked and not report.read_failures and not report.daemon_problems and report.integrity == "ok"
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
