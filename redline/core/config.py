"""What a configuration says, as plain data: outlets, alert rules, the recheck schedule, selectors.

The types only; reading and checking ``redline.toml`` is :mod:`redline.app.config`. Kept at the
bottom layer because every layer reads them (the crawler its selectors and politeness, the
scheduler its intervals, the alerts their rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHANGE_KINDS", "DEFAULT_GIVE_UP_AFTER", "AlertRule", "Config", "Outlet", "Selectors"]

#: The kinds of change redline records (``changes.kinds``), which alert rules and views filter on.
CHANGE_KINDS = ("headline", "body", "byline", "removed", "restored")
#: How long an alert is retried before it is marked failed: two days outlasts a weekend outage
#: of a mail server or webhook, and an alert older than that has lost most of its use.
DEFAULT_GIVE_UP_AFTER = 2 * 86400.0


@dataclass(frozen=True)
class Selectors:
    """Outlet-specific CSS selectors (lxml cssselect syntax); ``drop`` removes matches first."""

    headline: str | None = None
    body: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outlet:
    """One news outlet: where to discover its articles and how to treat it."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    article_pattern: str | None = None
    language: str | None = None
    selectors: Selectors | None = None
    delay: float | None = None
    concurrency: int | None = None
    discover_every: float | None = None
    discover_max_age: float | None = None
    schedule: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRule:
    """Who is told about which changes, and how often."""

    notify: tuple[str, ...]
    kinds: tuple[str, ...] = CHANGE_KINDS
    outlets: tuple[str, ...] = ()
    min_words: int = 0
    keywords: tuple[str, ...] = ()
    digest: float | None = None
    flip_flops: bool = True
    give_up_after: float = DEFAULT_GIVE_UP_AFTER
    key: str = "alerts[0]"


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``path`` is None when no file was used."""

    path: Path | None = None
    db: Path | None = None
    base_url: str | None = None
    user_agent: str | None = None
    delay: float | None = None
    concurrency: int | None = None
    discover_every: float | None = None
    discover_max_age: float | None = None
    schedule: dict[str, float] = field(default_factory=dict)
    outlets: tuple[Outlet, ...] = ()
    alerts: tuple[AlertRule, ...] = ()

    def outlet(self, name: str | None) -> Outlet | None:
        return next((o for o in self.outlets if o.name == name), None)

    def selectors_by_outlet(self) -> dict[str, Selectors]:
        """The configured extraction selectors, by outlet name."""
        return {outlet.name: outlet.selectors for outlet in self.outlets if outlet.selectors}
