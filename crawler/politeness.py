"""The Scrapy settings behind redline's politeness knobs (``delay``, ``concurrency``, per outlet too).

Kept apart from the runner so that reading them (the application does, for every crawl) does not
import Scrapy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from redline.core.config import Config

__all__ = ["NO_DELAY", "outlet_slots", "politeness_settings"]

#: What a delay of 0 becomes: Scrapy 2.19's downloader, when a slot's delay is exactly 0, starts
#: every queued request of the slot at once, before any counts as transferring, so
#: ``CONCURRENT_REQUESTS_PER_DOMAIN`` is ignored (measured: 6 requests at once with
#: ``--delay 0 --concurrency 1``). With any delay it starts one per pass; 1 ms costs nothing.
NO_DELAY = 0.001


def politeness_settings(*, delay: float | None, concurrency: int | None) -> dict[str, Any]:
    """The Scrapy settings behind redline's two politeness knobs (None: leave the default)."""
    values: dict[str, Any] = {}
    if delay is not None:
        values.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    return values


def outlet_slots(config: Config) -> dict[str, dict[str, float]]:
    """Per-host politeness from outlets' ``delay``/``concurrency`` (Scrapy's DOWNLOAD_SLOTS)."""
    slots: dict[str, dict[str, float]] = {}
    for outlet in config.outlets:
        knobs: dict[str, float] = {}
        if outlet.delay is not None:
            knobs["delay"] = outlet.delay or NO_DELAY
        if outlet.concurrency is not None:
            knobs["concurrency"] = outlet.concurrency
        if knobs:
            for url in (*outlet.feeds, *outlet.sitemaps, *outlet.sections):
                host = urlsplit(url).hostname
                if host:
                    slots[host] = knobs
    return slots
