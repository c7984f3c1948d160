"""Outlet-specific CSS selectors: the config file states them, the extractor applies them.

A module of its own so that reading the config does not import the extraction stack.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selectors:
    """Outlet-specific CSS selectors (lxml cssselect syntax); ``drop`` removes matches first."""

    headline: str | None = None
    body: str | None = None
    drop: tuple[str, ...] = ()
