"""Crash safety: ``kill -9`` redline at random moments, again and again, and check the record.

Run from the repository root::

    python -m bench.crashloop [--kills 40] [--articles 40] [--seed 1]

A local outlet (:mod:`bench.server`, corpus pages with churn) serves ``--articles`` tracked
articles, and a JSON webhook that de-duplicates by idempotency key (tests/testkit/receivers.py)
takes the alerts of one rule. Each iteration edits a few articles (an edit reaches the extracted
text on 99 of the 120 corpus pages), starts ``redline crawl --once --all`` (odd iterations) or the
daemon ``redline run`` (even ones), and SIGKILLs it after a random delay (up to
:data:`KILL_WITHIN_S` of that command). After each kill:

- ``PRAGMA integrity_check`` is ``ok``;
- no version seen before the kill is gone or rewritten, no version number is skipped or repeats
  the content of the one before it, no change is recorded twice;
- every change has its outbox row (an alert can only be late, never lost);
- the next command carries on (its exit status is recorded for crawls; the daemon is killed).

At the end one clean ``crawl --once --all`` and ``alerts send`` until nothing is due: every change
must then have been delivered, each under one idempotency key, and handled once by the receiver
(re-posts under the same key after a kill between the receiver's answer and the ``sent`` commit
are counted, not errors: that is the documented at-least-once of webhooks).  ``--kills 40`` is
20 kills of ``crawl --once`` and 20 of ``run``, alternating.
Writes ``bench/out/crashloop.json``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/crashloop.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # testkit's receivers

from bench import invariants  # noqa: E402
from bench.corpus import corpus_dir, missing_reason  # noqa: E402
from bench.recheck import BIN, publish  # noqa: E402
from bench.server import Outlet, load_templates, serving  # noqa: E402
from testkit.receivers import Webhook  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "crashloop.json"
REDLINE = BIN / "redline"
DEFAULT_KILLS = 40
DEFAULT_ARTICLES = 40
#: Kills land uniformly in [0, this] seconds after the start: a crawl of 40 churned corpus pages
#: takes ~4 s here (start-up ~1 s, then ~12 checks/s), the daemon a little longer to get going,
#: so kills hit start-up, fetching, recording, scheduling and alert delivery alike.
KILL_WITHIN_S = {"crawl": 4.0, "run": 8.0}
#: Articles edited before each iteration, so every run has new versions and alerts to write.
EDITS_PER_ITERATION = 4
#: A clean command must finish within this (the end-of-run recovery crawl and sends).
COMMAND_TIMEOUT_S = 300
#: How long the final ``alerts send`` loop may take to drain every delivery (back-off 1 s).
DRAIN_TIMEOUT_S = 120


@dataclass
class Kill:
    """One iteration: what was killed when, and what the record looked like afterwards."""

    iteration: int
    command: str
    killed_after_s: float
    exited_before_kill: bool
    integrity: str
    lost_versions: int
    duplicates: list[str]
    changes_without_outbox: int
    versions: int
    changes: int


@dataclass
class Report:
    kills: list[Kill] = field(default_factory=list)
    final_crawl_exit: int | None = None
    changes: int = 0
    delivered: int = 0  #: changes whose delivery is sent and was handled by the receiver
    undelivered: list[int] = field(default_factory=list)  #: change ids never handled
    delivered_twice: list[int] = field(default_factory=list)  #: changes handled under two keys
    reposts_same_key: int = 0  #: extra posts of an already-handled key (documented at-least-once)
    final_integrity: str = ""

    @property
    def integrity_failures(self) -> int:
        return sum(k.integrity != "ok" for k in self.kills) + (self.final_integrity != "ok")

    @property
    def lost_versions(self) -> int:
        return sum(k.lost_versions for k in self.kills)

    @property
    def duplicate_versions(self) -> int:
        return sum(len(k.duplicates) for k in self.kills)

    @property
    def lost_alerts(self) -> int:
        return sum(k.changes_without_outbox for k in self.kills) + len(self.undelivered)

    @property
    def ok(self) -> bool:
        return (not self.integrity_failures and not self.lost_versions and not self.duplicate_versions
                and not self.lost_alerts and not self.delivered_twice and self.final_crawl_exit == 0)


def write_config(workdir: Path, webhook: Webhook) -> Path:
    config = workdir / "redline.toml"
    config.write_text(f'''db = "redline.db"
delay = 0
concurrency = 8
[schedule]
fresh = "2s"

[[alerts]]
notify = ["{webhook.url}"]
''', encoding="utf-8")
    return config


def env() -> dict[str, str]:
    """Failed or interrupted deliveries come due again after 1 s instead of 30 s, and the schedule
    may be compressed to seconds (the local outlet needs no politeness floor)."""
    return {**os.environ, "REDLINE_ALERT_BACKOFF_S": "1", "REDLINE_MIN_INTERVAL": "1"}


def redline(config: Path, *args: str, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REDLINE), "--config", str(config), *args], capture_output=True, text=True,
                          timeout=timeout, env=env(), stdin=subprocess.DEVNULL)


def command(kind: str) -> list[str]:
    return ["crawl", "--once", "--all"] if kind == "crawl" else ["run"]


def kill_at_random(config: Path, kind: str, after: float, log: Path) -> bool:
    """Start ``kind``, SIGKILL it ``after`` seconds later; True when it had already exited."""
    with log.open("a") as out:
        process = subprocess.Popen([str(REDLINE), "--config", str(config), *command(kind)], stdout=out,
                                   stderr=out, stdin=subprocess.DEVNULL, env=env())
        try:
            process.wait(after)
            return True
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return False


def _counts(db: Path) -> tuple[int, int, int]:
    with invariants.reading(db) as conn:
        versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
        changes = conn.execute("SELECT count(*) FROM changes WHERE reextraction = 0").fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM changes c WHERE reextraction = 0 AND NOT EXISTS "
                               "(SELECT 1 FROM outbox o WHERE o.change_id = c.id)").fetchone()[0]
    return versions, changes, orphans


def deliveries(db: Path) -> dict[int, list[tuple[str, str]]]:
    """change id → [(idempotency key, state)] of the deliveries that carry it."""
    with invariants.reading(db) as conn:
        rows = conn.execute("SELECT i.change_id, d.key, d.state FROM alert_items i "
                            "JOIN deliveries d ON d.id = i.delivery_id").fetchall()
    found: dict[int, list[tuple[str, str]]] = {}
    for change, key, state in rows:
        found.setdefault(change, []).append((key.decode(), state.decode()))
    return found


def drain(config: Path, db: Path) -> None:
    """``alerts send`` until no delivery is pending and every change is routed."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        redline(config, "alerts", "send")
        versions, changes, _ = _counts(db)
        carried = deliveries(db)
        if len(carried) >= changes and all(state == "sent" for ds in carried.values() for _, state in ds):
            return
        time.sleep(1)


