"""Smoke runs of the performance benchmarks at tiny sizes: they run end to end against real local
servers, real databases and the real tools, and produce their tables and JSON.  Timings are
never asserted: the machine is shared, and the benchmarks themselves report ratios."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import corpus_dir, missing_reason

ROOT = Path(__file__).resolve().parent.parent
#: A tiny run takes well under a minute; the ceiling only stops a hung benchmark.
TIMEOUT_SECONDS = 600

pytestmark = pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())


def bench(module: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", f"bench.{module}", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.skipif(importlib.util.find_spec("urlwatch") is None,
                    reason="urlwatch is not installed (pip install -e '.[bench]')")
def test_recheck_compares_redline_and_urlwatch_in_every_mode_and_layout(tmp_path: Path) -> None:
    out = tmp_path / "recheck.json"
    stdout = bench("recheck", "--pages", "3", "--hosts", "3", "--no-raw", "--out", str(out))

    assert "| mode | redline s | urlwatch s |" in stdout
    assert "one-host: recheck pass over 3 pages on 1 host" in stdout
    assert "many-outlets: recheck pass over 3 pages on 3 hosts" in stdout
    for mode in ("churn", "etag", "same"):
        assert f"| {mode} |" in stdout
    report = json.loads(out.read_text())
    results = {(r["layout"], r["mode"], r["tool"]): r for r in report["results"]}
    layouts, modes = ("one-host", "many-outlets"), ("churn", "etag", "same")
    assert set(results) == ({(lay, m, t) for lay in layouts for m in modes for t in ("redline", "urlwatch")}
                            | {("one-host", m, "scrapy floor") for m in modes})  # the fetcher's own floor
    assert "one-host: Scrapy's own floor" in stdout
    # Churn is never an edit for redline; a whole-page text watcher sees every churned page change.
    assert all(results[lay, m, "redline"]["false_changes"] == 0 for lay in layouts for m in modes)
    assert all(results[lay, "churn", "urlwatch"]["false_changes"] == 3 for lay in layouts)
    # The modes really differ on the wire: churned pages are 200s, the ETag mode answers 304.
    for layout in layouts:
        assert results[layout, "etag", "redline"]["outlet_statuses"] == {"304": 3}
        assert results[layout, "etag", "urlwatch"]["outlet_statuses"] == {"304": 3}
        assert results[layout, "churn", "redline"]["outlet_statuses"] == {"200": 3}
    assert {r["hosts"] for r in results.values() if r["layout"] == "many-outlets"} == {3}
    assert all(r["peak_rss_mib"] > 0 and r["cpu_seconds"] > 0 for r in results.values())
    assert set(report["ratios"]) == set(layouts)
    assert all(set(report["ratios"][layout]) == set(modes) for layout in layouts)


def test_daemon_benchmark_samples_memory_and_checks_only_due_articles(tmp_path: Path) -> None:
    out = tmp_path / "daemon.json"
    stdout = bench("daemon", "--articles", "12", "--large", "400", "--due", "5", "--seconds", "15",
                   "--mode", "etag", "--out", str(out))

    assert "| run | articles | due at start |" in stdout
    runs = {run["phase"]: run for run in json.loads(out.read_text())["runs"]}
    assert set(runs) == {"tracking", "large"}
    assert runs["tracking"]["articles"] == 12 and runs["large"]["articles"] == 400
    assert runs["tracking"]["checks"] > 0
    assert runs["large"]["articles_checked"] <= 5  # the 395 articles due in the far future are left alone
    assert all(run["peak_rss_mib"] > 0 and run["samples"] for run in runs.values())
    assert runs["tracking"]["cpu_ms_per_check"] > 0 and runs["tracking"]["checks_per_core_s"] > 0


def test_scale_benchmark_builds_a_valid_history_and_times_every_reader(tmp_path: Path) -> None:
    """The generated database is one redline reads and verifies like its own: the probes have the
    version counts they claim, the hash chains hold, and every way of reading is timed."""
    from bench import scale

    out = tmp_path / "scale.json"
    versions, articles = sum(scale.PROBES) + 200, 100
    stdout = bench("scale", "--versions", str(versions), "--articles", str(articles), "--repeats", "1",
                   "--cache", str(tmp_path / "cache"), "--out", str(out))

    assert "| what | versions of the article | median ms |" in stdout
    report = json.loads(out.read_text())
    built = report["built"]
    assert (built["versions"], built["articles"]) == (versions, articles)
    hows = {(t["how"], t["versions"]) for t in report["timings"]}
    for count in scale.PROBES:
        assert {("Redline.history (in process)", count), ("cli history --json", count), ("cli history", count),
                ("web GET /history", count)} <= hows
    redline = Path(sys.executable).with_name("redline")
    verify = subprocess.run([str(redline), "--db", built["path"], "verify"], capture_output=True, text=True,
                            timeout=TIMEOUT_SECONDS)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    history = subprocess.run([str(redline), "--db", built["path"], "history", built["probes"]["1000"], "--json"],
                             capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=True)
    record = json.loads(history.stdout)
    assert [v["version"] for v in record["versions"]] == list(range(1, 1001))
    assert len(record["changes"]) == 999


def test_storage_benchmark_records_a_history_and_compares_with_zlib(tmp_path: Path) -> None:
    out = tmp_path / "storage.json"
    stdout = bench("storage", "--articles", "30", "--outlets", "3", "--out", str(out))

    assert "| stored bytes per version | per-row zlib (before) | packed (storage/blobs.py) |" in stdout
    report = json.loads(out.read_text())
    assert report["articles"] == 30 and report["versions"] >= 30 and not report["partial"]
    # The packed history is smaller than per-row zlib on the very same pages (sizes, not timings).
    assert report["median_bytes_per_version"] < report["old_zlib_median_bytes_per_version"]
    assert report["read_one_version_ms"] > 0
