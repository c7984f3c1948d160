"""The change benchmark on a slice: every mutation type once, over four real pages in four
languages, through the same code as ``python -m bench changes`` (a local HTTP server,
``redline track``, one ``redline crawl --once --all`` per step, ``redline changes --json``).

Skipped when the shared corpus is absent.  About ten crawls: roughly a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.changes import EXPECTED_KIND, MUTATIONS, load_stories, run, score
from bench.corpus import corpus_dir, missing_reason

pytestmark = pytest.mark.skipif(corpus_dir() is None, reason=missing_reason())

#: Russian, Chinese, English and French pages on which every edit applies (headline in an
#: ``<h1>``, a number in the text, three paragraphs or more).
PAGES = ("ru-lenta-ru-airport", "np4k-chinese-article", "mceb-0221", "rdb-lemonde-1")


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    stories = load_stories(ids=list(PAGES))
    assert sorted(s.page_id for s in stories) == sorted(PAGES)
    workdir: Path = tmp_path_factory.mktemp("bench-changes")
    return score(run(stories, workdir, spread=True, log=False))


def test_slice_covers_every_mutation_type(scores: dict) -> None:
    assert set(scores["per_mutation"]) >= set(MUTATIONS) - {"idle"}


def test_every_edit_flagged_with_its_kind(scores: dict) -> None:
    redline = scores["overall"]["redline"]
    assert redline["edits"] == sum(row["cases"] for m, row in scores["per_mutation"].items()
                                   if m in EXPECTED_KIND)
    assert redline["recall"] == 1.0, scores["errors"]


def test_no_churn_flagged(scores: dict) -> None:
    assert scores["overall"]["redline"]["fp"] == 0, scores["errors"]


def test_naive_watcher_is_fooled_by_visible_churn(scores: dict) -> None:
    """The baseline is honest: a whole-page text watcher flags rotating blocks."""
    for mutation in ("related", "newsletter", "donation", "readmore", "timestamp"):
        assert scores["per_mutation"][mutation]["naive"]["fp"] == 1
    assert scores["overall"]["naive"]["recall"] == 1.0
