"""The exception hierarchy every redline layer raises for problems a user can fix.

Anything derived from :class:`RedlineError` is printed by the CLI as one line
(``redline: error: <message>``) with a non-zero exit and no traceback. Messages say what is
wrong and what to do about it.
"""


class RedlineError(Exception):
    """Base class: a problem with the user's input, files or environment."""

    exit_code = 1


class UsageError(RedlineError):
    """A malformed argument (a bad URL, an unknown version number)."""

    exit_code = 2


class NotFoundError(RedlineError):
    """Something the user named (an article URL, a version) is not in the database."""


class DatabaseError(RedlineError):
    """The database file cannot be used: unreadable, locked, not SQLite or not redline's."""


class ExtractionError(RedlineError):
    """A fetched page holds no article redline can read (empty, not HTML, undecodable)."""
