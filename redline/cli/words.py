"""The one place redline's errors become what a user reads and the exit code a script sees."""

from __future__ import annotations

from redline.core import errors

#: Exit code for what the user must change in the command itself: malformed input, a busy port, a
#: file that would be overwritten (click uses 2 for its own usage errors too).
EXIT_INPUT = 2
#: Exit code for everything else that stopped a command (a database, a lock, a file, a target).
EXIT_FAILED = 1
#: Exit code after Ctrl-C, as shells report a process ended by SIGINT.
EXIT_INTERRUPTED = 130


def words(error: errors.RedlineError) -> str:
    """The line a user reads for ``error``: its message, and what to do in terms of this CLI."""
    hint = ""
    if isinstance(error, errors.DatabaseMissing):
        hint = f": track an article first (redline --db {error.path} track URL)"
    elif isinstance(error, errors.NotADatabase):
        hint = ": pass --db with redline's database or a new file name"
    elif isinstance(error, errors.NotTracked):
        hint = f": add it with `redline track {error.url}`"
    elif isinstance(error, errors.NoVersion) and "yet" in str(error):
        hint = ": run `redline crawl --once` first"
    elif isinstance(error, errors.CannotWrite) and "already exists" in str(error):
        hint = ": pass --force to replace it"
    elif isinstance(error, errors.CannotListen) and "port" in str(error):
        hint = "; pick another with --port"
    return f"{error}{hint}"


def exit_code(error: errors.RedlineError) -> int:
    return EXIT_INPUT if isinstance(error, (errors.InvalidInput, errors.CannotListen, errors.CannotWrite)) else EXIT_FAILED
