"""What a pass did, in a module of its own: reporting on a crawl needs no Scrapy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["PassReport"]


@dataclass
class PassReport:
    """What one pass did: checks by outcome, and discovered links (``new``/``known``); ``work``
    is what it cost (``parsed``: pages decoded and extracted; a 304 or unchanged bytes is not)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    discovered: Counter[str] = field(default_factory=Counter)
    work: Counter[str] = field(default_factory=Counter)
    interrupted: bool = False