def run(kills: int, articles: int, workdir: Path, seed: int = 1, log: bool = True) -> Report:
    """``kills`` kills, alternately of ``crawl --once`` and ``run``, on a fresh database in ``workdir``."""
    rng = random.Random(seed)
    templates = load_templates()
    report = Report()
    with serving(Outlet(templates, "churn")) as outlet:
        webhook = Webhook()
        try:
            config = write_config(workdir, webhook)
            db = workdir / "redline.db"
            done = redline(config, "track", *(outlet.url(n) for n in range(articles)))
            if done.returncode:
                raise RuntimeError(f"redline track failed: {done.stderr}")
            kinds = [("crawl", "run")[i % 2] for i in range(kills)]
            for i, kind in enumerate(kinds):
                for n in rng.sample(range(articles), EDITS_PER_ITERATION):
                    outlet.edit(n)
                before = invariants.versions(db)
                after_s = rng.uniform(0, KILL_WITHIN_S[kind])
                exited = kill_at_random(config, kind, after_s, workdir / "commands.log")
                versions, changes, orphans = _counts(db)
                kill = Kill(i + 1, kind, round(after_s, 2), exited, invariants.integrity(db),
                            len(invariants.lost(before, invariants.versions(db))), invariants.duplicates(db),
                            orphans, versions, changes)
                report.kills.append(kill)
                if log:
                    print(f"{kill.iteration:3} {kind:5} killed after {after_s:4.1f} s: integrity {kill.integrity}, "
                          f"{versions} versions, {changes} changes, lost {kill.lost_versions}, "
                          f"duplicates {len(kill.duplicates)}, changes without outbox {orphans}", flush=True)
            final = redline(config, "crawl", "--once", "--all")
            report.final_crawl_exit = final.returncode
            drain(config, db)
            report.final_integrity = invariants.integrity(db)
            _score_alerts(report, db, webhook)
        finally:
            webhook.release()
            webhook.stop()
    return report


def _score_alerts(report: Report, db: Path, webhook: Webhook) -> None:
    carried = deliveries(db)
    with invariants.reading(db) as conn:
        changes = [row[0] for row in conn.execute("SELECT id FROM changes WHERE reextraction = 0")]
    with webhook.lock:
        handled = set(webhook.handled)
        posted = [headers.get("Idempotency-Key") for headers, _ in webhook.posts]
    report.changes = len(changes)
    for change in changes:
        keys = {key for key, _ in carried.get(change, [])} & handled
        if not keys:
            report.undelivered.append(change)
        elif len(keys) > 1:
            report.delivered_twice.append(change)
        else:
            report.delivered += 1
    report.reposts_same_key = len(posted) - len(set(posted))


def table(report: Report) -> str:
    rows = []
    for kind in ("crawl", "run"):
        kills = [k for k in report.kills if k.command == kind]
        rows.append(f"| `{'crawl --once' if kind == 'crawl' else 'run'}` | {len(kills)} | "
                    f"{sum(not k.exited_before_kill for k in kills)} | "
                    f"{sum(k.integrity != 'ok' for k in kills)} | {sum(k.lost_versions for k in kills)} | "
                    f"{sum(len(k.duplicates) for k in kills)} | {sum(k.changes_without_outbox for k in kills)} |")
    last = report.kills[-1] if report.kills else None
    return "\n".join([
        "| command killed | kills | mid-run (not yet exited) | integrity failures | lost versions | "
        "duplicate versions or changes | changes without outbox row |",
        "| --- | --- | --- | --- | --- | --- | --- |", *rows,
        "",
        f"After the last kill: {last.versions if last else 0} versions, {report.changes} changes; the next "
        f"`crawl --once` exited {report.final_crawl_exit}; integrity {report.final_integrity}; alerts delivered "
        f"{report.delivered} of {report.changes} (lost {len(report.undelivered)}, delivered under two keys "
        f"{len(report.delivered_twice)}, re-posted under the same key {report.reposts_same_key}).",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=DEFAULT_KILLS, help="kills in all, alternating commands")
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if corpus_dir() is None:
        print(missing_reason(), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.kills, args.articles, Path(tmp), args.seed)
    publish(table(report), OUT_PATH, {
        "kills": args.kills, "articles": args.articles, "seed": args.seed,
        "ok": report.ok, **{k: v for k, v in asdict(report).items()},
    })
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
