"""Keeping secrets out of what redline shows: proxy passwords, header and cookie values.

A proxy URL may carry a password (``http://user:pass@proxy:3128``), and a per-outlet header or
cookie may be a credential (a paywall session, an API key). Such values are read from the config
or the environment (``env:NAME``), handed to the downloader, and otherwise only ever shown through
these functions: logs, error messages stored in the database, ``redline status`` and the web view
see the masked form.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "mask_url", "scrub"]

#: What replaces a secret wherever it would be shown.
MASK = "***"
#: ``scheme://user:password@``: everything after the first ``:`` of the user info, up to the last ``@``.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*):([^/?#]*)@")


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by :data:`MASK`; the user name stays.

    Textual, so that a malformed URL (a bad port) is masked too rather than shown whole."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}:{MASK}@", url, count=1)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of any of ``secrets`` replaced by :data:`MASK`.

    For messages that libraries build from values redline handed them (an exception naming the
    proxy URL): the longest secrets are replaced first so that one inside another leaves nothing.
    """
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
