"""Reading while the daemon writes never meets "database is locked": the soak loop of
bench/soak.py for half a minute on a small outlet whose stories are edited every few seconds.
``redline run`` crawls, records and sends alerts while the web view (``redline serve``), CLI reads
(``status``, ``history``, ``changes``, ``alerts``) and a second sender (``alerts send``) run
without pause; every read must answer, no output anywhere (reads, sends, the daemon's log) may
mention a locked database, and the file must pass ``PRAGMA integrity_check``."""

from __future__ import annotations

import pytest

from bench import soak
from bench.corpus import corpus_dir, missing_reason

MINUTES = 0.5
ARTICLES = 40
#: Each article's story changes every 4 s and is rechecked every 2 s (``fresh``), so rechecks keep
#: storing versions and alerts.
EDIT_EVERY_S = 4.0


@pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())
def test_reads_and_alerts_while_the_daemon_writes(tmp_path):
    report = soak.soak(MINUTES, ARTICLES, EDIT_EVERY_S, tmp_path, fresh="2s", log=False)
    assert report.locked == []
    assert report.read_failures == []
    assert report.daemon_problems == []
    assert report.integrity == "ok"
    last = report.samples[-1]
    assert last.changes > 0 and report.alerts_handled > 0  # the daemon really wrote and alerted meanwhile
    assert {"web /", "web /search", "web /history", "cli status --json", "cli history", "cli alerts send"} <= set(report.reads)
