"""Cut a cleaned tree into text blocks: redline's own unit of "paragraph".

All extraction methods end by choosing blocks from this one segmentation, so the paragraph
structure of the output never depends on which extractor won, and a markup-only change
(``<p>`` vs ``<div>``, ``<b>`` added, re-wrapped lines) cannot move paragraph boundaries.
A single ``iterwalk`` pass: linear in the size of the tree (plus a look inside each table
cell and each link).

Two details make link density measure *navigation*: a link whose visible text is its own URL
(``http://amzn.to/2iJFhRj``, ``www.example.com.br``) is a citation shown to the reader, so its
characters are not counted as link text; and a data-table row is one block, so a linked name
in a standings table is a minority of its row, not a whole link-only "paragraph".
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from . import rules
from .normalize import clean_text, squash, text_size


@dataclass
class Block:
    """One paragraph candidate in document order."""

    text: str
    key: str  #: :func:`normalize.squash` of ``text``, for matching against other extractors
    link_chars: int
    tag: str  #: tag of the nearest block-level ancestor
    heading: bool

    @property
    def size(self) -> int:
        """Length in Latin-equivalent characters (see :func:`normalize.text_size`)."""
        return text_size(self.text)

    @property
    def link_density(self) -> float:
        return self.link_chars / max(len(self.text), 1)


def _holds_blocks(cell: HtmlElement) -> bool:
    """A table cell holding block elements is a layout cell: its content is not a data field."""
    return any(d.tag in rules.BLOCK_TAGS for d in cell.iterdescendants())


def _is_navigation(link: HtmlElement) -> bool:
    return rules.URL_TEXT.match(link.text_content().strip()) is None


def _starts_block(tag: str, element: HtmlElement) -> bool:
    return tag in rules.BLOCK_TAGS or (tag in rules.CELL_TAGS and _holds_blocks(element))


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
            if _starts_block(tag, element):
                flush()
                owners.append(tag)
            elif tag in rules.CELL_TAGS:
                parts.append(" ")
            elif tag == "a" and _is_navigation(element):
                link_depth += 1
            if element.text:
                parts.append(element.text)
                if link_depth:
                    link_chars += len(element.text.strip())
        else:
            if _starts_block(tag, element):
                flush()
                owners.pop()
            elif tag in rules.CELL_TAGS:
                parts.append(" ")
            elif tag == "a" and _is_navigation(element):
                link_depth -= 1
            if element.tail and element is not root:
                parts.append(element.tail)
                if link_depth:
                    link_chars += len(element.tail.strip())
    flush()
    return blocks
