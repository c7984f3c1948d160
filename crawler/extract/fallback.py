"""General extractors used as voters: trafilatura and readability-lxml.

Neither is trusted alone (each is right where the other fails: trafilatura keeps a related-
stories list here, readability drops half an article there).  Each returns the squashed text
it considers article; :mod:`redline.crawler.extract.vote` keeps redline's own blocks that they back.
Both receive the already-parsed, already-cleaned tree: no page is parsed twice.
"""

from __future__ import annotations

import logging

import lxml.html
from lxml.html import HtmlElement
from readability import Document
from trafilatura import bare_extraction

from .normalize import squash

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("readability").setLevel(logging.CRITICAL)
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)


def trafilatura_text(tree: HtmlElement, url: str) -> str:
    """Squashed article text according to trafilatura (fast mode: readability runs separately)."""
    try:
        # bare_extraction copies a tree it is handed, so ``tree`` stays intact.
        document = bare_extraction(tree, url=url or None, fast=True, include_comments=False,
                                   include_tables=True, with_metadata=False)
    except Exception:  # noqa: BLE001 - a failing voter abstains, it must not fail the page
        return ""
    return squash(document.text) if document is not None and document.text else ""


def readability_text(tree: HtmlElement, url: str) -> str:
    """Squashed article text according to readability-lxml."""
    try:
        document = Document(tree, url=url or None)
        summary = document.summary(html_partial=True)
        return squash(lxml.html.fragment_fromstring(summary, create_parent="div").text_content())
    except Exception:  # noqa: BLE001 - see above
        return ""
