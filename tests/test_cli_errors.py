"""Bad input gets one clear line, a non-zero exit, no traceback and no half-written state."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from testkit.site import REDLINE, Redline


def _one_line_error(result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("bad", ["not a url", "ftp://example.com/file", "https://", "http://exa mple.com/x",
                                 "example.com/news/1", "http://[::1/x"])
def test_malformed_url_is_refused_and_nothing_is_written(redline, bad):
    result = redline("track", "https://example.com/ok", bad, check=False)
    line = _one_line_error(result)
    assert result.returncode == 2 and line.startswith("redline: error:")
    assert not redline.db.exists()


def test_unknown_url_in_history_and_diff(redline):
    redline("track", "https://example.com/known")
    for command in ("history", "diff"):
        result = redline(command, "https://example.com/unknown", check=False)
        assert "is not tracked" in _one_line_error(result)
        assert result.returncode == 1


def test_diff_before_any_version_and_bad_version_numbers(redline):
    redline("track", "https://example.com/known")
    assert "no stored version" in _one_line_error(redline("diff", "https://example.com/known", check=False))


def test_reading_a_missing_database_does_not_create_it(tmp_path):
    redline = Redline(tmp_path / "missing.db")
    assert "no redline database" in _one_line_error(redline("changes", check=False))
    assert not redline.db.exists()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    line = _one_line_error(Redline(path)("track", "https://example.com/a", check=False))
    assert "not a SQLite database" in line
    assert path.read_text() == "these are my notes, not a database\n"


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = path.read_bytes()
    line = _one_line_error(Redline(path)("track", "https://example.com/a", check=False))
    assert "another program" in line
    assert path.read_bytes() == before


def test_a_locked_database_is_reported(tmp_path):
    redline = Redline(tmp_path / "redline.db")
    redline("track", "https://example.com/a")
    holder = sqlite3.connect(redline.db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = redline("track", "https://example.com/b", check=False,
                         env={"REDLINE_BUSY_TIMEOUT_MS": "300"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked by another process" in _one_line_error(result)
    with sqlite3.connect(redline.db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_bad_since_and_usage_errors(redline):
    redline("track", "https://example.com/a")
    assert "not an ISO 8601 time" in _one_line_error(redline("changes", "--since", "yesterday", check=False))
    assert "needs --once" in _one_line_error(redline("crawl", check=False))
    assert "--all" in _one_line_error(redline("reextract", check=False))


def test_db_from_environment(tmp_path):
    db = tmp_path / "env.db"
    done = subprocess.run([str(REDLINE), "track", "https://example.com/env"], capture_output=True, text=True,
                          env={"REDLINE_DB": str(db), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert db.exists()


def test_python_dash_m_runs_the_same_cli(tmp_path):
    done = subprocess.run([sys.executable, "-m", "redline", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "redline" in done.stdout
