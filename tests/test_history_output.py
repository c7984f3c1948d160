"""The whole record of an article's history, pinned byte for byte.

Why: ``redline history --json`` and ``--all`` are read by scripts (``jq``, ``grep``, diffs of one
day's output against the next), so making them faster must not change one byte of what they
print nor one key of what ``Redline.history`` returns. The history below is generated through
storage's own recording functions with fixed times and exercises what the output shows: headline
and body edits, a flip-flop back to an earlier version, a removal and the restoration after it, a
re-extraction, a rendered version, an alias, empty and wide (CJK, emoji) text, and more versions
than a table shows without ``--all``.

The expected outputs in ``tests/golden/history/`` were written by the code before the whole
record was made fast (``REDLINE_WRITE_GOLDEN=1`` writes them again from the current code, for a
deliberate change of the output: review the diff).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest

from redline.app import Redline
from redline.cli.render import HISTORY_ROWS
from redline.storage import articles, record
from redline.storage.db import open_database
from testkit.site import REDLINE

GOLDEN = Path(__file__).parent / "golden" / "history"
URL = "https://example.com/news/2026/11/live-blog"
ALIAS = "https://example.com/news/2026/11/live-blog-renamed"
OTHER = "https://example.com/news/2026/11/other-story"
#: More versions than ``redline history`` lists without ``--all``, so the cut shows.
VERSIONS = HISTORY_ROWS + 8
#: Headlines used in turn: plain, accented, wide CJK, emoji, quotes and backslashes (JSON escapes).
HEADLINES = ("Council votes on budget", "Conseil : le budget adopté à l'unanimité", "議会が予算案を可決",
             "Budget passes 🎉 after late vote", 'Mayor says "no" to C:\\plan', "Council votes on budget")


def _when(n: int) -> str:
    return f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:{(7 * n) % 60:02d}:00Z"


def _extracted(n: int) -> record.Extracted:
    headline = HEADLINES[(n // 3) % len(HEADLINES)]
    paragraphs = [f"Update {k}: the council met again — débat n°{k}, 会議 {k}." for k in range(1, n % 11 + 2)]
    if n % 13 == 0:
        paragraphs.append("Tab\tand \"quotes\" and a backslash \\ and a line\nbreak.")
    return record.Extracted(headline=headline, body="\n\n".join(paragraphs), byline="By A. Writer" if n % 4 else "",
                            published="2026-11-01T08:00:00Z" if n % 5 else None,
                            modified=_when(n) if n % 6 == 0 else None, method="trafilatura" if n % 2 else "readability",
                            extractor_version=f"test-{1 + n // 20}")


def make_history(path: Path) -> None:
    """The generated history (deterministic: fixed times, no clock read left in the output)."""
    db = open_database(path)
    blog_id, other_id = (t.article_id for t in articles.track(db, [URL, OTHER]))
    articles.add_alias(db, blog_id, ALIAS, "final")
    for n in range(1, VERSIONS + 1):
        fetch = record.Fetch(url=URL, checked_at=_when(n), status=200, rendered=n % 9 == 0)
        if n == 20:  # gone twice in a row (removed), then back (restored)
            for k in (1, 2):
                record.record_missing(db, blog_id, record.Fetch(url=URL, checked_at=_when(n).replace(":00Z", f":0{k}Z"),
                                                                 status=404))
        article = _extracted(3 if n == 30 else n)  # version 30 reverts to version 3's text
        record.record_content(db, blog_id, fetch, article, f"<html>{n}</html>".encode())
        if n == 40:
            source = db.execute("SELECT * FROM versions WHERE article_id = ? ORDER BY number DESC LIMIT 1",
                                [blog_id]).fetchone()
            columns = [c[0] for c in db.execute("SELECT * FROM versions LIMIT 0").description]
            latest = dict(zip(columns, source, strict=True))
            latest["raw_html"] = f"<html>{n}</html>".encode()
            again = dataclasses.replace(article, body=article.body + "\n\nRe-read.", extractor_version="test-9")
            record.reextracted(db, blog_id, latest, again, _when(n))
        if n % 10 == 0:
            record.record_content(db, other_id, record.Fetch(url=OTHER, checked_at=_when(n), status=200),
                                  _extracted(n), b"<html>other</html>")
    with db.atomic():  # the only clock reads: when each URL was first tracked or seen
        db.execute("UPDATE articles SET added_at = '2026-10-31T23:00:00Z'")
        db.execute("UPDATE aliases SET added_at = '2026-10-31T23:00:00Z' WHERE kind != 'final'")
        db.execute("UPDATE aliases SET added_at = '2026-11-01T00:30:00Z' WHERE kind = 'final'")
    db.close()


@pytest.fixture(scope="module")
def history_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("history") / "r.db"
    make_history(path)
    return path


def _pinned(name: str, actual: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("REDLINE_WRITE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual.encode("utf-8"))
    assert actual == golden.read_bytes().decode("utf-8"), f"{name} differs from {golden}"


def _cli(db: Path, *args: str) -> str:
    done = subprocess.run([str(REDLINE), "--db", str(db), "history", *args], capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def test_the_generated_history_has_what_the_output_shows(history_db):
    """The history exercises every field the output prints (else the pins below prove little)."""
    record_ = Redline(history_db).history(URL)
    changes = record_["changes"]
    assert len(record_["versions"]) == record_["version_count"] > HISTORY_ROWS
    assert any(c["reverts_to"] for c in changes) and any(c["reextraction"] for c in changes)
    assert {"headline", "body", "removed", "restored", "byline"} <= {k for c in changes for k in c["kinds"]}
    assert any(c["to_version"] is None for c in changes) and any(v["rendered"] for v in record_["versions"])
    assert ALIAS in record_["aliases"]


def test_facade_record_is_pinned(history_db):
    """``Redline.history(url)``: the same keys in the same order, the same values and types (its
    JSON text is what ``--json`` prints, so both are pinned by one file)."""
    app = Redline(history_db)
    _pinned("cli-json.txt", json.dumps(app.history(URL), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    _pinned("newest.json", json.dumps(app.history(ALIAS, newest=7), ensure_ascii=False, indent=2) + "\n")


@pytest.mark.parametrize(("name", "args"), [("cli-json.txt", ("--json",)), ("cli-all.txt", ("--all",)),
                                            ("cli-newest.txt", ())])
def test_cli_output_is_pinned(history_db, name, args):
    _pinned(name, _cli(history_db, URL, *args))
