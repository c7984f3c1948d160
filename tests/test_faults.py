"""A hostile server cannot cost the record anything: every fault of bench/faults.py but the one
that waits for the download timeout, run through the real CLI in one database (good → hostile
twice → good), must end in the expected outcome with a clear recorded reason, lose or rewrite no
version, store no NUL or lone surrogate, remove nothing and leave the file intact. Bounded time
is the runner's generous timeout (bench.faults.RUN_TIMEOUT_S); the full set, each fault timed and
measured on its own, is ``python -m bench.faults``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import FAULTS, HostileServer, Verdict, run_faults

QUICK = [fault for fault in FAULTS if not fault.slow]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[str, Verdict]:
    with HostileServer() as server:
        found = run_faults(QUICK, server, Path(tmp_path_factory.mktemp("faults")) / "redline.db")
    return {verdict.fault: verdict for verdict in found}


@pytest.mark.parametrize("name", [fault.name for fault in QUICK])
def test_fault_is_survived(verdicts, name):
    verdict = verdicts[name]
    assert verdict.clean_runs, verdict.problems  # exit 0, no traceback, within the timeout
    assert verdict.expected, (verdict.outcomes, verdict.reasons, verdict.headline)
    assert verdict.false_removals == 0
    assert verdict.lost_versions == 0
    assert verdict.bad_text == 0
    assert verdict.integrity_failures == 0, verdict.problems


def test_every_failure_says_why_in_one_line(verdicts):
    for verdict in verdicts.values():
        if "error" in verdict.outcomes:
            assert any(verdict.reasons), verdict.fault
        for reason in verdict.reasons:
            assert "\n" not in reason and "Traceback" not in reason and "<twisted" not in reason, (verdict.fault, reason)
