"""Reading and checking ``redline.toml`` into a :class:`~redline.core.config.Config`.

Where the file comes from: ``--config PATH``, then ``$REDLINE_CONFIG``, then ``./redline.toml`` when
it exists; no config at all is valid (tracked URLs still work). Every section is optional.

A bad file stops start-up with one line naming the file, the line (TOML syntax errors) or the key
path (``outlets[2].feeds[0]``), and what is wrong: :class:`ConfigError`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from redline.core import environ
from redline.core.config import (
    CHANGE_KINDS, DEFAULT_GIVE_UP_AFTER, RENDER_MODES, AlertRule, Config, Network, Outlet, Selectors,
)
from redline.core.errors import ConfigError, InvalidURL
from redline.core.policy import SCHEDULE_KEYS
from redline.core.secrets import mask_url
from redline.core.urls import canonicalize_url

__all__ = ["CONFIG_ENV", "DEFAULT_CONFIG", "load", "locate", "parse_duration"]

CONFIG_ENV = "REDLINE_CONFIG"
DEFAULT_CONFIG = "redline.toml"

#: The shortest recheck or discovery interval accepted: one minute is four times the fastest
#: default (15 min) apart from nothing, and still far faster than any outlet edits a story.
#: ``$REDLINE_MIN_INTERVAL`` (seconds) lowers it for tests and benchmarks against local servers.
MIN_INTERVAL = 60.0
MIN_INTERVAL_ENV = "REDLINE_MIN_INTERVAL"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: A value written ``env:NAME`` is read from the environment variable NAME (secrets stay out of the file).
ENV_PREFIX = "env:"
#: Proxy URL schemes the downloader can route (crawler/handlers.py): HTTP proxies through Scrapy's
#: own proxy support, SOCKS5 (``socks5h``: the proxy resolves host names, as Tor needs) through httpx2.
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
#: Headers redline sets itself, which an outlet's ``headers`` must not replace.
_OWN_HEADERS = {"cookie": "cookies", "user-agent": "user_agent", "if-none-match": None, "if-modified-since": None,
                "proxy-authorization": "proxy", "host": None}


def parse_duration(value: Any, key: str, where: str) -> float:
    """``15m``, ``6h``, ``30s``, ``2d``, ``1w`` (or a number of seconds) → seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be a duration like 15m, 6h or 30s, not {value!r}")
    if isinstance(value, (int, float)) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"{where}: {key} must be a duration like 15m, 6h or 30s, not {value!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def locate(explicit: str | None) -> Path | None:
    """The config file to use: the explicit path, $REDLINE_CONFIG, ./redline.toml, or None."""
    if explicit:
        return Path(explicit)
    if environ.text(CONFIG_ENV):
        return Path(environ.text(CONFIG_ENV) or "")
    default = Path(DEFAULT_CONFIG)
    return default if default.exists() else None


