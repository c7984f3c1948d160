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

from dataclasses import dataclass, field

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
    thread: bool = False  #: inside or after the page's reader-comment thread (see ``comment_thread``)
    owner: HtmlElement | None = field(default=None, compare=False, repr=False)  #: that ancestor

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


THREAD_ATTR = "data-redline-thread"


def mark_comment_thread(root: HtmlElement) -> None:
    """Put a marker where reader comments start (:data:`rules.COMMENT_THREAD_ANCHOR`).

    Runs before furniture is cut: the anchor often sits in a "Comments" label that is cut as
    furniture, while the long comments themselves survive as prose.  The marker (an empty
    ``<hr>``) goes before the label, so it stays where the thread begins.
    """
    for element in rules.ID_OR_ANCHOR(root):
        for attr in ("id", "name") if element.tag == "a" else ("id",):
            value = element.get(attr)
            if value and rules.COMMENT_THREAD_ANCHOR.match(value.strip()):
                label = element
                parent = label.getparent()
                while (parent is not None and parent is not root
                       and len(parent.text_content().strip()) <= rules.COMMENT_LABEL_CHARS):
                    label, parent = parent, parent.getparent()
                label.addprevious(etree.Element("hr", {THREAD_ATTR: ""}))
                return


def comment_thread(root: HtmlElement) -> HtmlElement | None:
    """The marker :func:`mark_comment_thread` left, if it survived cleaning."""
    return next(iter(root.iterfind(f".//hr[@{THREAD_ATTR}]")), None)


def segment(root: HtmlElement, thread: HtmlElement | None = None) -> list[Block]:
    """Blocks of ``root`` in document order; block-level tags and ``<br>`` end a block.

    Blocks from ``thread`` on (the comment thread's first element) are marked ``thread``."""
    blocks: list[Block] = []
    in_thread = False
    parts: list[str] = []
    link_chars = 0
    link_depth = 0
    owners: list[tuple[str, HtmlElement]] = [("body", root)]

    def flush() -> None:
        nonlocal link_chars
        if parts:
            text = clean_text("".join(parts))
            if text:
                tag, owner = owners[-1]
                blocks.append(Block(text, squash(text), min(link_chars, len(text)), tag,
                                    tag in rules.HEADING_TAGS, in_thread, owner))
            parts.clear()
        link_chars = 0

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if element is thread:
                flush()
                in_thread = True
            if _starts_block(tag, element):
                flush()
                owners.append((tag, element))
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
