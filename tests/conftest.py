"""Shared test fixtures over :mod:`testkit`: a local site, the ``redline`` command, receivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from redline.storage.db import open_database
from testkit.receivers import Mailbox, Webhook
from testkit.site import LocalSite, Redline, running_site


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with running_site("User-agent: *\nDisallow: /private/\n") as local:
        yield local


@pytest.fixture
def redline(tmp_path: Path) -> Redline:
    return Redline(tmp_path / "redline.db")


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A JSON webhook receiver on 127.0.0.1 (see tests/receivers.py)."""
    hook = Webhook()
    yield hook
    hook.release()
    hook.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 (aiosmtpd)."""
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture
def db(tmp_path: Path):
    """A fresh redline database file, opened (and migrated) as the CLI opens it."""
    database = open_database(tmp_path / "r.db")
    yield database
    database.close()
