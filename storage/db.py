"""Opening redline's SQLite file safely.

Every process (CLI command, daemon, web view) opens the database through :func:`open_database`,
which turns the ways a file can be unusable into one-line :class:`DatabaseError` messages
instead of tracebacks, and never writes to a file that is not redline's:

- a file that is not SQLite at all, or a SQLite file made by another program, is refused before
  anything is written (redline marks its files with ``PRAGMA application_id``);
- a file written by a newer redline (a migration this version does not know) is refused;
- a lock held by another writer is waited for (``BUSY_TIMEOUT_MS``), then reported.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from redline.core import environ
from redline.core.errors import (
    DatabaseFailure,
    DatabaseLocked,
    DatabaseMissing,
    NewerDatabase,
    NotADatabase,
)
from redline.storage.migrations import APPLICATION_ID, MIGRATIONS

#: How long a writer waits for another process's write transaction before giving up. The daemon
#: commits one article at a time, so waits are short; 15 s covers a slow disk under load.
#: ``REDLINE_BUSY_TIMEOUT_MS`` overrides it (scripts that prefer to fail fast).
BUSY_TIMEOUT_MS = 15000


def busy_timeout_ms() -> int:
    """The busy timeout in force: ``$REDLINE_BUSY_TIMEOUT_MS`` or :data:`BUSY_TIMEOUT_MS`."""
    return int(environ.number("REDLINE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS))


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost :meth:`atomic` starts with ``BEGIN IMMEDIATE``.

    A plain ``BEGIN`` takes the write lock only at the transaction's first write; when another
    process (an alert sender, the daemon's delivery thread) commits between this transaction's
    first read and that write, SQLite refuses the write at once with "database is locked"
    (SQLITE_BUSY_SNAPSHOT: waiting cannot help, so the busy timeout is not used). Taking the write
    lock up front makes a writer wait its turn for up to the busy timeout instead (found by the
    concurrency test: the daemon's recheck pass failed while ``alerts send`` ran).
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_database(path: str | os.PathLike[str], *, create: bool = True) -> Database:
    """Open (and, if ``create``, create or upgrade) the redline database at ``path``."""
    path = Path(path)
    exists = path.exists()
    if not exists and not create:
        raise DatabaseMissing(f"no redline database at {path}", path)
    if exists:
        _refuse_folder(path)
    elif not path.parent.exists():
        raise DatabaseFailure(f"cannot create {path}: folder {path.parent} does not exist", path)
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout_ms() / 1000)
        db = Database(conn)
        with translate_errors(path):
            _prepare(db, path)
    except sqlite3.DatabaseError as exc:
        raise _translate(path, exc) from None
    return db


def _refuse_folder(path: Path) -> None:
    """Refuse a folder early; whether the file is SQLite is left to SQLite itself.

    The file is deliberately never opened with plain Python I/O: closing any descriptor of a
    database file releases every POSIX lock SQLite holds on it in this process, so another
    thread's connection would silently lose its locks and the file could be corrupted
    (measured here: "database disk image is malformed" once the alert sender, in a worker
    thread, opened the database while the crawler was writing).
    """
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder, not a database file", path)


def _prepare(db: sqlite_utils.Database, path: Path) -> None:
    db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    db.execute("PRAGMA foreign_keys = ON")
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = [t for t in db.table_names() if not t.startswith("sqlite_")]
    if app_id != APPLICATION_ID and (app_id != 0 or tables):
        raise NotADatabase(f"{path} is a SQLite database of another program, not redline's", path)
    known = {m.name for m in MIGRATIONS._migrations}  # noqa: SLF001 - sqlite-utils exposes no getter
    unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    if unknown:
        raise NewerDatabase(f"{path} was written by a newer redline (schema step {unknown[-1]!r}): upgrade redline",
                            path)
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.enable_wal()
    if MIGRATIONS.pending(db):
        MIGRATIONS.apply(db)


@contextmanager
def translate_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn SQLite's lock, disk and corruption errors met mid-operation into DatabaseError."""
    try:
        yield
    except sqlite3.DatabaseError as exc:  # OperationalError included
        raise _translate(Path(path), exc) from None


def _translate(path: Path, exc: sqlite3.Error) -> DatabaseLocked | NotADatabase | DatabaseFailure:
    """The :class:`~redline.core.errors.DatabaseError` that says what went wrong, and what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseLocked(f"database {path} is locked by another process (a running redline?): "
                              "try again when it has finished", path)
    if "not a database" in text:
        return NotADatabase(f"{path} is not a SQLite database", path)
    if "malformed" in text:
        return DatabaseFailure(f"{path} is damaged ({text}): restore it from a backup or use a new file", path)
    if "unable to open" in text or "readonly" in text:
        return DatabaseFailure(f"cannot write to {path} ({text}): check the file's and folder's permissions", path)
    if "disk" in text or "full" in text:
        return DatabaseFailure(f"cannot write to {path} ({text}): free some disk space and run again; "
                               "nothing was lost", path)
    return DatabaseFailure(f"database {path}: {text}", path)
