"""Each outlet host's ``<title>`` template, as the crawler learns it (tables of migration 0010).

Storage keeps the evidence and the answer, never the rule: the latest ``<title>`` of each of a
host's articles (``title_samples``) and the keys the crawler learned from them
(``title_templates``; the learning itself is ``redline.crawler.titles``, handed in as a function
like the recheck policy).  One sample per article, so an article fetched a hundred times does
not outvote the outlet's other articles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import sqlite_utils

#: Learns a host's template keys from its previous keys and its newest titles (the crawler's rule).
Learn = Callable[[frozenset[str], Sequence[str]], frozenset[str]]

#: Newest titles of a host handed to the learner: enough for shares to mean something, few enough
#: that an outlet's redesign shows within a day's articles.
SAMPLE_SIZE = 40


def template(db: sqlite_utils.Database, host: str) -> frozenset[str]:
    """The keys learned for ``host`` (empty when nothing is learned yet)."""
    row = db.execute("SELECT site_keys FROM title_templates WHERE host = ?", [host]).fetchone()
    return frozenset(json.loads(row[0])) if row else frozenset()


def note_title(db: sqlite_utils.Database, host: str, article_id: int, title: str, at: str,
               learn: Learn) -> frozenset[str]:
    """Remember ``title`` as the article's latest and, when that changed the host's sample, learn
    again; returns the host's keys.  One transaction, and none when the title is the one
    already kept (most checks: no write lock is taken for nothing)."""
    row = db.execute("SELECT title FROM title_samples WHERE host = ? AND article_id = ?",
                     [host, article_id]).fetchone()
    if row is not None and row[0] == title:
        return template(db, host)
    with db.atomic():
        known = template(db, host)
        row = db.execute("SELECT title FROM title_samples WHERE host = ? AND article_id = ?",
                         [host, article_id]).fetchone()
        if row is not None and row[0] == title:
            return known
        db.execute(
            "INSERT INTO title_samples (host, article_id, title, seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (host, article_id) DO UPDATE SET title = excluded.title, seen_at = excluded.seen_at",
            [host, article_id, title, at],
        )
        titles = [r[0] for r in db.execute(
            "SELECT title FROM title_samples WHERE host = ? ORDER BY seen_at DESC, article_id DESC LIMIT ?",
            [host, SAMPLE_SIZE])]
        learned = frozenset(learn(known, titles))
        if learned != known:
            db.execute(
                "INSERT INTO title_templates (host, site_keys, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (host) DO UPDATE SET site_keys = excluded.site_keys, updated_at = excluded.updated_at",
                [host, encode(learned), at],
            )
        return learned


def mark_version(db: sqlite_utils.Database, article_id: int, number: int, keys: frozenset[str]) -> None:
    """Record that version ``number``'s headline stands under ``keys`` (re-derived with them it
    did not change, or the fresh page read with them says the same), so it is not re-derived
    again at every fetch."""
    db.execute("UPDATE versions SET title_template = ? WHERE article_id = ? AND number = ?",
               [encode(keys), article_id, number])


def encode(keys: frozenset[str] | Sequence[str] | None) -> str | None:
    """The stored form of a template's keys (sorted JSON list; None stays None)."""
    return None if keys is None else json.dumps(sorted(keys))


def decode(stored: str | None) -> frozenset[str]:
    """A version's ``title_template`` as a set (NULL: read without a template)."""
    return frozenset(json.loads(stored)) if stored else frozenset()
