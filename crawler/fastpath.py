"""Recognising an unchanged story without running the extractors: the recheck fast path.

Most rechecks of a tracked article bring new bytes around the same story: a timestamp, a nonce,
a rotating ad or related list.  The full read (redline's extractor with trafilatura and
readability voting, then :mod:`redline.crawler.confirm`) costs about 25 ms of CPU per page; this
costs a parse and one walk over the page (about 5 ms with the decode, on the 200 KB corpus pages).  :func:`recognise` answers one question:
does the page show *exactly* the latest stored version, so that the full read could only
conclude "unchanged"?  When in doubt it says no, and the full read runs as before.

The page is recognised when all of these hold (each is cheap, and each is what the extractor
itself would read, so no edit the full read could record slips through):

1. **headline and byline**: computed with the extractor's own functions
   (:func:`headline.choose`, the byline lookup) on the same tree, and equal to the stored ones.
   Pages that declare no headline in metadata (the ``<title>``-only heuristics read headings
   anywhere on the page) are never recognised;
2. **every stored paragraph** is shown by the page as one whole block, in the stored order (a
   changed word, an appended sentence, a removed or reordered paragraph fails this);
3. **the article region** (the nearest element holding the parents of those blocks, the
   definition :mod:`redline.crawler.confirm` uses) shows **no other text** except what the
   extractor is sure to cut (furniture containers by tag, role or class/id words, never when
   they could hold prose or when their class could be the template's paragraph style; loose
   furniture lines: a time stamp, "Advertisement", a link-only line), the headline itself, a
   repeat of a stored paragraph, or text that the page of the latest version already showed as
   a whole block in its own region (the full read's confirmation leaves such text out too).  An
   appended paragraph or correction inside the region is text of none of these kinds.

What the page of the latest version showed (the last kind of text above) is read from the
version's ``shown_texts``, made when the version was stored (:func:`shown_texts`: 64-bit digests
of the region's texts a recheck could look up, tied to the version's text and to this code, so a
blob made by other code or for other text is never used); a version without usable ones has its
stored page parsed as before, and a caller that left the page out is asked for it (:class:`NeedsPage`).

Hidden elements, scripts and the like are removed first, with the extractor's own rules: a
paragraph shown only in a hidden copy is not shown (a removed lead kept in a hidden summary).
Text added *outside* the region is not looked at: the full read would not record it either
(:func:`redline.crawler.confirm.reconcile` leaves out paragraphs gained outside the region).
Outlets read with configured CSS selectors, and versions read by another extractor version,
always take the full read.  Pure functions, no I/O.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from redline.core.errors import NoArticle
from redline.core.urls import canonical_or_none, same_host
from redline.crawler.confirm import container, prose_beside, split
from redline.crawler.decode import decode_html
from redline.crawler.reading import SAME
from redline.crawler.extract import EXTRACTOR_VERSION, boilerplate, headline, parse, rules, structured
from redline.crawler.extract import _byline as byline_of
from redline.crawler.extract.blocks import Block, segment
from redline.crawler.extract.normalize import clean_text, squash

#: The region is drawn around the stored paragraphs' blocks; one paragraph cannot say where the
#: story's container ends (the same floor as confirm's region).
MIN_LOCATED_PARAGRAPHS = 2



@dataclass(frozen=True)
class Verdict:
    """``reason`` is :data:`SAME` when the page shows the latest version, else why it may not;
    ``page_title`` is the page's ``<title>`` (the outlet's title template is learned from it)."""

    reason: str
    page_title: str = ""

    @property
    def same(self) -> bool:
        return self.reason == SAME


def recognise(html: str, url: str, latest: Mapping[str, object]) -> Verdict:
    """Whether decoded ``html`` (fetched from ``url``) shows exactly the ``latest`` version (a
    :func:`redline.storage.queries.latest_raw` row: headline, byline, body, extractor_version)."""
    if latest.get("extractor_version") != EXTRACTOR_VERSION:
        return Verdict("extractor")
    paragraphs = split(str(latest.get("body") or ""))
    if len(paragraphs) < MIN_LOCATED_PARAGRAPHS:
        return Verdict("short")
    try:
        tree = parse(html)
    except NoArticle:
        return Verdict("unparsable")
    page = structured.collect(tree, url)
    if not headline.declares_headline(page):
        return Verdict("title-only")
    title = headline.choose(tree, page, url)
    if title != latest.get("headline") or byline_of(tree, page) != latest.get("byline"):
        return Verdict("headline")
    if page.canonical_url and same_host(page.canonical_url, url) and \
            canonical_or_none(page.canonical_url) != canonical_or_none(url):
        return Verdict("canonical")  # the full read would record an alias
    located = _region_of(tree, paragraphs)
    if located is None:
        return Verdict("paragraph")
    unexplained = _unexplained(*located, paragraphs, title)
    if unexplained and not _shown_before(unexplained, latest, paragraphs):
        return Verdict("region")
    return Verdict(SAME, page.title)


def _unexplained(region: HtmlElement, blocks: list[Block], matched: list[int], paragraphs: list[str],
                 title: str) -> list[str]:
    """The texts of the region's blocks that are neither the story (its paragraphs, its
    headline ``title``) nor sure to be cut by the extractor, in page order."""
    # The matched blocks' texts are the paragraphs themselves, so their keys are the paragraphs'.
    keys = [blocks[i].key for i in matched]
    extras = _Extras(region, [blocks[i].owner for i in matched], sum(len(p) for p in paragraphs),
                     {squash(title), *keys})
    chosen = set(matched)
    unexplained = [block.text for index, block in enumerate(blocks)
                   if index not in chosen and _inside(block.owner, region) and not extras.cut(block)]
    # Prose standing beside the story that the extractor cuts (a correction in a furniture-classed
    # box) is what the full read's confirmation looks for (``confirm.unread``): not "unchanged".
    # The loose candidates, a superset of what the full read can find with any old page: it
    # passes over the text the old page showed (an embed's attribution line, a caption), so a
    # correction after such text is beside the story there, and only the old page's shown texts
    # (each candidate the stored page had too) may explain it here.
    unexplained += [block.text for _, block in prose_beside(keys, blocks, region, loose=True)
                    if block.text not in unexplained]
    return unexplained


def _region_of(tree: HtmlElement, paragraphs: list[str]) -> tuple[HtmlElement, list[Block], list[int]] | None:
    """The article region, its blocks and which of them show the stored paragraphs (None: the
    page does not show every stored paragraph as a whole block, in order).

    Segmenting a whole page is the costly step (hundreds of blocks), so the region is first
    guessed from where the first and the last paragraph start and only it is segmented; any
    element between two others in document order lies inside their common ancestor, so the
    guess holds every paragraph in between.  When the guess does not show them all, the whole
    page is segmented."""
    # What the extractor removes before anything else (the same calls as ``clean_tree``): a
    # paragraph shown only inside a hidden element is not shown (a hidden copy of a removed lead).
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, *rules.DROP_TAGS, with_tail=False)
    for element in rules.HIDDEN(tree):
        boilerplate.drop(element)
    body = tree.find("body")
    root = body if body is not None else tree
    nodes = _TEXT_NODES(root)
    first, last = _starting(nodes, paragraphs[0], forward=True), _starting(nodes, paragraphs[-1], forward=False)
    if first is not None and last is not None:
        guess = container([_parent(first), _parent(last)])
        if guess is not None:
            blocks = segment(guess)
            matched = _located(blocks, paragraphs)
            if matched is not None:
                region = container([_parent(blocks[i].owner) for i in matched])
                if region is not None:
                    return region, blocks, matched
    blocks = segment(root)
    matched = _located(blocks, paragraphs)
    if matched is None:
        return None
    region = container([_parent(blocks[i].owner) for i in matched])
    return (region, blocks, matched) if region is not None else None


#: Characters of a paragraph's start compared with text nodes to find where it stands (a cheap
#: pre-filter: the region found is checked block by block afterwards).
ANCHOR_CHARS = 12


def _starting(nodes: list, paragraph: str, *, forward: bool) -> HtmlElement | None:
    """The block-level element whose text starts like ``paragraph`` (the first or the last one
    in the page's text ``nodes``)."""
    anchor = paragraph[:ANCHOR_CHARS]
    for node in nodes if forward else reversed(nodes):
        text = node.lstrip()
        if not text.startswith(anchor) and not (len(text) < len(anchor) and text and anchor.startswith(text)):
            continue
        element = node.getparent()
        if element is not None and node.is_tail:
            element = element.getparent()
        while element is not None and not (isinstance(element.tag, str) and element.tag in rules.BLOCK_TAGS):
            element = element.getparent()
        if element is not None and clean_text(element.text_content()).startswith(paragraph):
            return element
    return None


_TEXT_NODES = etree.XPath(".//text()")
_CLASSES = etree.XPath("//@class")


def _parent(element: HtmlElement | None) -> HtmlElement:
    assert element is not None
    parent = element.getparent()
    return parent if parent is not None else element


def _shown_before(texts: list[str], latest: Mapping[str, object], paragraphs: list[str]) -> bool:
    """Whether the page the latest version was read from showed each of ``texts`` as a whole
    block in its own article region: text that stood there already, which the extractor left
    out then, is not an addition (the full read's confirmation leaves it out too).

    Read from the version's ``shown_texts`` when they were made from this very text by this
    very code (:func:`shown_texts`); else from its page, which :class:`NeedsPage` asks for when
    the caller left it out."""
    stored = _stored_shown(latest)
    if stored is not None:
        shown, digests = stored
        story = set(paragraphs)
        return shown and all(text in story or _text_digest(text) in digests for text in texts)
    if "raw_html" not in latest:
        raise NeedsPage
    raw = latest.get("raw_html")
    if not isinstance(raw, bytes) or not raw:
        return False
    before = _region_texts(raw, latest.get("encoding"), paragraphs)  # type: ignore[arg-type]
    return before is not None and all(text in before for text in texts)


class NeedsPage(Exception):
    """The latest version's stored page is needed (it was left out of ``latest``)."""


def _region_texts(raw: bytes, encoding: str | None, paragraphs: list[str]) -> set[str] | None:
    """The texts of the blocks in the article region of the page ``raw`` (decoded as a stored
    version's page is), or None when that page does not show ``paragraphs``."""
    located = _stored_region(raw, encoding, paragraphs)
    if located is None:
        return None
    region, blocks, _ = located
    return {block.text for block in blocks if _inside(block.owner, region)}


def _stored_region(raw: bytes, encoding: str | None,
                   paragraphs: list[str]) -> tuple[HtmlElement, list[Block], list[int]] | None:
    """:func:`_region_of` on a stored page ``raw`` (decoded as a stored version's page is)."""
    try:
        tree = parse(decode_html(raw, f"text/html; charset={encoding}" if encoding else None).text)
    except NoArticle:
        return None
    return _region_of(tree, paragraphs)


def _located(blocks: list[Block], paragraphs: list[str]) -> list[int] | None:
    """Indexes of blocks showing each stored paragraph as a whole, in order (None: one is not)."""
    found: list[int] = []
    at = 0
    for paragraph in paragraphs:
        while at < len(blocks) and blocks[at].text != paragraph:
            at += 1
        if at == len(blocks):
            return None
        found.append(at)
        at += 1
    return found


def _inside(element: HtmlElement | None, region: HtmlElement) -> bool:
    return element is not None and (element is region or any(a is region for a in element.iterancestors()))


class _Extras:
    """Decides, for text in the region that is not a stored paragraph, whether the extractor is
    sure to cut it (:mod:`redline.crawler.extract.boilerplate`), erring towards "not sure".

    Each rule mirrors one of ``clean_tree``'s passes, on the raw tree: where the raw tree could
    differ from what that pass sees (a date-line child changing a line's text, a class
    token the template-class pass may neutralise, a prose share measured against a smaller page),
    the rule declines."""

    def __init__(self, region: HtmlElement, owners: list[HtmlElement | None], story_chars: int,
                 known_keys: set[str]) -> None:
        self.region = region
        #: Elements holding a stored paragraph: the extractor kept them, so it cut none of them.
        self.story: set[HtmlElement] = set()
        for owner in owners:
            element = owner
            while element is not None and element not in self.story:
                self.story.add(element)
                element = element.getparent()
        #: The extractor's page text is at least the stored paragraphs' text: a prose share of
        #: that lower bound is a share the extractor could also see (``holds_prose``).
        self.story_chars = max(story_chars, 1)
        self.known_keys = known_keys
        self._class_counts: Counter[str] | None = None
        self._verdicts: dict[HtmlElement, bool] = {}

    def cut(self, block: Block) -> bool:
        if block.key in self.known_keys:
            return True  # the headline, or a repeat of a stored paragraph: no new text
        if block.owner is None:
            return False
        return self._dropped(block.owner) or self._loose_line(block.owner)

    def _dropped(self, element: HtmlElement | None) -> bool:
        """Whether the extractor drops ``element`` or a container of it below the region (blocks
        share containers: each is judged once)."""
        if element is None or element is self.region or element in self.story:
            return False
        known = self._verdicts.get(element)
        if known is None:
            known = self._verdicts[element] = self._furniture(element) or self._dropped(element.getparent())
        return known

    def _loose_line(self, owner: HtmlElement) -> bool:
        """``_drop_loose_lines``: a leaf line that is a furniture phrase or only links."""
        if owner.tag not in rules.LINE_TAGS or owner in self.story:
            return False
        for descendant in owner.iterdescendants():
            if not isinstance(descendant.tag, str):
                continue
            if descendant.tag in rules.BLOCK_TAGS:
                return False
            if descendant.tag == "time" and _date_line(descendant):
                return False  # dropped first by the extractor: the line it tests is shorter
        text = owner.text_content()
        return boilerplate.is_boilerplate_text(clean_text(text)) or boilerplate._only_links(owner, text)

    def _furniture(self, element: HtmlElement) -> bool:
        """``is_furniture`` and not ``holds_prose``, as the furniture pass decides it."""
        if not isinstance(element.tag, str):
            return False
        classes = element.get("class")
        if classes is not None:
            # The extractor drops generated tokens first; tokens on several elements may be the
            # template's paragraph style, which it neutralises: neither may make furniture here.
            counts = self._counts()
            kept = [t for t in classes.split() if not rules.GENERATED_CLASS.search(t)
                    and counts[t] < rules.TEMPLATE_CLASS_REPEATS]
            element.set("class", " ".join(kept))
        if not boilerplate.is_furniture(element):
            return False
        if len(element.text_content()) >= rules.FURNITURE_MAX_SHARE * self.story_chars:
            return False
        long_paragraphs = sum(1 for p in element.iter("p") if len(p.text_content()) >= rules.PROSE_CHARS)
        return long_paragraphs < rules.PROSE_PARAGRAPHS

    def _counts(self) -> Counter[str]:
        if self._class_counts is None:
            # One join and split: the same tokens as splitting each attribute, at a fraction of the cost.
            self._class_counts = Counter(" ".join(_CLASSES(self.region.getroottree())).split())
        return self._class_counts


def _date_line(time: HtmlElement) -> bool:
    """``_drop_date_lines``: a ``<time>`` that is its parent's whole text."""
    parent = time.getparent()
    return parent is not None and squash(parent.text_content()) == squash(time.text_content())


# --- a version's shown texts, kept with it (versions.shown_texts) -----------------------------
#
# What :func:`_shown_before` reads from a version's page depends only on the page, its encoding,
# the version's headline and body and the code: so it is worked out once, when the version is
# stored, and kept as digests.  Layout: SHOWN_FORMAT, a key (a digest of the code, the encoding,
# the headline and the body: a blob made for another text or by other code is never used), then
# either ``_NO_REGION`` or ``_REGION`` followed by the sorted digests of the region's texts that
# a recheck could ever look up: those :func:`_unexplained` keeps (each ``_DIGEST_BYTES`` long).
# Texts the fast path cuts on the stored page are left out: a recheck that shows one of them
# uncut takes the full read, never a wrong "same"; keeping only these is what makes the blob
# small (most of a region's other texts are captions, share bars and other cut furniture).

SHOWN_FORMAT = b"\x03"
_NO_REGION = b"\x00"
_REGION = b"\x01"
#: 64-bit digests of texts: a text the page did not show passes for one of the few it showed
#: (a handful a version) with odds of about 2**-61, far below any other way an edit could be
#: missed; 12 bytes would cost half as much again for nothing.  On the 119 corpus pages of the
#: recheck benchmark: a blob of 14 bytes a version at the median (mean 48, at most 1,078), against
#: 134 (mean 242) with 12-byte digests of every other text of the region; the fast path
#: recognises the same 106 pages either way.
_DIGEST_BYTES = 8
#: The key only tells a blob made for this version's text by this code from a stale one (the
#: version row it sits on never changes its text; the code changes with a release), so 4 bytes.
_KEY_BYTES = 4

#: The source files whose rules decide what a page shows in its region: stored shown texts made
#: by other code are not used (read once, lazily).
_RULE_MODULES = ("redline.crawler.fastpath", "redline.crawler.confirm", "redline.crawler.decode",
                 "redline.crawler.extract", "redline.crawler.extract.blocks", "redline.crawler.extract.rules",
                 "redline.crawler.extract.boilerplate", "redline.crawler.extract.normalize")
_code_digest: bytes | None = None


def _code() -> bytes:
    global _code_digest
    if _code_digest is None:
        import importlib
        from pathlib import Path

        digest = hashlib.sha256(f"{EXTRACTOR_VERSION}\x00{etree.LXML_VERSION}\x00{etree.LIBXML_VERSION}".encode())
        try:
            for name in _RULE_MODULES:
                digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
        except OSError:  # no readable source (a frozen install): shown texts serve this process only
            digest.update(os.urandom(16))
        _code_digest = digest.digest()
    return _code_digest


def _shown_key(encoding: object, headline: object, body: str) -> bytes:
    key = hashlib.blake2b(_code(), digest_size=_KEY_BYTES)
    key.update(f"{encoding or ''}\x00{headline or ''}\x00{body}".encode("utf-8", "surrogatepass"))
    return key.digest()


def _text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST_BYTES).digest()


