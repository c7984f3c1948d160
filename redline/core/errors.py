"""Every exception redline raises on purpose: one small tree, named for what failed.

Two kinds of failure are kept apart:

- **Problems someone must fix** (:class:`RedlineError` and everything under it but
  :class:`PageError`): a malformed URL or time, a bad config file, an unknown article, an unusable
  database, a second process on the same database. Messages say what is wrong in words that fit
  any front end; only the CLI adds its own hints (``pass --db …``) and turns them into exit codes.
- **Outcomes of one page** (:class:`PageError`): a fetched page holds no article, a feed cannot be
  read. They are recorded as failed checks or failing sources, and the crawl goes on; no user
  ever sees one as a command's error.

::

    RedlineError
    ├── InvalidInput            something typed in is malformed
    │   ├── InvalidURL
    │   └── InvalidTime
    ├── ConfigError             the config file is missing, malformed or has a bad value
    ├── NotFound                a named thing is not in the database
    │   ├── NotTracked          … an article URL
    │   └── NoVersion           … a version (none yet, or not that number)
    ├── DatabaseError           the SQLite file cannot be used
    │   ├── DatabaseMissing     no file there (and not asked to create one)
    │   ├── NotADatabase        a folder, not SQLite, or another program's SQLite file
    │   ├── NewerDatabase       written by a newer redline
    │   ├── DatabaseLocked      another writer held the lock too long
    │   └── DatabaseFailure     damaged, read-only, disk full
    ├── AlreadyRunning          another redline process works on this database
    ├── VerificationFailed      the stored record does not match its hash chain
    ├── CannotWrite             an output file cannot be written (or would be overwritten)
    ├── CannotListen            the web view cannot bind its address
    ├── DeliveryFailed          notify targets did not accept a test message
    └── PageError               (an outcome of one page, recorded, never a command error)
        ├── NoArticle           a fetched page holds no article redline can read
        └── UnreadableSource    a feed, sitemap or section page cannot be read
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AlreadyRunning", "CannotListen", "CannotWrite", "ConfigError", "DatabaseError", "DatabaseFailure",
    "DatabaseLocked", "DatabaseMissing", "DeliveryFailed", "InvalidInput", "InvalidTime", "InvalidURL",
    "NewerDatabase", "NoArticle", "NoVersion", "NotADatabase", "NotFound", "NotTracked", "PageError",
    "RedlineError", "UnreadableSource", "VerificationFailed",
]


class RedlineError(Exception):
    """Base class of every exception redline raises on purpose."""


class InvalidInput(RedlineError):
    """Something typed in (an argument, a query parameter) is malformed."""


class InvalidURL(InvalidInput):
    """Not an absolute http(s) URL redline can track."""


class InvalidTime(InvalidInput):
    """Not an ISO 8601 date or time."""


class ConfigError(RedlineError):
    """The configuration file is missing, malformed or has a bad value (the message names the key)."""


class NotFound(RedlineError):
    """Something named (an article, a version, a change, an outlet) is not in the database."""


class NotTracked(NotFound):
    """No tracked article is known under this URL."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{url} is not tracked")
        self.url = url


class NoVersion(NotFound):
    """The article has no stored version yet, or not the one asked for."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class DatabaseError(RedlineError):
    """The database file cannot be used; ``path`` names it."""

    def __init__(self, message: str, path: str | Path) -> None:
        super().__init__(message)
        self.path = str(path)


class DatabaseMissing(DatabaseError):
    """There is no database file at the path, and it was opened for reading only."""


class NotADatabase(DatabaseError):
    """The path is a folder, not a SQLite file, or another program's SQLite file."""


class NewerDatabase(DatabaseError):
    """The file holds schema steps this version of redline does not know."""


class DatabaseLocked(DatabaseError):
    """Another process held the write lock for longer than the busy timeout."""


class DatabaseFailure(DatabaseError):
    """SQLite failed mid-operation: a damaged file, no permission to write, a full disk."""


class AlreadyRunning(RedlineError):
    """Another redline process holds the database's process lock; ``pid`` is the holder's."""

    def __init__(self, message: str, pid: str) -> None:
        super().__init__(message)
        self.pid = pid


class VerificationFailed(RedlineError):
    """The stored record does not match its hash chain (``redline verify`` names where)."""


class CannotWrite(RedlineError):
    """An output file cannot be written, or exists and was not to be overwritten."""


class CannotListen(RedlineError):
    """The web view cannot listen on the address asked for."""


class DeliveryFailed(RedlineError):
    """Some notify targets did not accept a test message."""


class PageError(RedlineError):
    """An outcome of one fetched document, recorded with its reason; never a command's error."""


class NoArticle(PageError):
    """A fetched page holds no article redline can read (empty, not HTML, undecodable)."""


class UnreadableSource(PageError):
    """A discovery source (feed, sitemap, section page) cannot be read."""
