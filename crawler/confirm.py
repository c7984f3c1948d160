"""Confirming a candidate change against both pages: only text that really came or went counts.

Extraction draws a boundary around the article, and that boundary can move between two fetches
of the same story: a template redeploy re-wraps every paragraph, a rotating box next to the
story tips a voter, a "By" line slips in.  The differ would report every such move as an edit.
So before a fresh extraction is compared with the latest stored version, each difference is
checked against what a reader sees on both pages (:func:`reconcile`):

- a paragraph the new extraction lost, yet still shown as a whole in the new page, was not
  removed: the boundary moved; it is kept;
- a paragraph the new extraction gained that the old page already showed (outside the old
  version's text) was not added: the boundary moved the other way; it is left out;
- a paragraph gained that lies outside the new page's article region (the part of the page
  holding the paragraphs both versions share) is page chrome that the extractor took in; it
  is left out;
- where the new extraction lost a stretch the page still shows, that stretch is read anchored
  on the old version: new text right after a restored paragraph (an appended sentence or
  correction the extractor could not see) counts, unless the loose-line rules call it furniture.

What is left are the real edits: changed, appended, removed and inserted text.  When nothing is
left the body is the stored one, byte for byte, so no version is stored at all.  "Shown as a
whole" means the paragraph's text (compared case- and whitespace-blind) starts and ends on block
boundaries of the page, so a sentence appended to a paragraph is never mistaken for the old
paragraph still being there.

Pure functions over two pages and two bodies; the pipeline calls :func:`page` on both pages'
HTML and then :func:`reconcile`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lxml import etree
from lxml.html import HtmlElement

from redline.crawler.extract import boilerplate, parse, rules
from redline.crawler.extract.blocks import Block, segment
from redline.crawler.extract.normalize import squash
from redline.core.errors import NoArticle

#: Elements a reader never sees as text.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "title", "iframe", "svg", "math",
                   "object", "embed", "canvas", "select", "textarea", "button")


@dataclass
class Page:
    """A page's visible text as blocks in document order, for whole-paragraph lookups."""

    keys: list[str]
    owners: list[HtmlElement | None]
    joined: str
    starts: list[int]  #: offset in ``joined`` where each block starts (sorted)
    boundaries: frozenset[int]
    blocks: list[Block] = field(default_factory=list)

    def spans(self, key: str) -> list[tuple[int, int]]:
        """(first, last) block indexes of every place ``key`` is shown as whole blocks."""
        found: list[tuple[int, int]] = []
        if not key:
            return found
        at = self.joined.find(key)
        while at >= 0:
            end = at + len(key)
            if at in self.boundaries and end in self.boundaries:
                first = bisect_left(self.starts, at)
                last = bisect_left(self.starts, end) - 1
                found.append((first, last))
            at = self.joined.find(key, at + 1)
        return found

    def shows(self, key: str, region: HtmlElement | None = None) -> bool:
        """Whether the page shows ``key`` as whole blocks (inside ``region`` when given)."""
        for first, last in self.spans(key):
            if region is None or all(_inside(self.owners[i], region) for i in range(first, last + 1)):
                return True
        return False


def page(html: str) -> Page:
    """The visible blocks of a page (scripts, styles, the head and hidden elements left out)."""
    try:
        tree = parse(html)
    except NoArticle:
        return Page([], [], "", [], frozenset({0}))
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)
    for element in rules.HIDDEN(tree):
        if element.getparent() is not None:
            element.drop_tree()
    body = tree.find("body")
    blocks = segment(body if body is not None else tree)
    return _paged([b.key for b in blocks], [b.owner for b in blocks], blocks)


def _paged(keys: list[str], owners: list[HtmlElement | None], blocks: list[Block] | None = None) -> Page:
    starts, offset = [], 0
    for key in keys:
        starts.append(offset)
        offset += len(key)
    return Page(keys, owners, "".join(keys), starts, frozenset([*starts, offset]), blocks or [])


