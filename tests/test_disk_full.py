"""A full disk under the database: the crawl stops with one clear line, nothing already recorded is
lost or damaged, reads keep working, and once space returns the next crawl records what it missed.

The file system is a small tmpfs mounted for the test (root only; skipped with the reason where
mounting is not permitted)."""

from __future__ import annotations

import errno
import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import invariants
from testkit.pages import STORY, STORY_HEADLINE, article_page
from testkit.site import Redline

#: Room for the database, its WAL and the lock file with a few small versions; the filler takes
#: the rest. tmpfs sizes are rounded to pages, so the exact figure does not matter.
TMPFS_SIZE = "4m"
#: Words of incompressible text each edit adds: three such versions (zlib-compressed raw HTML and
#: the text) need more than the few KB SQLite may still find free in its WAL.
EDIT_WORDS = 30_000
ARTICLES = 3


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Write a filler file until the file system refuses more."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


def test_disk_full_is_one_clear_line_and_recovers(site, small_disk):
    redline = Redline(small_disk / "redline.db")
    urls = [site.set(f"/news/{n}", article_page(f"{STORY_HEADLINE} {n}", STORY)) for n in range(ARTICLES)]
    redline("track", *urls)
    redline("crawl", "--once", "--all")
    before = invariants.versions(redline.db)
    assert len(before) == ARTICLES

    words = random.Random(7).choices(["council", "budget", "vote", "mayor", "plan", "school", "road"], k=EDIT_WORDS)
    for n in range(ARTICLES):
        noise = " ".join(f"{w}{random.Random(n * EDIT_WORDS + i).randrange(10**6)}" for i, w in enumerate(words))
        site.set(f"/news/{n}", article_page(f"{STORY_HEADLINE} {n}", [*STORY, noise]))
    filler = _fill(small_disk)

    full = redline("crawl", "--once", "--all", check=False)
    assert full.returncode != 0
    output = full.stdout + full.stderr
    assert "Traceback" not in output
    assert "free some disk space" in full.stderr, full.stderr
    assert len([line for line in full.stderr.splitlines() if line.startswith("redline: ")]) == 1, full.stderr
    assert invariants.integrity(redline.db) == "ok"
    assert invariants.lost(before, invariants.versions(redline.db)) == []
    assert redline("changes", "--json").returncode == 0  # reads still work on a full disk

    filler.unlink()
    redline("crawl", "--once", "--all")
    after = invariants.versions(redline.db)
    assert invariants.integrity(redline.db) == "ok"
    assert invariants.lost(before, after) == []
    assert len(after) == 2 * ARTICLES  # the edits missed while the disk was full are recorded now
    assert invariants.duplicates(redline.db) == []
