"""What must hold of a redline database whatever happened to the process writing it.

Shared by the fault, crash-loop and soak benchmarks and their tests. Everything reads the file
through SQLite (never plain file I/O, see docs/architecture.md) on a fresh connection, and
reads text as bytes so that a stored NUL or lone surrogate is seen rather than decoded away.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

#: One stored version: (article id, version number) → digest of everything that must never
#: change once written (``last_seen`` moves on every check and is left out).
Versions = dict[tuple[int, int], str]


@contextmanager
def reading(db: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)) as conn:
        conn.text_factory = bytes
        yield conn


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check``'s verdict: ``"ok"`` or its first complaint."""
    with reading(db) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(row[0].decode() for row in rows[:3])


def versions(db: Path) -> Versions:
    with reading(db) as conn:
        rows = conn.execute(
            "SELECT article_id, number, headline, byline, body, content_digest, first_seen, raw_html "
            "FROM versions").fetchall()
    return {(row[0], row[1]): hashlib.sha256(b"\x1f".join(bytes(v or b"") for v in row[2:])).hexdigest()
            for row in rows}


def lost(before: Versions, after: Versions) -> list[tuple[int, int]]:
    """Versions in ``before`` that are gone or rewritten in ``after``."""
    return sorted(key for key, digest in before.items() if after.get(key) != digest)


def duplicates(db: Path) -> list[str]:
    """Versions that should not exist: a number skipped, or a version equal to the one before
    it (a repeat write of the same content). A → B → A is a new version, not a duplicate."""
    with reading(db) as conn:
        rows = conn.execute("SELECT article_id, number, content_digest FROM versions "
                            "ORDER BY article_id, number").fetchall()
        changes = conn.execute("SELECT article_id, from_version, to_version, count(*) FROM changes "
                               "WHERE to_version IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1").fetchall()
    problems = [f"article {a}: change {f} → {t} recorded {n} times" for a, f, t, n in changes]
    previous: tuple[int, int, bytes] | None = None
    for article, number, digest in rows:
        if previous and previous[0] == article:
            if number != previous[1] + 1:
                problems.append(f"article {article}: version {previous[1]} then {number}")
            elif digest == previous[2]:
                problems.append(f"article {article}: version {number} repeats version {previous[1]}")
        elif number != 1:
            problems.append(f"article {article}: first version is {number}")
        previous = (article, number, digest)
    return problems


def bad_text(db: Path) -> list[str]:
    """Stored versions whose text holds NUL or is not valid UTF-8 (lone surrogates)."""
    problems = []
    with reading(db) as conn:
        for article, number, *texts in conn.execute(
                "SELECT article_id, number, headline, byline, body FROM versions"):
            for text in texts:
                text = bytes(text or b"")
                try:
                    text.decode("utf-8")
                    ok = b"\x00" not in text
                except UnicodeDecodeError:
                    ok = False
                if not ok:
                    problems.append(f"article {article} version {number}")
                    break
    return problems


def removals(db: Path) -> int:
    """``removed`` changes recorded (each one false when no page ever answered 404/410)."""
    with reading(db) as conn:
        return conn.execute("SELECT count(*) FROM changes WHERE kinds LIKE '%\"removed\"%'").fetchone()[0]
