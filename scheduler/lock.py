"""One redline process writing a database at a time.

Two daemons (or a daemon and a cron ``crawl --once``) on one database would fetch the same
articles twice and fight over the write lock. Each takes an exclusive ``flock`` on
``<database>.lock`` for as long as it runs; the kernel releases it when the process dies, even by
SIGKILL, so a crash never leaves a stale lock behind. The file holds the owner's pid for messages.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redline.core.errors import RedlineError


class AlreadyRunning(RedlineError):
    """Another redline process holds the database's lock."""


@contextmanager
def exclusive(db_path: str | os.PathLike[str], what: str) -> Iterator[None]:
    """Hold the database's process lock, or raise AlreadyRunning naming the holder."""
    lock_path = Path(f"{db_path}.lock")
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AlreadyRunning(
                f"another redline process (pid {holder}) is already working on {db_path}: "
                f"stop it first, or wait for it to finish before starting {what}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
