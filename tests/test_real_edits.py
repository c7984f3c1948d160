"""Real published edits (bench/real.py): pairs of archived captures of one article URL.

Runs only where ``$REDLINE_REAL_EDITS`` names a directory of pairs, or ``python -m bench real
--fetch`` has filled its cache (third-party pages are never kept in this repository); every edited
pair must be flagged with the kinds a person read in it, and no unchanged pair.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.real import data_dir, load_pairs, missing_reason, run, score

pytestmark = pytest.mark.skipif(data_dir() is None, reason=missing_reason())


def test_real_edits_flagged_and_unchanged_pairs_quiet(tmp_path: Path) -> None:
    directory = data_dir()
    assert directory is not None
    pairs = load_pairs(directory)
    result = score(pairs, run(pairs, tmp_path))
    assert result["missed"] == [] and result["false"] == [] and result["wrong_kind"] == [], result
