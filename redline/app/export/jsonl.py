"""JSONL export for researchers: one line per article, its versions and sentence-level changes.

The schema (documented field by field in the README, "Research export") follows the spirit of
the NewsEdits dataset: each version's text as paragraphs, and for each change the sentences
added, removed, edited and moved, with their positions in the older and newer version.
``SCHEMA_VERSION`` changes whenever a field changes meaning or goes away (new fields may appear).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import BinaryIO

from redline.app.export.sentences import operations, paragraphs

SCHEMA_VERSION = 1


def write_jsonl(handle: BinaryIO, articles: Iterable[dict], on_article: Callable[[], None] | None = None) -> int:
    """Write one line per article (from :func:`redline.storage.exports.articles`); returns the count."""
    written = 0
    for article in articles:
        handle.write(json.dumps(article_line(article), ensure_ascii=False).encode("utf-8") + b"\n")
        written += 1
        if on_article:
            on_article()
    return written


def article_line(article: dict) -> dict:
    """The JSON object of one article (pure)."""
    return {
        "schema": SCHEMA_VERSION,
        "url": article["url"],
        "outlet": article["outlet_or_host"],
        "state": article["state"],
        "tracked_at": article["added_at"],
        "aliases": article["aliases"],
        "versions": [_version(v) for v in article["versions"]],
        "changes": [_change(c, article["bodies"]) for c in article["changes"]],
    }


def _version(row: dict) -> dict:
    return {
        "version": row["number"],
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "captured_at": row["responded_at"] or row["first_seen"],
        "headline": row["headline"],
        "byline": row["byline"],
        "published": row["published"],
        "modified": row["modified"],
        "paragraphs": paragraphs(row["body"]),
        "body_digest": row["content_digest"],
        "source_url": row["source_url"],
        "extractor_version": row["extractor_version"],
    }


def _change(row: dict, bodies: dict[int, dict]) -> dict:
    before = bodies.get(row["from_version"]) if row["from_version"] is not None else None
    after = bodies.get(row["to_version"]) if row["to_version"] is not None else None
    edited = before is not None and after is not None and row["from_version"] != row["to_version"]
    return {
        "from_version": row["from_version"],
        "to_version": row["to_version"],
        "detected_at": row["detected_at"],
        "kinds": json.loads(row["kinds"]),
        "headline": _field(before, after, "headline") if edited else None,
        "byline": _field(before, after, "byline") if edited else None,
        "sentences": operations(before["body"], after["body"]) if edited else None,
        "words_added": row["words_added"],
        "words_removed": row["words_removed"],
        "similarity": row["similarity"],
        "rewritten": bool(row["rewritten"]),
        "reverts_to": row["reverts_to"],
        "reextraction": bool(row["reextraction"]),
    }


def _field(before: dict, after: dict, name: str) -> dict | None:
    return {"before": before[name], "after": after[name]} if before[name] != after[name] else None