def load(path: Path | None) -> Config:
    """Read and check the config at ``path`` (None: the empty configuration)."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist: create one with `redline init`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return _Reader(path).config(data)


class _Reader:
    """Turns parsed TOML into a :class:`Config`, naming the key path of the first bad value."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} {problem}")

    def config(self, data: dict[str, Any]) -> Config:
        self.known(data, "", {"db", "base_url", "user_agent", "delay", "concurrency", "discover_every", "discover_max_age",
                              "schedule", "outlets", "alerts"})
        outlets = tuple(self.outlet(item, f"outlets[{i}]") for i, item in enumerate(self.tables(data, "outlets")))
        names = [o.name for o in outlets]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise self.fail("outlets", f"names {duplicate!r} twice: outlet names must be unique")
        alerts = tuple(self.alert(item, f"alerts[{i}]", set(names)) for i, item in enumerate(self.tables(data, "alerts")))
        db = self.string(data, "db")
        return Config(
            path=self.path,
            db=(self.path.parent / db) if db else None,
            base_url=self.base_url(data),
            user_agent=self.string(data, "user_agent"),
            delay=self.duration(data, "delay"),
            concurrency=self.positive_int(data, "concurrency"),
            discover_every=self.interval(data, "discover_every"),
            discover_max_age=self.positive_duration(data, "discover_max_age"),
            schedule=self.schedule(data.get("schedule", {}), "schedule"),
            outlets=outlets,
            alerts=alerts,
        )

    def outlet(self, item: dict[str, Any], key: str) -> Outlet:
        self.known(item, key, {"name", "feeds", "sitemaps", "sections", "article_pattern", "language",
                               "selectors", "delay", "concurrency", "discover_every", "discover_max_age",
                               "schedule", "proxy", "headers", "cookies", "user_agent", "render"})
        name = self.string(item, "name", key)
        if not name:
            raise self.fail(f"{key}.name", "is missing: every outlet needs a name")
        pattern = self.string(item, "article_pattern", key)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(f"{key}.article_pattern", f"is not a valid regular expression ({exc})") from None
        sources = {part: self.urls(item, part, key) for part in ("feeds", "sitemaps", "sections")}
        if sources["sections"] and pattern is None:
            raise self.fail(f"{key}.article_pattern", "is missing: sections need a pattern saying which links are articles")
        return Outlet(
            name=name, **sources, article_pattern=pattern, language=self.string(item, "language", key),
            selectors=self.selectors(item.get("selectors"), f"{key}.selectors"),
            delay=self.duration(item, "delay", key), concurrency=self.positive_int(item, "concurrency", key),
            discover_every=self.interval(item, "discover_every", key),
            discover_max_age=self.positive_duration(item, "discover_max_age", key),
            schedule=self.schedule(item.get("schedule", {}), f"{key}.schedule"),
            network=self.network(item, key),
        )

    def network(self, item: dict[str, Any], key: str) -> Network:
        """An outlet's ``proxy``, ``headers``, ``cookies``, ``user_agent`` and ``render``."""
        render = self.string(item, "render", key) or "plain"
        if render not in RENDER_MODES:
            raise self.fail(f"{key}.render", f"is {render!r}; use {' or '.join(map(repr, RENDER_MODES))}")
        proxy = self.secret(item, "proxy", key)
        if proxy is not None:
            self.check_proxy(proxy, f"{key}.proxy")
        return Network(proxy=proxy, headers=self.pairs(item, "headers", key, header_names=True),
                       cookies=self.pairs(item, "cookies", key), user_agent=self.secret(item, "user_agent", key),
                       render=render)

    def check_proxy(self, proxy: str, key: str) -> None:
        from urllib.parse import urlsplit

        shown = mask_url(proxy)
        try:
            parts = urlsplit(proxy)
            port = parts.port
        except ValueError:
            raise self.fail(key, f"is not a usable proxy URL ({shown!r})") from None
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
            raise self.fail(key, f"must be a URL like socks5h://127.0.0.1:9050 or http://proxy:3128 "
                                 f"({', '.join(PROXY_SCHEMES)}), not {shown!r}")
        if port is None and parts.scheme.startswith("socks"):
            raise self.fail(key, f"needs a port (Tor listens on 9050): {shown!r}")

    def secret(self, item: dict[str, Any], name: str, key: str) -> str | None:
        """A string setting that may be written ``env:NAME``; the variable must then be set."""
        return self.resolve(self.string(item, name, key), _join(key, name))

    def resolve(self, value: str | None, key: str) -> str | None:
        if value is None or not value.startswith(ENV_PREFIX):
            return value
        variable = value[len(ENV_PREFIX):].strip()
        if not variable:
            raise self.fail(key, f"says {value!r}: name the environment variable after {ENV_PREFIX}")
        found = environ.text(variable)
        if found is None:
            raise self.fail(key, f"reads ${variable}, which is not set")
        return found

    def pairs(self, item: dict[str, Any], name: str, key: str, *, header_names: bool = False) -> tuple[tuple[str, str], ...]:
        """A table of name = "value" (``headers``, ``cookies``); values may be ``env:NAME``."""
        value = item.get(name, {})
        where = _join(key, name)
        if not isinstance(value, dict):
            raise self.fail(where, 'must be a table of name = "value" pairs')
        found: list[tuple[str, str]] = []
        for entry, text in value.items():
            if not isinstance(text, str):
                raise self.fail(f"{where}.{entry}", f"must be a string, not {type(text).__name__}")
            if header_names:
                if not _HEADER_NAME.match(entry):
                    raise self.fail(f"{where}.{entry}", "is not a valid HTTP header name")
                if entry.lower() in _OWN_HEADERS:
                    instead = _OWN_HEADERS[entry.lower()]
                    raise self.fail(f"{where}.{entry}", "is set by redline itself" + (f": use {key}.{instead}" if instead else ""))
            elif not entry or any(c in entry for c in ";=, \t"):
                raise self.fail(f"{where}.{entry}", "is not a valid cookie name")
            resolved = self.resolve(text, f"{where}.{entry}") or ""
            if any(c in resolved for c in "\r\n"):
                raise self.fail(f"{where}.{entry}", "must be one line")
            found.append((entry, resolved))
        return tuple(found)

    def alert(self, item: dict[str, Any], key: str, outlet_names: set[str]) -> AlertRule:
        self.known(item, key, {"notify", "kinds", "outlets", "min_words", "keywords", "digest", "flip_flops",
                               "give_up_after"})
        notify = self.strings(item, "notify", key)
        if not notify:
            raise self.fail(f"{key}.notify", "is missing: list at least one Apprise URL")
        kinds = self.strings(item, "kinds", key) or CHANGE_KINDS
        for i, kind in enumerate(kinds):
            if kind not in CHANGE_KINDS:
                raise self.fail(f"{key}.kinds[{i}]", f"is {kind!r}; use any of {', '.join(CHANGE_KINDS)}")
        outlets = self.strings(item, "outlets", key)
        for i, name in enumerate(outlets):
            if name not in outlet_names:
                raise self.fail(f"{key}.outlets[{i}]", f"names {name!r}, which is not an outlet in this file")
        min_words = item.get("min_words", 0)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 0:
            raise self.fail(f"{key}.min_words", f"must be a whole number ≥ 0, not {min_words!r}")
        flip_flops = item.get("flip_flops", True)
        if not isinstance(flip_flops, bool):
            raise self.fail(f"{key}.flip_flops", f"must be true or false, not {flip_flops!r}")
        give_up_after = self.duration(item, "give_up_after", key)
        return AlertRule(notify=notify, kinds=kinds, outlets=outlets, min_words=min_words,
                         keywords=self.strings(item, "keywords", key), digest=self.duration(item, "digest", key),
                         flip_flops=flip_flops,
                         give_up_after=DEFAULT_GIVE_UP_AFTER if give_up_after is None else give_up_after,
                         key=key)

    def selectors(self, value: Any, key: str) -> Selectors | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table with headline, body and drop")
        self.known(value, key, {"headline", "body", "drop"})
        from lxml.cssselect import CSSSelector, SelectorError

        chosen = {"headline": self.string(value, "headline", key), "body": self.string(value, "body", key)}
        drop = self.strings(value, "drop", key)
        for name, selector in [*chosen.items(), *((f"drop[{i}]", s) for i, s in enumerate(drop))]:
            if selector is not None:
                try:
                    CSSSelector(selector)
                except SelectorError as exc:
                    raise self.fail(f"{key}.{name}", f"is not a valid CSS selector ({exc})") from None
        return Selectors(headline=chosen["headline"], body=chosen["body"], drop=drop)

    def schedule(self, value: Any, key: str) -> dict[str, float]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table of durations")
        self.known(value, key, set(SCHEDULE_KEYS))
        return {name: self.interval(value, name, key) for name in value}

    def interval(self, item: dict[str, Any], name: str, key: str = "") -> float | None:
        """A duration between two looks at something, refused below the floor: an outlet must
        never be asked for a page every few seconds by a typo (``fresh = "0s"``)."""
        value = self.duration(item, name, key)
        floor = environ.number(MIN_INTERVAL_ENV, MIN_INTERVAL)
        if value is not None and value < floor:
            raise self.fail(_join(key, name), f"is {item[name]!r}: intervals must be at least "
                                               f"{_seconds(floor)} (a shorter one would hammer the outlet)")
        return value

    # --- scalar readers -----------------------------------------------------------------------

    def known(self, item: Any, key: str, allowed: set[str]) -> None:
        if not isinstance(item, dict):
            raise self.fail(key or "the file", "must be a table")
        for name in item:
            if name not in allowed:
                raise self.fail(_join(key, name), f"is not a known setting (known: {', '.join(sorted(allowed))})")

    def tables(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, f"must be written as [[{name}]] tables")
        return value

    def string(self, item: dict[str, Any], name: str, key: str = "") -> str | None:
        value = item.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(_join(key, name), f"must be a non-empty string, not {value!r}")
        return value

    def strings(self, item: dict[str, Any], name: str, key: str) -> tuple[str, ...]:
        value = item.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(_join(key, name), f"must be a list of strings, not {value!r}")
        for i, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                raise self.fail(f"{_join(key, name)}[{i}]", f"must be a non-empty string, not {entry!r}")
        return tuple(value)

    def urls(self, item: dict[str, Any], name: str, key: str) -> tuple[str, ...]:
        values = self.strings(item, name, key)
        for i, url in enumerate(values):
            try:
                canonicalize_url(url)
            except InvalidURL as exc:
                raise self.fail(f"{_join(key, name)}[{i}]", f"is not a usable URL: {exc}") from None
        return values

    def base_url(self, data: dict[str, Any]) -> str | None:
        """Where the web view is reachable for readers of alerts and feeds (``https://host/prefix``)."""
        value = self.string(data, "base_url")
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise self.fail("base_url", f"must be the web view's address, like https://redline.example.org, "
                                            f"not {value!r}")
        return value.rstrip("/") if value else None

    def duration(self, item: dict[str, Any], name: str, key: str = "") -> float | None:
        if name not in item:
            return None
        return parse_duration(item[name], _join(key, name), str(self.path))

    def positive_duration(self, item: dict[str, Any], name: str, key: str = "") -> float | None:
        value = self.duration(item, name, key)
        if value is not None and value <= 0:
            raise self.fail(_join(key, name), f"must be longer than 0, not {item[name]!r}")
        return value

    def positive_int(self, item: dict[str, Any], name: str, key: str = "") -> int | None:
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise self.fail(_join(key, name), f"must be a whole number ≥ 1, not {value!r}")
        return value


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _seconds(value: float) -> str:
    return f"{value / 60:g} minute(s)" if value >= 60 else f"{value:g} s"
