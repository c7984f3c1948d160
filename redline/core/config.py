"""What a configuration says, as plain data: outlets, alert rules, the recheck schedule, selectors.

The types only; reading and checking ``redline.toml`` is :mod:`redline.app.config`. Kept at the
bottom layer because every layer reads them (the crawler its selectors and politeness, the
scheduler its intervals, the alerts their rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHANGE_KINDS", "DEFAULT_GIVE_UP_AFTER", "RENDER_MODES", "AlertRule", "Config", "Network", "Outlet",
           "Selectors"]

#: The kinds of change redline records (``changes.kinds``), which alert rules and views filter on.
CHANGE_KINDS = ("headline", "body", "byline", "removed", "restored")
#: How long an alert is retried before it is marked failed: two days outlasts a weekend outage
#: of a mail server or webhook, and an alert older than that has lost most of its use.
DEFAULT_GIVE_UP_AFTER = 2 * 86400.0
#: How an outlet's article pages are fetched: ``plain`` HTTP, or rendered in a headless ``browser``.
RENDER_MODES = ("plain", "browser")


@dataclass(frozen=True)
class Selectors:
    """Outlet-specific CSS selectors (lxml cssselect syntax); ``drop`` removes matches first."""

    headline: str | None = None
    body: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Network:
    """How one outlet is reached: its proxy, extra headers and cookies, User-Agent and renderer.

    Values are resolved (``env:NAME`` already read from the environment) and may be secrets: the
    ``repr`` masks the proxy password and every header and cookie value, so that a settings dump or
    a logged config never shows them (see :mod:`redline.core.secrets`).
    """

    proxy: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    user_agent: str | None = None
    render: str = "plain"

    @property
    def is_default(self) -> bool:
        return self == Network()

    def secrets(self) -> tuple[str, ...]:
        """The values that must never be shown: the proxy URL and its password, header and cookie values."""
        from urllib.parse import unquote, urlsplit

        found: list[str] = [value for _, value in (*self.headers, *self.cookies)]
        if self.proxy:
            password = urlsplit(self.proxy).password
            if password:
                found += [self.proxy, password, unquote(password)]
        return tuple(value for value in found if len(value) >= 3)  # a one-letter value is no secret to hide

    def shown(self) -> dict[str, object]:
        """What may be shown of the route (``redline status``): the proxy with its password masked,
        the names of the headers and cookies, never their values."""
        from redline.core.secrets import mask_url

        return {"proxy": mask_url(self.proxy) if self.proxy else None, "headers": [name for name, _ in self.headers],
                "cookies": [name for name, _ in self.cookies], "user_agent": self.user_agent, "render": self.render}

    def __repr__(self) -> str:
        from redline.core.secrets import MASK, mask_url

        masked = {
            "proxy": mask_url(self.proxy) if self.proxy else None,
            "headers": tuple((name, MASK) for name, _ in self.headers),
            "cookies": tuple((name, MASK) for name, _ in self.cookies),
            "user_agent": self.user_agent,
            "render": self.render,
        }
        return "Network(" + ", ".join(f"{key}={value!r}" for key, value in masked.items()) + ")"


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
    network: Network = field(default_factory=Network)


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

    def networks_by_outlet(self) -> dict[str, Network]:
        """The outlets reached in a way of their own (proxy, headers, cookies, User-Agent, browser), by name."""
        return {outlet.name: outlet.network for outlet in self.outlets if not outlet.network.is_default}

    def selectors_by_outlet(self) -> dict[str, Selectors]:
        """The configured extraction selectors, by outlet name."""
        return {outlet.name: outlet.selectors for outlet in self.outlets if outlet.selectors}