def shown_texts(raw: bytes, encoding: str | None, headline: str, body: str) -> bytes | None:
    """What a version with ``headline`` and ``body``, stored with the page ``raw`` read as
    ``encoding``, will need of that page at its rechecks (None: nothing, the fast path never
    reads it for this body)."""
    paragraphs = split(body)
    if len(paragraphs) < MIN_LOCATED_PARAGRAPHS or not raw:
        return None
    head = SHOWN_FORMAT + _shown_key(encoding, headline, body)
    located = _stored_region(raw, encoding, paragraphs)
    if located is None:
        return head + _NO_REGION
    story = set(paragraphs)
    kept = {_text_digest(text) for text in _unexplained(*located, paragraphs, headline) if text not in story}
    return head + _REGION + b"".join(sorted(kept))


def _stored_shown(latest: Mapping[str, object]) -> tuple[bool, frozenset[bytes]] | None:
    """The shown texts kept with ``latest``: whether its page showed its story, and the digests
    of the other texts of its region; None when there are none usable for its text under this
    code."""
    blob = latest.get("shown_texts")
    if not isinstance(blob, bytes):
        return None
    start = len(SHOWN_FORMAT) + _KEY_BYTES
    if blob[:start] != SHOWN_FORMAT + _shown_key(latest.get("encoding"), latest.get("headline"),
                                                 str(latest.get("body") or "")):
        return None
    kind, digests = blob[start:start + 1], blob[start + 1:]
    if kind == _NO_REGION and not digests:
        return False, frozenset()
    if kind != _REGION or len(digests) % _DIGEST_BYTES:
        return None
    return True, frozenset(digests[i:i + _DIGEST_BYTES] for i in range(0, len(digests), _DIGEST_BYTES))
