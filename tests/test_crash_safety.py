"""SIGKILL at random moments, several times in a row, costs nothing: the loop of bench/crashloop.py
with fewer kills (the benchmark's 40 are ``python -m bench.crashloop``). After every kill the file
passes ``PRAGMA integrity_check``, no version is lost, rewritten or duplicated, every change has
its alert outbox row; at the end the next crawl carries on and every change is alerted exactly
once at a receiver that de-duplicates by idempotency key."""

from __future__ import annotations

import pytest

from bench import crashloop
from bench.corpus import corpus_dir, missing_reason

#: Kills in the default suite: 3 of `crawl --once` and 3 of `run`, about 30 s here.
KILLS = 6
ARTICLES = 20


@pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())
def test_sigkill_loop_loses_and_duplicates_nothing(tmp_path):
    report = crashloop.run(KILLS, ARTICLES, tmp_path, seed=5, log=False)
    assert len(report.kills) == KILLS
    for kill in report.kills:
        assert kill.integrity == "ok", kill
        assert kill.lost_versions == 0, kill
        assert kill.duplicates == [], kill
        assert kill.changes_without_outbox == 0, kill
    assert report.final_crawl_exit == 0
    assert report.final_integrity == "ok"
    assert report.changes > 0  # edits were recorded, so alerts were really at stake
    assert report.undelivered == [] and report.delivered_twice == []
    assert report.delivered == report.changes
