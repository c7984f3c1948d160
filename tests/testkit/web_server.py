"""Running ``redline serve`` as a subprocess for tests, the way a user starts it, and fetching
pages from it with the standard library (no redirects followed, error statuses returned)."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from testkit.site import REDLINE

#: How long the server may take to print its address (imports + schema check): generous for a
#: loaded 2-core CI machine; a healthy start takes about a second.
START_TIMEOUT_S = 60


@dataclass
class Page:
    status: int
    headers: Message
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Page:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Page(response.status, response.headers, response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return Page(error.code, error.headers, error.read().decode("utf-8"))


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """Start ``redline --db DB serve --port 0``; yields its base URL (no trailing slash)."""
    process = subprocess.Popen([str(REDLINE), "--db", str(db), "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
        line = process.stdout.readline() if ready else ""
        found = re.search(r"http://[^/\s]+", line)
        if not found:
            process.kill()
            raise AssertionError(f"redline serve did not start: {line!r} {process.stderr.read()}")
        yield found.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)
