"""Choosing article blocks: by the publisher's ``articleBody`` or by extractor consensus.

Both methods pick from redline's own blocks (:mod:`crawler.extract.blocks`), so paragraphing
and normalisation are the same whichever wins.

* **json-ld** — the publisher's ``articleBody`` is used only when it agrees with the page
  (nearly all its words are visible) and is not a teaser (it is about as long as what the
  extractors found).  Blocks made of its words, between the first and last long such block,
  are the body.
* **consensus** — blocks both trafilatura and readability keep are body; blocks only one keeps
  are body when they sit between consensus blocks (one extractor skipped a gap: a quote, a
  subhead) or are long prose; one-vote blocks outside the consensus span are the usual junk
  (a related-stories list, a teaser above the story).
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


def _is_body_block(block: Block, headline_key: str) -> bool:
    if not block.text or block.key == headline_key:
        return False
    if is_boilerplate_text(block.text):
        return False
    return block.link_density <= rules.LINK_DENSITY_MAX


def consensus(blocks: Sequence[Block], voters: Sequence[str], headline_key: str) -> list[Block]:
    """Blocks backed by the voters (squashed texts of trafilatura and readability)."""
    votes = [sum(1 for v in voters if v and block.key in v) for block in blocks]
    needed = sum(1 for v in voters if v)
    if needed == 0:
        return []
    agreed = [i for i, (block, n) in enumerate(zip(blocks, votes))
              if n == needed and len(block.text) >= rules.SPAN_ANCHOR_CHARS]
    first, last = (agreed[0], agreed[-1]) if agreed else (len(blocks), -1)
    chosen = []
    for index, (block, n) in enumerate(zip(blocks, votes)):
        if n == 0 or not _is_body_block(block, headline_key):
            continue
        if n == needed or first <= index <= last or len(block.text) >= rules.LONE_PROSE_CHARS:
            chosen.append(block)
    return chosen


def from_structured(blocks: Sequence[Block], ld_body: str, reference_tokens: int,
                    headline_key: str) -> list[Block] | None:
    """Blocks matching the publisher's ``articleBody``, or ``None`` when it must not be used.

    ``reference_tokens`` is the length of the consensus body: an ``articleBody`` much shorter
    than that is a teaser or truncated and is ignored.
    """
    ld_tokens = Counter(tokens(ld_body))
    ld_total = sum(ld_tokens.values())
    if ld_total < rules.LD_MIN_TOKENS or ld_total < rules.LD_MIN_SHARE * reference_tokens:
        return None
    block_tokens = [tokens(b.text) for b in blocks]
    page = Counter()
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
    chosen = [blocks[i] for i in matched
              if first <= i <= last and _is_body_block(blocks[i], headline_key)]
    covered = Counter()
    for block in chosen:
        covered.update(tokens(block.text))
    if sum((covered & ld_tokens).values()) < rules.LD_MIN_COVERED * ld_total:
        return None
    return chosen
