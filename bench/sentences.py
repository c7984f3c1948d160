"""Calibration of ``redline.app.export.sentences.EDIT_SIMILARITY`` on the shared corpus' bodies.

For every sentence of 6+ words in the corpus' ground-truth bodies it scores (a) the sentence
against itself with 1, 2 or 3 of its words replaced by words of another article (an edit), and
(b) the sentence against every other sentence of the same article (unrelated). An edited
sentence must score above the threshold and unrelated ones below it.

    python -m bench sentences
"""

from __future__ import annotations

import json
import random
import statistics

from bench.corpus import load_manifest, missing_reason
from redline.app.export.sentences import EDIT_SIMILARITY, similarity, sentences
from redline.storage.differ import is_word, tokenize

#: Fixed seed, so the table is the same on every run.
SEED = 14
#: Unrelated pairs scored per article at most (all pairs of a long article are ~10^4).
PAIRS_PER_ARTICLE = 300


def _quantiles(values: list[float]) -> dict:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"n": len(values), "min": round(values[0], 3), "p01": round(pick(0.01), 3),
            "median": round(statistics.median(values), 3), "p99": round(pick(0.99), 3), "max": round(values[-1], 3)}


def main() -> int:
    entries = [e for e in load_manifest() if e.get("body")]
    if not entries:
        print(missing_reason())
        return 1
    rng = random.Random(SEED)
    vocabulary = [t for e in entries for t in tokenize(e["body"]) if is_word(t)]
    edited: dict[int, list[float]] = {1: [], 2: [], 3: []}
    unrelated: list[float] = []
    for entry in entries:
        texts = [s.text for s in sentences(entry["body"]) if sum(map(is_word, tokenize(s.text))) >= 6]
        for text in texts:
            tokens = tokenize(text)
            words = [i for i, t in enumerate(tokens) if is_word(t)]
            for n in edited:
                changed = list(tokens)
                for i in rng.sample(words, n):
                    changed[i] = rng.choice(vocabulary)
                edited[n].append(similarity(text, "".join(changed)))
        pairs = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1:]]
        for a, b in rng.sample(pairs, min(PAIRS_PER_ARTICLE, len(pairs))):
            unrelated.append(similarity(a, b))
    report = {"threshold": EDIT_SIMILARITY, "articles": len(entries),
              **{f"edited_{n}_words": _quantiles(v) for n, v in edited.items()},
              "unrelated_same_article": _quantiles(unrelated)}
    print(json.dumps(report, indent=1))
    return 0
