"""Sentence-level operations between two versions of an article body (pure), as in NewsEdits.

Why sentences: edit studies (Spangher et al., "NewsEdits", 2022) count what happens to each
sentence of a story between versions: added, removed, edited in place, or moved. Word diffs say
*what* changed; sentence operations make versions comparable at scale.

- Paragraphs are the body's blocks separated by a blank line (how redline stores bodies).
- Sentences end at ``.``, ``!``, ``?`` or ``…`` (with closing quotes or brackets) followed by
  whitespace, and after ``。``, ``！``, ``？`` directly. This is a rule, not a model: "Mr. Smith"
  splits after "Mr.", consistently in both versions, so alignment is unaffected.
- Alignment: identical sentences in order are kept (difflib's longest matching blocks); within
  each changed stretch, a removed and an added sentence whose words are similar enough
  (:data:`EDIT_SIMILARITY`) pair up as ``edited``; an exact sentence found both removed and added
  elsewhere is ``moved``; the rest are ``removed`` / ``added``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from redline.storage.differ import is_word, tokenize

#: Word-level similarity (difflib ratio over word tokens) from which a removed and an added
#: sentence count as one edited sentence. Calibrated with ``python -m bench sentences`` on the
#: shared corpus (117 bodies, sentences of 6+ words): with 1 / 2 / 3 words replaced a sentence
#: scores at least 0.78 / 0.50 / 0.33 (1st percentile 0.83 / 0.67 / 0.50, medians 0.94 / 0.89 /
#: 0.83); two different sentences of the same article score median 0.07, 99th percentile 0.30.
#: 0.5 pairs 99% of three-word edits and leaves 99% of unrelated sentences apart.
EDIT_SIMILARITY = 0.5

_SENTENCE_END = re.compile(r"(?<=[.!?…][\"'”’»)\]])\s+|(?<=[.!?…])\s+|(?<=[。！？])")


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it stands: paragraph and sentence index within it, both from 0."""

    paragraph: int
    index: int
    text: str

    def as_dict(self) -> dict:
        return {"paragraph": self.paragraph, "sentence": self.index, "text": self.text}


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (stored bodies separate them by one blank line)."""
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def split_sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def sentences(body: str) -> list[Sentence]:
    return [Sentence(p, i, text) for p, para in enumerate(paragraphs(body))
            for i, text in enumerate(split_sentences(para))]


def words(sentence: str) -> list[str]:
    """A sentence's words, lower-cased: what :func:`similarity` compares."""
    return [t.lower() for t in tokenize(sentence) if is_word(t)]


def similarity(a: str, b: str) -> float:
    """How alike two sentences are, over their words (0 unrelated, 1 the same words)."""
    return _ratio(words(a), words(b), 0.0)


def _ratio(words_a: list[str], words_b: list[str], at_least: float) -> float:
    """difflib's ratio of two word lists, or 0 as soon as its cheap upper bounds fall below
    ``at_least`` (most pairs in a rewritten stretch are unrelated, and ratio() is the costly part)."""
    if not words_a and not words_b:
        return 1.0
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
        return 0.0
    return matcher.ratio()


def operations(before: str, after: str) -> dict:
    """Sentence operations turning body ``before`` into ``after``:
    ``{"added": [...], "removed": [...], "edited": [...], "moved": [...], "unchanged": N}``."""
    old, new = sentences(before), sentences(after)
    matcher = SequenceMatcher(None, [s.text for s in old], [s.text for s in new], autojunk=False)
    removed: list[Sentence] = []
    added: list[Sentence] = []
    edited: list[dict] = []
    unchanged = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        gone, came = old[i1:i2], new[j1:j2]
        for pair in _pair_edits(gone, came):
            edited.append(pair)
        paired_old = {id(p["_before"]) for p in edited if "_before" in p}
        paired_new = {id(p["_after"]) for p in edited if "_after" in p}
        removed += [s for s in gone if id(s) not in paired_old]
        added += [s for s in came if id(s) not in paired_new]
    moved = []
    added_texts = {}
    for sentence in added:
        added_texts.setdefault(sentence.text, []).append(sentence)
    still_removed = []
    for sentence in removed:
        twins = added_texts.get(sentence.text)
        if twins:
            moved.append({"before": sentence.as_dict(), "after": twins.pop(0).as_dict()})
        else:
            still_removed.append(sentence)
    moved_after = {(m["after"]["paragraph"], m["after"]["sentence"]) for m in moved}
    return {
        "added": [s.as_dict() for s in added if (s.paragraph, s.index) not in moved_after],
        "removed": [s.as_dict() for s in still_removed],
        "edited": [{"before": p["_before"].as_dict(), "after": p["_after"].as_dict(),
                    "similarity": p["similarity"]} for p in edited],
        "moved": moved,
        "unchanged": unchanged,
    }


def _pair_edits(gone: list[Sentence], came: list[Sentence]) -> list[dict]:
    """Pair removed with added sentences of one changed stretch, in order, best match first."""
    came_words = [words(sentence.text) for sentence in came]
    pairs = []
    start = 0
    for old in gone:
        old_words = words(old.text)
        best, best_score = None, EDIT_SIMILARITY
        for j in range(start, len(came)):
            score = _ratio(old_words, came_words[j], best_score)
            if score >= best_score:
                best, best_score = j, score
        if best is not None:
            pairs.append({"_before": old, "_after": came[best], "similarity": round(best_score, 3)})
            start = best + 1
    return pairs