def _inside(element: HtmlElement | None, region: HtmlElement) -> bool:
    if element is None:
        return False
    return element is region or any(a is region for a in element.iterancestors())


def _region(new: Page, shared: set[str]) -> HtmlElement | None:
    """The new page's article region: the nearest element holding the parents of every block
    that shows a paragraph both versions share (``None``, no restriction, when fewer than two are
    shown: a lone paragraph's parent may be its own wrapper)."""
    parents: list[HtmlElement] = []
    for index, key in enumerate(new.keys):
        owner = new.owners[index]
        if key in shared and owner is not None:
            parents.append(owner.getparent() if owner.getparent() is not None else owner)
    if len(parents) < 2:  # one paragraph cannot say where the story's container ends
        return None
    chain = [parents[0], *parents[0].iterancestors()]
    for candidate in chain:
        if all(_inside(p, candidate) for p in parents[1:]):
            return candidate
    return chain[-1]


def split(body: str) -> list[str]:
    """A stored body's paragraphs."""
    return [p for p in body.split("\n\n") if p]


def reconcile(old_body: str, new_body: str, old_page: Page, new_page: Page) -> str:
    """The body to compare with the stored ``old_body``: ``new_body`` without boundary moves.

    Returns ``old_body`` itself when every difference is explained by text both pages show.
    """
    old, new = split(old_body), split(new_body)
    old_keys, new_keys = [squash(p) for p in old], [squash(p) for p in new]
    if old_keys == new_keys:
        return old_body
    region = _region(new_page, set(old_keys))
    # "Covered" by the other reading: the same text on its paragraph boundaries (split or merged).
    old_text, new_text = _paged(old_keys, [None] * len(old_keys)), _paged(new_keys, [None] * len(new_keys))
    kept: list[str] = []
    restored: list[str] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept += old[i1:i2]
            continue
        for i in range(i1, i2):  # the new extraction lost it
            if okey := old_keys[i]:
                if not new_text.shows(okey) and new_page.shows(okey):
                    kept.append(old[i])
                    restored.append(okey)
        for j in range(j1, j2):  # the new extraction gained it
            nkey = new_keys[j]
            if not old_text.shows(nkey) and old_page.shows(nkey):
                continue
            if region is not None and not new_page.shows(nkey, region) and new_page.shows(nkey):
                continue
            kept.append(new[j])
    if restored:
        kept = _with_recovered(kept, restored, set(old_keys) | set(new_keys), old_page, new_page, region)
    result = "\n\n".join(kept)
    return old_body if squash(result) == squash(old_body) else result


def _with_recovered(kept: list[str], restored: list[str], known: set[str], old_page: Page, new_page: Page,
                    region: HtmlElement | None) -> list[str]:
    """``kept`` with the new text found right after restored paragraphs, where the fresh
    extraction has no opinion: the stretch of the page it lost is read anchored on the old
    version.  A block there counts when it is new (not shown by the old page, in neither
    reading), inside the article region, and passes the loose-line rules (no heading, link list
    or furniture phrase): a sentence appended to a lost paragraph, a correction under it."""
    after: dict[str, list[str]] = {}
    anchors = set(restored)
    anchor: str | None = None
    for block in new_page.blocks:
        if block.key in anchors:
            anchor = block.key
            continue
        if anchor is None:
            continue
        if block.key in known or old_page.shows(block.key):
            anchor = None  # back in text both readings know: the lost stretch ended
            continue
        if region is not None and not _inside(block.owner, region):
            continue
        if block.heading or block.link_density > rules.LINK_DENSITY_MAX or boilerplate.is_boilerplate_text(block.text):
            continue
        after.setdefault(anchor, []).append(block.text)
    if not after:
        return kept
    out: list[str] = []
    for paragraph in kept:
        out.append(paragraph)
        out += after.pop(squash(paragraph), [])
    return out
