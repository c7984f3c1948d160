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
- a gained paragraph that is a lost one edited (same stretch of the diff, mostly the same
  characters) is the story's own text wherever it stands, never chrome, and the article region
  is drawn around it too;
- where the new extraction lost a stretch the page still shows (up to all of it: an extraction
  that found no article at all on a page that still shows the story is read this way), that
  stretch is read anchored on the old version: a lost paragraph the page shows edited counts
  as edited, not removed; new text next to a restored paragraph, after or before it (an
  appended sentence or correction the extractor could not see) counts, unless the loose-line rules call it
  furniture (furniture lines between them do not end the stretch); the rebuilt stretch is put
  in the new page's order.

- a fresh reading equal to the stored one is still checked for prose the extractor skipped
  next to the story (:func:`unread`, :func:`with_unread`): a sentence-like block standing on its
  own beside the story's paragraphs, inside the article region, that the old page did not show
  (a correction put in a ``<div class="teaser">``) is an edit.

The headline gets the same treatment (:func:`headline`): when nothing a headline is read from
changed (``<title>``, title metas, JSON-LD, ``<h1>``) and the page still shows the stored one,
a different reading is the extractor's, not the outlet's.

What is left are the real edits: changed, appended, removed and inserted text.  When nothing is
left the body is the stored one, byte for byte, so no version is stored at all.  "Shown as a
whole" means the paragraph's text (compared case- and whitespace-blind) starts and ends on block
boundaries of the page, so a sentence appended to a paragraph is never mistaken for the old
paragraph still being there.

Pure functions over two pages and two bodies; the pipeline calls :func:`page` on both pages'
HTML and then :func:`reconcile` and :func:`headline`.  Whether either page was rendered in a
browser does not matter here: each page is the document its own reading was taken from (the
served bytes, or the DOM the browser produced), so "shown" means shown in what was read.
"""

from __future__ import annotations

from bisect import bisect_left
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    #: What the page declares its headline to be (see :func:`headline_signals`).
    signals: tuple[str, ...] = ()

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
    signals = headline_signals(tree)
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)
    for element in rules.HIDDEN(tree):
        if element.getparent() is not None:
            element.drop_tree()
    body = tree.find("body")
    root = body if body is not None else tree
    _drop_inline_furniture(root)
    blocks = segment(root)
    return replace(_paged([b.key for b in blocks], [b.owner for b in blocks], blocks), signals=signals)


def _drop_inline_furniture(root: HtmlElement) -> None:
    """Leave out what the extractor leaves out of a line: a short inline element with a
    furniture class or tag ("Follow @name" after a byline, a share link) inside a block that
    has other text.  Without it a paragraph the extractor read without its follow button is
    never "shown as a whole".  An inline wrapper holding a block's whole text (a template's
    ``<span class="promo">`` around each paragraph) is the paragraph itself and stays."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in rules.BLOCK_TAGS:
            continue
        parent = element.getparent()
        if parent is None or not boilerplate.is_furniture(element):
            continue
        # measured whitespace-blind: a rewrap that breaks a caption over ten indented lines
        # does not make it longer for a reader
        text, whole = " ".join(element.text_content().split()), " ".join(parent.text_content().split())
        if text and len(text) <= rules.PHRASE_MAX_CHARS and whole != text:
            boilerplate.drop(element)


