"""The settings redline takes from the environment, each read when it is used (not at import).

One place, so the names are documented together and a test or a long-lived process sees the
value that is set now. A malformed number is a :class:`~redline.core.errors.ConfigError`.

=================================  ===================================================  =================
variable                           what                                                 default
=================================  ===================================================  =================
``REDLINE_DB``                     the database (after ``--db``)                        (config)
``REDLINE_CONFIG``                 the config file (after ``--config``)                 (./redline.toml)
``REDLINE_USER_AGENT``             the User-Agent (after ``user_agent`` in the config)  redline/<v> …
``REDLINE_CHROMIUM``               the Chromium of ``render = "browser"`` outlets       /usr/bin/chromium
``REDLINE_BROWSER_RESTART_PAGES``  rendered pages between browser restarts              100
``REDLINE_EXTRACTION_WORKERS``     processes that read pages (0 or 1: in the crawl)     one per core
``REDLINE_BUSY_TIMEOUT_MS``        how long a writer waits for another's lock           15000
``REDLINE_ALERT_BACKOFF_S``        first retry of a failed alert (then doubled)         30
``REDLINE_MIN_INTERVAL``           shortest recheck/discovery interval accepted (s)     60
=================================  ===================================================  =================
"""

from __future__ import annotations

import os

from redline.core.errors import ConfigError

__all__ = ["number", "text"]


def text(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    return os.environ.get(name) or None


def number(name: str, default: float) -> float:
    """The variable as a number, or ``default`` when it is unset."""
    value = text(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"${name} must be a number, not {value!r}") from None
