"""Cut a cleaned tree into text blocks: redline's own unit of "paragraph".

All extraction methods end by choosing blocks from this one segmentation, so the paragraph
structure of the output never depends on which extractor won, and a markup-only change
(``<p>`` vs ``<div>``, ``<b>`` added, re-wrapped lines) cannot move paragraph boundaries.
A single ``iterwalk`` pass: linear in the size of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from . import rules
from .normalize import clean_text, squash


@dataclass
class Block:
    """One paragraph candidate in document order."""

    text: str
    key: str  #: :func:`normalize.squash` of ``text``, for matching against other extractors
    link_chars: int
    tag: str  #: tag of the nearest block-level ancestor
    heading: bool

    @property
    def link_density(self) -> float:
        return self.link_chars / max(len(self.text), 1)


def segment(root: HtmlElement) -> list[Block]:
    """Blocks of ``root`` in document order; block-level tags and ``<br>`` end a block."""
    blocks: list[Block] = []
    parts: list[str] = []
    link_chars = 0
    link_depth = 0
    owners: list[str] = ["body"]

    def flush() -> None:
        nonlocal link_chars
        if parts:
            text = clean_text("".join(parts))
            if text:
                tag = owners[-1]
                blocks.append(Block(text, squash(text), min(link_chars, len(text)), tag,
                                    tag in rules.HEADING_TAGS))
            parts.clear()
        link_chars = 0

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in rules.BLOCK_TAGS:
                flush()
                owners.append(tag)
            elif tag == "a":
                link_depth += 1
            if element.text:
                parts.append(element.text)
                if link_depth:
                    link_chars += len(element.text.strip())
        else:
            if tag in rules.BLOCK_TAGS:
                flush()
                owners.pop()
            elif tag == "a":
                link_depth -= 1
            if element.tail and element is not root:
                parts.append(element.tail)
                if link_depth:
                    link_chars += len(element.tail.strip())
    flush()
    return blocks