_LD_HEADLINE = re.compile(r'"(?:headline|alternativeHeadline|name)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_TITLE_META = frozenset({"og:title", "twitter:title", "title", "dc.title"})


def headline_signals(tree: HtmlElement) -> tuple[str, ...]:
    """Everything a headline is read from, as comparison keys in document order: ``<title>``,
    the title metas, JSON-LD headlines and names, and every ``<h1>``.  Markup rewrites and
    chrome leave these alone; a headline edit changes at least one of them."""
    out: list[str] = []
    for element in tree.iter("title", "meta", "script", "h1"):
        if element.tag == "meta":
            name = (element.get("property") or element.get("name") or "").strip().lower()
            if name in _TITLE_META:
                out.append(f"{name}={squash(element.get('content') or '')}")
        elif element.tag == "script":
            if "ld+json" in (element.get("type") or "").lower():
                out += [f"ld={squash(m)}" for m in _LD_HEADLINE.findall(element.text or "")]
        else:
            out.append(f"{element.tag}={squash(element.text_content())}")
    return tuple(out)


def headline(old: str, new: str, old_page: Page, new_page: Page) -> str:
    """The headline to compare with the stored ``old``: ``old`` when nothing the headline is read
    from changed (the same ``<title>``, title metas, JSON-LD and ``<h1>``s) and the page still
    shows ``old`` (as one of those or as a whole block of its text), so a different reading of
    an unchanged page (a heading picked from a re-wrapped layout, nothing found at all) is the
    extraction moving, not the outlet's edit; ``new`` otherwise."""
    if new == old:
        return new
    if old_page.signals != new_page.signals:
        return _edited_h1(old, new, old_page, new_page) or new
    key = squash(old)
    if key and (new_page.shows(key) or any(s.endswith("=" + key) for s in new_page.signals)):
        return old
    return new


def _edited_h1(old: str, new: str, old_page: Page, new_page: Page) -> str:
    """The new page's ``<h1>`` when the stored headline ``old`` was read from the old page's
    ``<h1>``, that ``<h1>`` is the one signal that changed (the same title, metas and JSON-LD, the
    other ``<h1>``s as they were) and the fresh reading ``new`` is no ``<h1>`` of the new page; else "".

    An outlet whose SEO title says other words than its visible ``<h1>`` is read from the
    ``<h1>`` while the two share enough words (``headline.REWORDED_SHARE``); an edit of the
    ``<h1>`` that changes one of the shared words tips the reading to the declared title, which
    did not change, and the edited ``<h1>`` lands in the body.  A reader saw the headline edited
    where it stands, so that is the headline to compare (and the body loses it again,
    :func:`without_headline`)."""
    old_h1s = [s for s in old_page.signals if s.startswith("h1=")]
    new_h1s = [s for s in new_page.signals if s.startswith("h1=")]
    if len(old_h1s) != len(new_h1s) or "h1=" + squash(new) in new_h1s or \
            [s for s in old_page.signals if not s.startswith("h1=")] != \
            [s for s in new_page.signals if not s.startswith("h1=")]:
        return ""
    changed = [(before, after) for before, after in zip(old_h1s, new_h1s) if before != after]
    if len(changed) != 1 or changed[0][0] != "h1=" + squash(old):
        return ""
    key = changed[0][1][len("h1="):]
    return next((block.text for block in new_page.blocks if block.heading and block.key == key), "")


def without_headline(body: str, title: str) -> str:
    """``body`` without paragraphs that are the headline ``title`` (what the extractor does with
    the headline it chose, done again when the confirmed headline is another one)."""
    key, paragraphs = squash(title), split(body)
    kept = [p for p in paragraphs if squash(p) != key]
    return body if len(kept) == len(paragraphs) else "\n\n".join(kept)


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
    return container(parents)


def container(parents: list[HtmlElement]) -> HtmlElement | None:
    """The nearest element holding every one of ``parents`` (``None`` for fewer than two: one
    paragraph cannot say where the story's container ends)."""
    if len(parents) < 2:
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
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    opcodes = matcher.get_opcodes()
    edited, paired = _edited(opcodes, old_keys, new_keys)
    region = _region(new_page, set(old_keys) | edited)
    taken = set(old_keys) | set(new_keys)
    # "Covered" by the other reading: the same text on its paragraph boundaries (split or merged).
    old_text, new_text = _paged(old_keys, [None] * len(old_keys)), _paged(new_keys, [None] * len(new_keys))
    stay = _moved_repeats(opcodes, old_keys, new_keys, new_page)  # deletions to keep in place
    arrived = dict(stay)  # and the insertions that are their other end
    cursor, placed = -1, 0  # where the new page shows kept[:placed], the last of them
    kept: list[str] = []
    restored: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            kept += old[i1:i2]
            continue
        here: list[str] = []
        for i in range(i1, i2):  # the new extraction lost it
            okey = old_keys[i]
            if stay.get(okey, 0) > 0 and tag == "delete":
                stay[okey] -= 1
                kept.append(old[i])  # a repeated line read at another of its copies: where it was
                continue
            if not okey or i in paired or new_text.shows(okey) and not _fewer(okey, new_keys, old_keys):
                continue  # the new reading has it (split or merged), or its edited form
            if new_page.shows(okey):
                here.append(old[i])
                restored.append(okey)
            elif (block := _edited_block(okey, new_page, region, taken)
                   or _edited_elsewhere(okey, new_page, old_page, taken)) is not None:
                here.append(block.text)  # edited where the fresh extraction no longer looks
                restored.append(block.key)
                taken.add(block.key)
        for j in range(j1, j2):  # the new extraction gained it
            nkey = new_keys[j]
            if arrived.get(nkey, 0) > 0 and tag == "insert":
                arrived[nkey] -= 1
                continue  # the other end of a repeated line's move: kept where it was
            if (not old_text.shows(nkey) or _fewer(nkey, old_keys, new_keys)) and old_page.shows(nkey) \
                    and len(old_page.spans(nkey)) >= new_keys.count(nkey):
                continue
            if (nkey not in edited and region is not None and not new_page.shows(nkey, region)
                    and new_page.shows(nkey)):
                continue
            if nkey not in edited and (_rail_card(nkey, new_page, frozenset(old_keys))
                                       or _headline_line(nkey, new_page)):
                continue
            here.append(new[j])
        cursor = _last_position(kept[placed:], new_page, cursor)
        placed = len(kept)
        kept += _in_page_order(here, new_page, cursor)
    if restored:
        kept = _with_recovered(kept, restored, set(old_keys) | set(new_keys), old_page, new_page, region,
                               frozenset(old_keys))
    result = "\n\n".join(kept)
    return old_body if squash(result) == squash(old_body) else result


def _headline_line(key: str, new_page: Page) -> bool:
    """Whether the new page shows ``key`` only as one line of an ``<h1>`` that holds more than it:
    a headline written over two lines (its title and its writer, a ``<br>`` between them) is read
    whole as the headline, and the reading that takes one of its lines for a paragraph (after
    an A/B test that wrote the ``<h1>`` on one line, the old page never showed that line alone)
    has taken in a piece of the headline, not the story's text."""
    spans = new_page.spans(key)
    if not spans:
        return False
    for first, last in spans:
        owner = new_page.owners[first]
        if owner is None or new_page.owners[last] is not owner:
            return False
        h1 = owner if owner.tag == "h1" else next(owner.iterancestors("h1"), None)
        if h1 is None or squash(h1.text_content()) == key:
            return False
    return True


#: A list is a rail of cards (links to other stories with their summaries) when at least this
#: many of its items hold a link: one linked item with a description is a list line of the story.
#: 2 is the least a rail can be, not a tuned value (the bench's rails hold three cards; dev seed
#: 23's "Trending now" did, when a template class on every paragraph drew its summaries in).
RAIL_MIN_CARDS = 2


def _rail_card(key: str, new_page: Page, story: frozenset[str]) -> bool:
    """Whether the new page shows ``key`` only as the text of a card in a rail (:func:`_card`)."""
    spans = new_page.spans(key)
    return bool(spans) and all(_card(new_page.owners[first], new_page, story) for first, _ in spans)


def _card(owner: HtmlElement | None, new_page: Page, story: frozenset[str]) -> bool:
    """Whether the block of ``owner`` is the text of a card in a rail: an item of a list that also
    holds a link outside that text (the card's linked headline), in a list where
    :data:`RAIL_MIN_CARDS` items hold links and none of whose text the stored version (keys
    ``story``) holds.  A "Trending now" list with summaries inside the article region, rotated in
    by the page's chrome, is no paragraph of the story even when the extractor takes its
    summaries in or they follow a paragraph the fresh reading lost; a list the story holds (its
    own "where to watch" lines) keeps every new item."""
    item = next(owner.iterancestors("li"), None) if owner is not None else None
    if owner is None or item is None or item.getparent() is None:
        return False
    if all(_inside(link, owner) for link in item.iter("a") if link.get("href")):
        return False  # no link, or only in the text itself: a list line, not a card
    rail = item.getparent()
    if sum(1 for li in rail if li.tag == "li" and next(li.iter("a"), None) is not None) < RAIL_MIN_CARDS:
        return False
    return not any(key in story for key, own in zip(new_page.keys, new_page.owners)
                   if own is not None and _inside(own, rail))


#: One paragraph is the other edited when their character match ratio (difflib's
#: ``2 * matched / (len(a) + len(b))``) reaches this: a changed word or number keeps ~0.98, a
#: sentence appended to a paragraph twice its length ~0.8.  Two different paragraphs of one
#: story can be as close (over the 120 corpus pages, each page's most alike pair: median 0.40,
#: 90th percentile 0.73, short list items like "Where to watch: Hulu" / "…: HBO Max"), which is
#: why the pairing looks only within one replaced stretch of the diff and the search for a lost
#: paragraph's edited form skips every paragraph either reading holds.  Not tuned on the
#: held-out seed; 0.6 is the value first tried, and dev seeds 1-3 were read with it.
EDITED_RATIO = 0.6


def _edited(opcodes: list[tuple[str, int, int, int, int]], old_keys: list[str],
            new_keys: list[str]) -> tuple[set[str], set[int]]:
    """Gained paragraphs that are a lost paragraph edited (keys), and those lost paragraphs
    (indexes).  An edited paragraph is the story's own text wherever the new page now shows it
    (a paragraph in a paywall box beside the main column stays the story's after a word of it
    changes), so it counts towards the article region and is never taken for chrome."""
    keys: set[str] = set()
    indexes: set[int] = set()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "replace":
            continue
        for j in range(j1, j2):
            for i in range(i1, i2):
                if i not in indexes and _similar(old_keys[i], new_keys[j]):
                    keys.add(new_keys[j])
                    indexes.add(i)
                    break
    return keys, indexes


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    matcher = SequenceMatcher(None, a, b)
    return (matcher.real_quick_ratio() >= EDITED_RATIO and matcher.quick_ratio() >= EDITED_RATIO
            and matcher.ratio() >= EDITED_RATIO)


def _edited_block(key: str, new_page: Page, region: HtmlElement | None, taken: set[str]) -> Block | None:
    """The block of the new page (inside the article region, in neither reading) that is the
    lost paragraph ``key`` edited, when the fresh extraction lost the stretch it stands in:
    an edit there is still an edit, not the paragraph's removal."""
    for block in new_page.blocks:
        if block.key in taken or (region is not None and not _inside(block.owner, region)):
            continue
        if _similar(key, block.key):
            return block
    return None


def _edited_elsewhere(key: str, new_page: Page, old_page: Page, taken: set[str]) -> Block | None:
    """The lost paragraph ``key`` edited, outside the article region: the one block of the new
    page, in neither reading and new to it (its text nowhere in the old page), that is ``key``
    edited.  The region is drawn around the paragraphs both readings share, and a paragraph in a
    box of its own (a paywall notice under the story, once a sentence is appended to it) may be
    outside it; a new block that close to a paragraph of the story is that paragraph, wherever it
    stands.  Two such blocks leave the question open: neither is taken."""
    found = [block for block in new_page.blocks
             if block.key not in taken and block.key not in old_page.joined and _similar(key, block.key)]
    return found[0] if len(found) == 1 else None


def _in_page_order(paragraphs: list[str], new_page: Page, after: int = -1) -> list[str]:
    """``paragraphs`` (one stretch of the diff: restored and gained ones) in the order the new page
    shows them, so that a stretch rebuilt from two readings reads as the page does and the next
    fetch's extraction, in document order, is not a reordering; paragraphs the page does not show
    as whole blocks stay after the one before them.  A line the page shows several times ("Where
    to watch: Netflix" under each of a list's films) is placed at its first copy after block
    ``after`` (where the paragraph before the stretch stands): its first copy in the page may
    belong to another part of the story."""
    if len(paragraphs) < 2:
        return paragraphs
    positions: list[int] = []
    last = -1
    for paragraph in paragraphs:
        found = _position(squash(paragraph), new_page, after)
        last = found if found is not None else last
        positions.append(last)
    order = sorted(range(len(paragraphs)), key=lambda k: (positions[k], k))
    return [paragraphs[k] for k in order]


def _position(key: str, new_page: Page, after: int) -> int | None:
    """The first block index where the page shows ``key`` after block ``after`` (else its first
    place at all; ``None`` when it shows it nowhere as whole blocks)."""
    spans = new_page.spans(key)
    if not spans:
        return None
    return next((first for first, _ in spans if first > after), spans[0][0])


def _last_position(kept: list[str], new_page: Page, at: int = -1) -> int:
    """Where the page shows the last of ``kept`` that it shows (each placed at its first copy
    after the one before it, as a reader reads down the page, from block ``at``), else ``at``."""
    for paragraph in kept:
        found = _position(squash(paragraph), new_page, at)
        if found is not None and found > at:
            at = found
    return at


def _fewer(key: str, these: list[str], those: list[str]) -> bool:
    """Whether ``these`` holds ``key`` as a whole paragraph fewer times than ``those`` does (but
    at least once): a line repeated in the page ("Where to watch: Netflix" under several films)
    that one reading holds twice and the other once has lost or gained one of its copies, which
    "the other reading has it" must not hide."""
    count = these.count(key)
    return 0 < count < those.count(key)


def _moved_repeats(opcodes: list[tuple[str, int, int, int, int]], old_keys: list[str], new_keys: list[str],
                   new_page: Page) -> dict[str, int]:
    """Lines both readings hold the same number of times, that the diff has leaving one place
    (a deletion) and arriving at another (an insertion), and that the new page shows at two or
    more places: which of a repeated line's identical copies a reading holds is the extractor's
    choice, so such a move is no edit.  Returns each such key with how many of its moves to
    undo (the line kept where the stored version has it, its arrival left out)."""
    lost: dict[str, int] = {}
    gained: dict[str, int] = {}
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "delete":
            for key in old_keys[i1:i2]:
                lost[key] = lost.get(key, 0) + 1
        elif tag == "insert":
            for key in new_keys[j1:j2]:
                gained[key] = gained.get(key, 0) + 1
    out: dict[str, int] = {}
    for key in lost.keys() & gained.keys():
        if key and old_keys.count(key) == new_keys.count(key) and len(new_page.spans(key)) >= 2:
            out[key] = min(lost[key], gained[key])
    return out


def _with_recovered(kept: list[str], restored: list[str], known: set[str], old_page: Page, new_page: Page,
                    region: HtmlElement | None, old_keys: frozenset[str] = frozenset()) -> list[str]:
    """``kept`` with the new text found around restored paragraphs, where the fresh extraction
    has no opinion: the stretch of the page it lost is read anchored on the old version, in
    page order.  A block there counts when it is new (not shown by the old page, in neither
    reading), inside the article region, passes the loose-line rules (no heading, link list or
    furniture phrase), and stands next to a restored paragraph with only such new blocks (or
    furniture) between them: a sentence appended to a lost paragraph, a correction under it, or
    sentence-like prose put just above a lost paragraph (after a paragraph of the rebuilt body:
    what precedes the story's first paragraph, a reading's furniture included, is the page's).  New text
    with a known paragraph on both sides and no restored one beside it is the fresh reading's
    to see, never added here."""
    after: dict[str, list[str]] = {}
    before: dict[str, list[str]] = {}
    anchors = set(restored)
    story = {squash(p) for p in kept}
    anchor: str | None = None
    #: New blocks since the last paragraph of the story a reading holds, waiting for a restored
    #: one; ``None`` before the story's text (what precedes it there is the page's, not the story's).
    pending: list[str] | None = None
    settled = False  # whether the last story line passed is prose of the stored version
    for block in new_page.blocks:
        if block.key in anchors:
            if pending:
                before.setdefault(block.key, []).extend(pending)
            anchor, pending, settled = block.key, None, _sentence_like(block)
            continue
        if _furniture_line(block):
            continue  # furniture between the story's lines ("Read more: …") does not end the stretch
        if block.key in known or old_page.shows(block.key):
            # back in text both readings know: the lost stretch ended (and, after a paragraph of
            # the rebuilt story, one may start again).  Standing text inside the story's stretch
            # (a sign-up box the old page showed between two of its paragraphs) does not end the
            # story: prose after it still waits for the restored paragraph below.
            if block.key in story:
                pending, settled = [], block.key in old_keys and _sentence_like(block)
            elif settled and (anchor is not None or pending is not None):
                # only inside the stored story's prose: a paragraph only the fresh reading holds,
                # or a label the story opens with (a weather "C" read as its first line), does not
                # open it, so a rotating rail between that label and the story is not the story's
                pending = pending if pending is not None else []
            else:
                pending = None
            anchor = None
            continue
        if region is not None and not _inside(block.owner, region):
            continue
        if _card(block.owner, new_page, old_keys):
            anchor, pending = None, None  # a rail of other stories' cards: the story's stretch ended
            continue
        if anchor is not None:
            after.setdefault(anchor, []).append(block.text)
        elif pending is not None and _sentence_like(block):
            pending.append(block.text)
        else:
            pending = None  # a label or a counter: not prose put above a lost paragraph
    if not after and not before:
        return kept
    out: list[str] = []
    for paragraph in kept:
        key = squash(paragraph)
        out += before.pop(key, [])
        out.append(paragraph)
        out += after.pop(key, [])
    return out


#: A block is "sentence-like" (prose a reader reads, not a label or a date line) when it holds at
#: least this many Latin-equivalent characters (:func:`normalize.text_size`; CJK counts double) and
#: ends a sentence.  40 is the value first tried: the bench's corrections are 70-130, the labels and
#: "Updated ..." lines in the corpus's article regions are shorter or end without a full stop.
SENTENCE_MIN_CHARS = 40
_SENTENCE_END = re.compile(r"[.!?。！？．][\"'”’»」』)）]*\s*$")


def _sentence_like(block: Block) -> bool:
    return block.size >= SENTENCE_MIN_CHARS and _SENTENCE_END.search(block.text) is not None


def unread(body: str, new_page: Page, old_page: Page | None = None) -> list[tuple[str, Block]]:
    """Sentence-like blocks the new page shows next to the reading's paragraphs that the reading
    does not hold, each with the paragraph (key) it follows: text the extractor skipped where the
    story stands, such as a correction put in a box whose class reads as furniture
    (``<div class="teaser">``) on a page where nothing else moved, so the reading equals the
    stored one.  Only blocks inside the article region (see :func:`_region`), after one of the
    reading's paragraphs with only furniture lines or other such blocks between them, and passing
    the loose-line rules count; a page whose region cannot be drawn (fewer than two paragraphs
    shown) has none.

    With ``old_page`` the blocks whose text it showed (anywhere in its visible text) are left
    out, and they neither end the stretch nor spoil a block's standing alone
    (:func:`prose_beside`): a correction under an embedded tweet the old page showed too is still
    beside the story.  Without it the answer is a superset
    (every sentence-like block after the story's first paragraph), so the unchanged recheck
    pays one parse of the new page and reads the old page only when this finds something (see
    :func:`with_unread`)."""
    paragraphs = [squash(p) for p in split(body)]
    region = _region(new_page, set(paragraphs))
    if region is None:
        return []
    if old_page is None:
        return prose_beside(paragraphs, new_page.blocks, region, loose=True)
    # "showed" is "had this text anywhere", not "as whole blocks": a caption the old page showed
    # with its date and credit in one block is the same caption when a rewrite splits them off
    return prose_beside(paragraphs, new_page.blocks, region, shown=lambda key: key in old_page.joined)


def prose_beside(paragraphs: list[str], blocks: list[Block], region: HtmlElement,
                 shown: Callable[[str], bool] | None = None, loose: bool = False) -> list[tuple[str, Block]]:
    """The :func:`unread` candidates among ``blocks`` (a page's, in document order) for the
    story's paragraph keys ``paragraphs`` inside ``region``; shared with the recheck fast path
    (crawler/fastpath.py), which must not call a page unchanged when this finds new prose.

    ``shown`` (whether the old page showed a block) makes standing text transparent: such a block
    is no candidate, does not end the stretch, and does not count against a box standing alone.
    ``loose`` keeps every sentence-like block after the first paragraph (a superset of what any
    ``shown`` can give: the cheap test of whether the old page is worth reading)."""
    keys, joined = set(paragraphs), "".join(paragraphs)
    found: list[tuple[str, Block]] = []
    anchor: str | None = None
    container: HtmlElement | None = None  # the element holding the anchor paragraph's block
    texts: dict[HtmlElement, str] = {}  # squashed text of each element _holder looked at
    for block in blocks:
        if block.key in keys:
            anchor = block.key
            container = _holder(block, texts)
            continue
        if anchor is None or not _inside(block.owner, region) or block.key in joined:
            continue  # not after the story's text, outside its region, or a piece of a paragraph
        if _furniture_line(block):
            continue  # furniture between the story's lines does not end the stretch
        if shown is not None and shown(block.key):
            continue  # standing text the old page showed too (an embedded tweet, a caption)
        if loose:  # what any old page could leave: sentence-like, in a box beside the story
            if _sentence_like(block) and _box(block, container, near=True) is not None:
                found.append((anchor, block))
            continue
        if not _sentence_like(block) or not _stands_alone(block, container, blocks if shown else None, shown):
            anchor = None  # a label, a date line, a card of a list: what follows is not the story's
            continue
        found.append((anchor, block))
    return found


def _holder(block: Block, texts: dict[HtmlElement, str]) -> HtmlElement | None:
    """The element holding the paragraph ``block`` beside the story's other text: its parent,
    past wrappers that hold that paragraph alone (a redeploy that puts every ``<p>`` in its own
    ``<div class="…">`` does not make each paragraph a container of its own).

    ``texts`` keeps each element's squashed text for the page: every paragraph's parent is often
    the one story container, whose whole text would otherwise be squashed once per paragraph
    (17 ms a page on the corpus, most of the recheck fast path's time)."""
    if block.owner is None:
        return None
    holder = block.owner.getparent()
    while holder is not None and holder.getparent() is not None and _squashed(holder, texts) == block.key:
        holder = holder.getparent()
    return holder


def _squashed(element: HtmlElement, texts: dict[HtmlElement, str]) -> str:
    if element not in texts:
        texts[element] = squash(element.text_content())
    return texts[element]


def _furniture_line(block: Block) -> bool:
    return block.heading or block.link_density > rules.LINK_DENSITY_MAX or boilerplate.is_boilerplate_text(block.text)


def _stands_alone(block: Block, container: HtmlElement | None, blocks: list[Block] | None = None,
                  shown: Callable[[str], bool] | None = None) -> bool:
    """Whether ``block`` stands beside the story's paragraphs on its own: its element is a child
    of the element holding the paragraph before it, or inside a child of it that holds nothing
    else (a ``<div class="teaser">`` around one ``<p>``), with no furniture tag or role on the
    way (``<aside>``) and no form in it (a sign-up box).  A summary in a "Most read" card is one
    of several items of a rail, and the rail holds more than that summary.  With the page's
    ``blocks`` and ``shown`` (the old page's test), "nothing else" means nothing but furniture
    lines and text the old page showed too, and never an item of a list (a new comment among
    old ones is a card of a list, not the story's)."""
    top = _box(block, container)
    if top is not None and squash(top.text_content()) == block.key:
        return True
    if blocks is None or shown is None:
        return False
    top = _box(block, container, lists=True, near=True)
    return top is not None and all(other is block or _furniture_line(other) or shown(other.key)
                                   for other in blocks if other.owner is not None and _inside(other.owner, top))


def _box(block: Block, container: HtmlElement | None, lists: bool = False, near: bool = False) -> HtmlElement | None:
    """The child of ``container`` that holds ``block`` (``None`` when there is none, or a
    furniture tag or role lies on the way, or the box holds a form).  With ``lists``, also
    ``None`` for an item of a list; with ``near``, only a form beside the block itself counts
    (in the element holding it): a sign-up form elsewhere in a large box is the sign-up's."""
    if container is None or block.owner is None:
        return None
    top = block.owner
    if lists and top.tag == "li":
        return None
    for ancestor in block.owner.iterancestors():
        if ancestor is container:
            parent = block.owner.getparent()
            holder = parent if near and parent is not None and parent is not container else top
            return top if next(holder.iter(*_FORM_TAGS), None) is None else None
        if _strong_furniture(ancestor) or lists and ancestor.tag == "li":
            return None
        top = ancestor
    return None


#: A box holding a form is a widget (a newsletter sign-up, a search), whatever its text says.
_FORM_TAGS = ("form", "input")


def _strong_furniture(element: HtmlElement) -> bool:
    """Furniture by tag or role (``<aside>``, ``<nav>``, ``role="complementary"``), which no
    template redeploy puts around the story's own text, unlike a class name."""
    return element.tag in rules.FURNITURE_TAGS or element.get("role") in (
        "navigation", "complementary", "banner", "contentinfo", "dialog")


def with_unread(body: str, old_page: Page, new_page: Page) -> str:
    """``body`` with the :func:`unread` blocks the old page did not show put after the paragraph
    they follow: new prose next to the story is an edit even where the extractor's hints say
    furniture, while text the old page showed too (a caption, a standing box) is still not."""
    extra: dict[str, list[str]] = {}
    for anchor, block in unread(body, new_page, old_page):
        extra.setdefault(anchor, []).append(block.text)
    if not extra:
        return body
    out: list[str] = []
    for paragraph in split(body):
        out.append(paragraph)
        out += extra.pop(squash(paragraph), [])
    return "\n\n".join(out)
