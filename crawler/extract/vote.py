"""Choosing article blocks: by the publisher's ``articleBody`` or by extractor consensus.

Both methods pick from redline's own blocks (:mod:`redline.crawler.extract.blocks`), so paragraphing
and normalisation are the same whichever wins.

* **json-ld** — the publisher's ``articleBody`` is used only when it agrees with the page
  (nearly all its words are visible) and is not a teaser (it is about as long as what the
  extractors found).  Blocks made of its words, between the first and last long such block,
  are the body, with the consensus blocks inside or right next to that span (a stale
  ``articleBody`` must not hide a correction the page shows).
* **consensus** — blocks both trafilatura and readability keep are body; blocks only one keeps
  are body when they sit between consensus blocks (one extractor skipped a gap: a quote, a
  subhead), are a sentence right next to the body (a short last paragraph, an appended
  correction: trafilatura drops those), or are long prose; other one-vote blocks outside the
  span are the usual junk (a related-stories list, a teaser above the story), and after a
  "Related" / "You may also like" heading one vote is never enough.

Finally, blocks repeated on the page are dropped unless both voters back them
(:func:`drop_repeats`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from . import rules
from .blocks import Block
from .boilerplate import is_boilerplate_text
from .normalize import squash

#: Scripts written without spaces between words: compared character by character.
_TOKEN = re.compile(
    r"[\u0e00-\u0e7f\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w+"
)


def tokens(text: str) -> list[str]:
    """Case-folded word tokens (characters for CJK, Thai, Burmese)."""
    return _TOKEN.findall(text.casefold())


def count_votes(blocks: Sequence[Block], voters: Sequence[str]) -> list[int]:
    """How many voters (squashed texts of trafilatura and readability) keep each block."""
    return [sum(1 for v in voters if v and block.key in v) for block in blocks]


def _is_body_block(block: Block, headline_key: str, agreed: bool) -> bool:
    if not block.text or block.key == headline_key:
        return False
    if is_boilerplate_text(block.text):
        return False
    if agreed and block.size >= rules.AGREED_LINKY_MIN_CHARS:
        return block.link_density <= rules.LINK_DENSITY_MAX_AGREED
    return block.link_density <= rules.LINK_DENSITY_MAX


def consensus(blocks: Sequence[Block], votes: Sequence[int], needed: int, headline_key: str) -> list[int]:
    """Indexes of the blocks the voters back (``needed`` = how many voters found anything).

    A "Related" / "You may also like" heading after the story ends what one voter alone can add:
    readability likes to wander into the recommendation list that follows.
    """
    if needed == 0:
        return []
    agreed = [i for i, (block, n) in enumerate(zip(blocks, votes))
              if n == needed and block.size >= rules.SPAN_ANCHOR_CHARS]
    first, last = (agreed[0], agreed[-1]) if agreed else (len(blocks), -1)
    chosen: list[int] = []
    closed = False
    for index, (block, n) in enumerate(zip(blocks, votes)):
        if block.heading and chosen and index > first and _opens_link_list(blocks, index):
            break
        if block.heading and chosen and index > last and is_boilerplate_text(block.text):
            closed = True
        if n == 0 or not _is_body_block(block, headline_key, n == needed):
            continue
        next_to_body = (agreed and index == first - 1) or (bool(chosen) and chosen[-1] == index - 1 and not closed)
        if (n == needed or first <= index <= last or next_to_body and _is_sentence(block)
                or block.size >= rules.LONE_PROSE_CHARS and not closed):
            chosen.append(index)
    return chosen


def _opens_link_list(blocks: Sequence[Block], index: int) -> bool:
    """Whether the heading at ``index`` heads a list of links (see :data:`rules.LINK_LIST_WINDOW`).

    A "More:" box of three linked headlines inside the story is followed by prose again within
    the window: that heading does not end the story."""
    following = blocks[index + 1:index + 1 + rules.LINK_LIST_WINDOW]
    if len(following) < rules.LINK_LIST_WINDOW or any(
            b.size >= rules.LONE_PROSE_CHARS and b.link_density <= rules.LINK_DENSITY_MAX for b in following):
        return False
    linky = sum(1 for b in following if b.link_density >= rules.LINK_ONLY_SHARE)
    return linky >= rules.LINK_LIST_MIN_SHARE * len(following)


def _is_sentence(block: Block) -> bool:
    """Prose shape: long enough, no links, ends like a sentence (a correction, a last line)."""
    return (block.size >= rules.SPAN_ANCHOR_CHARS and not block.link_chars and not block.heading
            and rules.SENTENCE_END.search(block.text) is not None)


def drop_repeats(chosen: Sequence[int], blocks: Sequence[Block], votes: Sequence[int],
                 needed: int) -> list[int]:
    """Leave out blocks whose text occurs more than once on the page, unless the voters agree.

    A sign-up widget or a "Mashable Deals" label repeated down an article is a template part,
    even when the publisher's ``articleBody`` swallowed it.  When both voters keep it, a block
    seen exactly twice is a standfirst or pull quote restating a paragraph: it is kept once,
    where it stands in the text (the later place); a block seen more often is a recurring part
    of the article (the same question put to each interviewee) and is kept everywhere.
    """
    seen: Counter[str] = Counter(block.key for block in blocks)
    backed = {blocks[i].key for i in range(len(blocks)) if needed and votes[i] == needed}
    last = {block.key: index for index, block in enumerate(blocks)}
    return [i for i in chosen
            if seen[blocks[i].key] == 1
            or (blocks[i].key in backed and (seen[blocks[i].key] > 2 or last[blocks[i].key] == i))]


def from_structured(blocks: Sequence[Block], ld_body: str, consensus_chosen: Sequence[int],
                    headline_key: str) -> list[int] | None:
    """Indexes of the blocks matching the publisher's ``articleBody``, or ``None`` when it must
    not be used.

    An ``articleBody`` much shorter than the consensus body is a teaser or truncated and is
    ignored.  Consensus blocks inside the matched span or adjacent to it are kept as well:
    ``articleBody`` is often stale (a correction appended, a paragraph added, a standfirst the
    CMS keeps in another field) and the visible page is the record.
    """
    ld_tokens = Counter(tokens(ld_body))
    ld_total = sum(ld_tokens.values())
    reference = sum(len(tokens(blocks[i].text)) for i in consensus_chosen)
    if ld_total < rules.LD_MIN_TOKENS or ld_total < rules.LD_MIN_SHARE * reference:
        return None
    block_tokens = [tokens(b.text) for b in blocks]
    page: Counter[str] = Counter()
    for toks in block_tokens:
        page.update(toks)
    visible = sum((ld_tokens & page).values()) / ld_total
    if visible < rules.LD_MIN_VISIBLE:
        return None
    # Short blocks must appear verbatim in articleBody (their few words would match any long
    # text: "Be the first to know!"); long blocks may differ slightly (quotes, spacing).
    ld_key = squash(ld_body)
    matched: list[int] = []
    for index, toks in enumerate(block_tokens):
        if not toks:
            continue
        if blocks[index].key in ld_key or (
            len(toks) >= rules.LD_ANCHOR_TOKENS
            and sum(1 for t in toks if t in ld_tokens) >= rules.LD_BLOCK_MATCH * len(toks)
        ):
            matched.append(index)
    anchors = [i for i in matched if len(block_tokens[i]) >= rules.LD_ANCHOR_TOKENS]
    if not anchors:
        return None
    first, last = anchors[0], anchors[-1]
    chosen = {i for i in matched if first <= i <= last and _is_body_block(blocks[i], headline_key, False)}
    covered: Counter[str] = Counter()
    for index in chosen:
        covered.update(block_tokens[index])
    if sum((covered & ld_tokens).values()) < rules.LD_MIN_COVERED * ld_total:
        return None
    extra = set(consensus_chosen)
    while first - 1 in extra:
        first -= 1
    while last + 1 in extra:
        last += 1
    chosen.update(i for i in extra if first <= i <= last)
    return sorted(chosen)
