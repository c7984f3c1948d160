"""Waiting, in tests, for something a subprocess or a server thread does: one loop for all of them."""

from __future__ import annotations

import time
from collections.abc import Callable

#: How long a test waits for a real process or server before it fails (generous: the shared 2-core
#: machine runs other jobs; a test that passes never waits this long).
PATIENCE_S = 60.0


def wait_for(what: str, condition: Callable[[], bool], *, patience: float = PATIENCE_S, every: float = 0.1) -> None:
    """Return as soon as ``condition()`` holds, checking every ``every`` seconds; fail the test with
    ``what`` after ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {patience:g} s: {what}")
        time.sleep(every)
