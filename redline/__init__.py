"""redline: keep every version of every news article and say when a story is quietly changed.

The Python API is the application facade and its errors::

    from redline import Redline, load_config

    app = Redline("watch.db", load_config("redline.toml"))
    app.track(["https://example.com/news/2026/11/25/budget-vote"])
    report = app.crawl_once()
    for change in app.changes(since="2026-11-25"):
        print(change["url"], change["kinds"])

Names are imported on first use, so ``import redline`` stays cheap for the command line.
Layers, bottom up (each imports only those below it; ``tests/test_layers.py`` checks):
``redline.core`` (errors, URLs, clock, policy, config types) → ``redline.storage`` →
``redline.crawler`` and ``redline.alerts`` → ``redline.scheduler`` → ``redline.app`` →
``redline.web`` and ``redline.demo`` → ``redline.cli``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from redline.core.version import __version__

if TYPE_CHECKING:
    from redline.app import CrawlReport, Redline, load_config
    from redline.core.config import AlertRule, Config, Network, Outlet, Selectors
    from redline.core.errors import (
        AlreadyRunning, ConfigError, DatabaseError, InvalidInput, InvalidTime, InvalidURL, NotFound,
        NotTracked, RedlineError,
    )

__all__ = [
    "AlertRule", "AlreadyRunning", "Config", "ConfigError", "CrawlReport", "DatabaseError", "InvalidInput",
    "InvalidTime", "InvalidURL", "Network", "NotFound", "NotTracked", "Outlet", "Redline", "RedlineError", "Selectors",
    "__version__", "load_config",
]

_HOMES = {
    "Redline": "redline.app", "CrawlReport": "redline.app", "load_config": "redline.app",
    "AlertRule": "redline.core.config", "Config": "redline.core.config", "Outlet": "redline.core.config",
    "Network": "redline.core.config", "Selectors": "redline.core.config",
    **{name: "redline.core.errors" for name in (
        "AlreadyRunning", "ConfigError", "DatabaseError", "InvalidInput", "InvalidTime", "InvalidURL",
        "NotFound", "NotTracked", "RedlineError")},
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'redline' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
