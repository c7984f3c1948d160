"""Talking to Apprise: checking notify URLs, and sending one message to one target.

Why Apprise: one URL syntax reaches email, Slack, Telegram, Matrix, Discord, ntfy and plain
webhooks, and users already know it. Apprise reports success as a bool and the reason for a
failure only in its log, so every call here captures that log and hands the reason back.

Idempotency: for the generic webhooks (``json://``, ``form://``, ``xml://`` and their ``s``
variants) the delivery's key is added through Apprise's own URL syntax, as the
``Idempotency-Key`` header (``+Header=value``) and an ``idempotency_key`` payload field
(``:field=value``). Other services have no place for it, so they get at-least-once delivery.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from types import ModuleType
from urllib.parse import quote, urlsplit

#: Schemes whose receivers get the idempotency key (Apprise's generic webhook plugins).
IDEMPOTENT_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})

#: Header and payload field carrying the key; ``Idempotency-Key`` is the IETF draft's name.
KEY_HEADER = "Idempotency-Key"
KEY_FIELD = "idempotency_key"

#: Hex digits of sha256(URL) naming a target in the database: the URL itself may hold passwords
#: and tokens, which do not belong in a file users copy around; 16 digits never collide in practice.
TARGET_ID_DIGITS = 16


def target_id(url: str) -> str:
    """The name a notify URL is stored under (a hash: the URL may carry secrets)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:TARGET_ID_DIGITS]


def problem(url: str) -> str | None:
    """Why Apprise cannot use ``url`` (None when it can)."""
    with _apprise_log() as log:
        plugin = _apprise().Apprise.instantiate(url)
    if plugin is not None:
        return None
    return _last_line(log) or "Apprise does not know this kind of URL"


def label(url: str) -> str:
    """The URL as shown to people: passwords and tokens masked (by Apprise), parameters left out;
    for a URL Apprise cannot read, only its scheme and host."""
    with _apprise_log():
        plugin = _apprise().Apprise.instantiate(url)
    if plugin is None:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    shown = urlsplit(plugin.url(privacy=True))
    return f"{shown.scheme}://{shown.netloc}{shown.path}"


def idempotent(url: str) -> bool:
    """Whether the receiver behind ``url`` is handed the idempotency key."""
    return urlsplit(url).scheme.lower() in IDEMPOTENT_SCHEMES


def send(url: str, key: str, title: str, body: str) -> str | None:
    """Send one message; None when the service confirmed it, else the reason it failed."""
    if idempotent(url):
        url = _with_key(url, key)
    with _apprise_log() as log:
        plugin = _apprise().Apprise.instantiate(url)
        if plugin is None:
            return _last_line(log) or "Apprise cannot use this URL any more"
        try:
            ok = plugin.notify(title=title, body=body)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not stop the other deliveries
            return f"{type(exc).__name__}: {exc}"
    return None if ok else (_last_line(log) or "the service did not confirm the message")


def _with_key(url: str, key: str) -> str:
    parts = urlsplit(url)
    extra = f"+{KEY_HEADER}={quote(key)}&:{KEY_FIELD}={quote(key)}"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return parts._replace(query=query).geturl()


@contextmanager
def _apprise_log() -> Iterator[StringIO]:
    """Capture Apprise's warnings (its only account of a failure) instead of printing them twice."""
    logger = logging.getLogger("apprise")
    propagate, logger.propagate = logger.propagate, False
    try:
        with _apprise().LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
            yield log
    finally:
        logger.propagate = propagate


def _apprise() -> ModuleType:
    """Apprise, imported on first use: it adds ~0.2 s, which commands that send nothing should not pay."""
    import apprise

    return apprise


def _last_line(log: StringIO) -> str:
    lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else ""
