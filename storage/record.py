"""Recording one fetch: a check row always; a version and a change only when the story changed.

Each ``record_*`` function is one transaction, so a crash leaves either the whole outcome of a
fetch or none of it. The rules they implement:

- content equal to the latest version moves its ``last_seen`` (no new row);
- different content is a new version (numbered from 1 per article) and a change record; content
  equal to an *older* version (A → B → A) is also a new version, whose change names the version
  it reverts to (``reverts_to``) so readers can label flip-flops;
- 404/410 on ``REMOVAL_STREAK`` consecutive successful checks is a ``removed`` change (outcome
  ``missing`` before that) for an article that once had a version; one that never had any is
  ``not_found``, never removed. The page answering again is ``restored``. Errors, timeouts, 5xx
  and ``blocked`` answers (403, 429, 451, bot challenges, consent walls) neither count nor reset
  the streak.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlite_utils

from redline.storage import blobs, chain, exchange, outbox, titles
from redline.storage.exchange import Exchange
from redline.storage.articles import add_alias
from redline.storage.browse import OUTLET
from redline.storage.differ import ChangeSummary, Content, compare

#: Consecutive 404/410 answers before an article counts as removed: one 404 is often a CMS
#: hiccup during a republish, two in a row on separate checks is a decision.
REMOVAL_STREAK = 2

#: Bytes of a blocking answer kept for inspection: challenge and consent pages are 5-60 KB; a
#: larger body is cut, since only what it says matters, not all of it.
MAX_BLOCKED_BODY = 256 * 1024


@dataclass(frozen=True)
class Fetch:
    """What one HTTP fetch of an article produced, as far as storage needs to know."""

    url: str
    checked_at: str
    status: int | None = None
    requested_at: str | None = None
    duration_ms: int | None = None
    final_url: str | None = None
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    raw_digest: str | None = None
    #: The request and response behind this fetch, kept with the version it makes (archive).
    exchange: Exchange | None = None
    #: The page is the DOM a browser rendered (the version's raw HTML is that DOM, marked so).
    rendered: bool = False


@dataclass(frozen=True)
class Extracted:
    """An article as extracted from one fetched page."""

    headline: str
    body: str
    byline: str
    published: str | None
    modified: str | None
    method: str
    extractor_version: str
    encoding: str | None = None
    canonical_url: str | None = None
    #: The outlet's title template the headline was read with (storage/titles.py); None when the
    #: page declares its headline, so no template changes it.
    title_template: frozenset[str] | None = None
    #: The page's ``<title>`` (not stored with the version: the crawler learns templates from it).
    page_title: str = ""
    #: What the page showed around the story, for later rechecks (``versions.shown_texts``: an
    #: opaque blob the crawler's fast path makes and reads; None: not known).  Kept on the
    #: article's latest version only: a new version clears it from the one before.
    shown_texts: bytes | None = None


@dataclass(frozen=True)
class Recorded:
    """What a fetch amounted to: ``outcome`` is the check row's outcome."""

    article_id: int
    outcome: str
    version: int | None = None
    change_id: int | None = None
    kinds: tuple[str, ...] = ()
    error: str | None = None


def content_digest(headline: str, byline: str, body: str) -> str:
    """The identity of a version's content: equal digests mean no edit."""
    return hashlib.sha256("\x1f".join((headline, byline, body)).encode("utf-8")).hexdigest()


def record_failure(db: sqlite_utils.Database, article_id: int, fetch: Fetch, error: str) -> Recorded:
    """A fetch that produced no article (network error, 5xx, robots, not HTML, no text)."""
    with db.atomic():
        _touch(db, article_id, fetch, remember_validators=False)
        _insert_check(db, article_id, fetch, "error", error=error)
    return Recorded(article_id, "error", error=error)


def record_missing(db: sqlite_utils.Database, article_id: int, fetch: Fetch) -> Recorded:
    """A 404 or 410: count it, and mark the article removed once the streak is long enough."""
    with db.atomic():
        _touch(db, article_id, fetch, remember_validators=False)
        db.execute(
            "UPDATE articles SET miss_streak = miss_streak + 1, etag = NULL, last_modified = NULL, "
            "raw_digest = NULL WHERE id = ?",
            [article_id],
        )
        streak, state = db.execute(
            "SELECT miss_streak, state FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        change_id = None
        latest = _latest(db, article_id)
        if state == "active" and streak >= REMOVAL_STREAK and latest is not None:
            change_id = _insert_change(db, article_id, latest["number"], None, ("removed",), fetch.checked_at)
            db.execute(
                "UPDATE articles SET state = 'removed', last_changed_at = ? WHERE id = ?",
                [fetch.checked_at, article_id],
            )
        outcome = "removed" if change_id else "missing" if latest else "not_found"
        _insert_check(db, article_id, fetch, outcome)
    return Recorded(article_id, outcome, change_id=change_id, kinds=("removed",) if change_id else ())


def record_blocked(db: sqlite_utils.Database, article_id: int, fetch: Fetch, reason: str,
                   headers: dict[str, str], body: bytes) -> Recorded:
    """The outlet refused redline (403, 429, 451, a bot challenge, a consent wall): never a version,
    never a step towards removal (the miss streak is left as it was), and the answer is kept."""
    with db.atomic():
        _touch(db, article_id, fetch, remember_validators=False)
        check_id = _insert_check(db, article_id, fetch, "blocked", error=reason)
        db.execute(
            "INSERT INTO blocked_answers (article_id, check_id, status, reason, headers, body) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (article_id) DO UPDATE SET check_id = excluded.check_id, status = excluded.status, "
            "reason = excluded.reason, headers = excluded.headers, body = excluded.body",
            [article_id, check_id, fetch.status, reason, json.dumps(headers),
             blobs.pack(body[:MAX_BLOCKED_BODY])],
        )
    return Recorded(article_id, "blocked", error=reason)


def record_unchanged_bytes(db: sqlite_utils.Database, article_id: int, fetch: Fetch) -> Recorded:
    """A 304, or a 200 whose bytes hash to what the latest version was extracted from."""
    with db.atomic():
        _touch(db, article_id, fetch, remember_validators=True)
        latest = _latest(db, article_id)
        return _seen_again(db, article_id, fetch, latest, unchanged_outcome(fetch))


def record_seen_again(db: sqlite_utils.Database, article_id: int, fetch: Fetch, number: int) -> Recorded:
    """A page whose article is version ``number``'s content exactly, recorded as
    :func:`record_content` records it when nothing else changed (a deferred check: the store
    made sure there is no alias to add and no streak to reset)."""
    with db.atomic():
        _touch(db, article_id, fetch, remember_validators=True)
        version = next(db.query("SELECT id, number FROM versions WHERE article_id = ? AND number = ?",
                                [article_id, number]))
        return _seen_again(db, article_id, fetch, version, "unchanged")


def unchanged_outcome(fetch: Fetch) -> str:
    """The outcome of a check that met unchanged bytes: ``not_modified`` (304) or ``same_bytes``."""
    return "not_modified" if fetch.status == 304 else "same_bytes"


def record_content(
    db: sqlite_utils.Database, article_id: int, fetch: Fetch, article: Extracted, raw_html: bytes
) -> Recorded:
    """A page with an extracted article: a new version when its content differs from the latest."""
    digest = content_digest(article.headline, article.byline, article.body)
    with db.atomic():
        article_id = _record_aliases(db, article_id, fetch, article)
        _touch(db, article_id, fetch, remember_validators=True)
        latest = _latest(db, article_id)
        if latest is not None and latest["content_digest"] == digest:
            return _seen_again(db, article_id, fetch, latest, "unchanged")
        number = _insert_version(db, article_id, fetch, article, digest, raw_html)
        restored = _reactivate(db, article_id, fetch.checked_at)
        summary = None
        kinds: tuple[str, ...] = ()
        if latest is not None:
            summary = compare(_content(latest), Content(article.headline, article.body, article.byline))
            kinds = summary.kinds
        kinds += ("restored",) if restored else ()
        change_id = None
        if kinds:
            change_id = _insert_change(
                db, article_id, latest["number"] if latest else None, number, kinds, fetch.checked_at,
                summary, reverts_to=_older_with_digest(db, article_id, digest, number),
            )
            db.execute("UPDATE articles SET last_changed_at = ? WHERE id = ?", [fetch.checked_at, article_id])
        _insert_check(db, article_id, fetch, "new_version", version=number)
    return Recorded(article_id, "new_version", number, change_id, kinds)


def reextracted(
    db: sqlite_utils.Database, article_id: int, source_version: dict, article: Extracted, checked_at: str
) -> Recorded | None:
    """Store a re-extraction of ``source_version`` (a :func:`redline.storage.queries.latest_raw` row) if it differs.

    The change is flagged ``reextraction`` so that it is never reported as the outlet's edit.
    """
    digest = content_digest(article.headline, article.byline, article.body)
    with db.atomic():
        latest = _latest(db, article_id)
        if latest is None or latest["content_digest"] == digest:
            return None
        fetch = Fetch(url=source_version["source_url"] or "", checked_at=checked_at,
                      rendered=bool(source_version.get("rendered")))
        number = _insert_version(db, article_id, fetch, article, digest, source_version["raw_html"],
                                 first_seen=source_version["first_seen"])
        summary = compare(_content(latest), Content(article.headline, article.body, article.byline))
        change_id = _insert_change(db, article_id, latest["number"], number, summary.kinds, checked_at,
                                   summary, reextraction=True)
    return Recorded(article_id, "reextracted", number, change_id, summary.kinds)


# --- the pieces each transaction is made of -------------------------------------------------


def _touch(db: sqlite_utils.Database, article_id: int, fetch: Fetch, *, remember_validators: bool) -> None:
    """Move the article's last check; keep validators only from fetches that yielded an article."""
    db.execute(
        "UPDATE articles SET last_checked_at = ?, final_url = COALESCE(?, final_url) WHERE id = ?",
        [fetch.checked_at, fetch.final_url, article_id],
    )
    if remember_validators:
        db.execute(
            "UPDATE articles SET miss_streak = 0, etag = COALESCE(?, etag), "
            "last_modified = COALESCE(?, last_modified), raw_digest = COALESCE(?, raw_digest) WHERE id = ?",
            [fetch.etag, fetch.last_modified, fetch.raw_digest, article_id],
        )


def _record_aliases(db: sqlite_utils.Database, article_id: int, fetch: Fetch, article: Extracted) -> int:
    if fetch.final_url:
        article_id = add_alias(db, article_id, fetch.final_url, "final")
    if article.canonical_url:
        article_id = add_alias(db, article_id, article.canonical_url, "canonical")
    return article_id


def _latest(db: sqlite_utils.Database, article_id: int) -> dict | None:
    return next(
        db.query(
            "SELECT id, number, headline, byline, body, content_digest FROM versions "
            "WHERE article_id = ? ORDER BY number DESC LIMIT 1",
            [article_id],
        ),
        None,
    )


def _content(version: dict) -> Content:
    return Content(version["headline"], version["body"], version["byline"])


def _older_with_digest(db: sqlite_utils.Database, article_id: int, digest: str, number: int) -> int | None:
    row = db.execute(
        "SELECT max(number) FROM versions WHERE article_id = ? AND content_digest = ? AND number < ?",
        [article_id, digest, number],
    ).fetchone()
    return row[0]


def outlet_of(db: sqlite_utils.Database, article_id: int) -> str:
    """The outlet an article's pages are packed for (its outlet, or its URL's host: as its chain)."""
    return db.execute(f"SELECT {OUTLET} FROM articles a WHERE a.id = ?", [article_id]).fetchone()[0]


def _insert_version(
    db: sqlite_utils.Database, article_id: int, fetch: Fetch, article: Extracted, digest: str,
    raw_html: bytes, *, first_seen: str | None = None,
) -> int:
    number = db.execute(
        "SELECT COALESCE(max(number), 0) + 1 FROM versions WHERE article_id = ?", [article_id]
    ).fetchone()[0]
    outlet = outlet_of(db, article_id)
    raw_blob = blobs.encode_page(db, article_id, outlet, raw_html,
                                 blobs.version_text(article.headline, article.byline, article.body))
    version_id = db.execute(
        "INSERT INTO versions (article_id, number, headline, byline, body, published, modified, "
        "content_digest, first_seen, last_seen, extractor_version, method, source_url, encoding, raw_html, rendered, "
        "title_template, shown_texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            article_id, number, article.headline, article.byline, article.body, article.published,
            article.modified, digest, first_seen or fetch.checked_at, fetch.checked_at,
            article.extractor_version, article.method, fetch.final_url or fetch.url, article.encoding,
            raw_blob, int(fetch.rendered),
            titles.encode(article.title_template), article.shown_texts,
        ],
    ).lastrowid
    # Only the latest version is ever rechecked against: the one before gives its shown texts up
    # (derived data, made again from the stored page if ever needed), so older versions cost no
    # bytes.  Every version is stored this way, so only the one before can still hold any.
    db.execute("UPDATE versions SET shown_texts = NULL WHERE article_id = ? AND number = ? "
               "AND shown_texts IS NOT NULL", [article_id, number - 1])
    # The archive: the exchange as received, and the version's link in its outlet's hash chain.
    if fetch.exchange is not None:
        exchange.store(db, version_id, fetch.exchange, raw_html, outlet)
    chain.append_version(db, version_id)
    return number


def _insert_change(
    db: sqlite_utils.Database, article_id: int, from_version: int | None, to_version: int | None,
    kinds: tuple[str, ...], detected_at: str, summary: ChangeSummary | None = None, *, reverts_to: int | None = None,
    reextraction: bool = False,
) -> int:
    """Insert a change; an outlet's change (not a re-extraction) also enters the alert outbox in
    this same transaction, so no crash can leave a change that alerts never hear of."""
    change_id = db.execute(
        "INSERT INTO changes (article_id, from_version, to_version, kinds, detected_at, words_added, "
        "words_removed, similarity, rewritten, reverts_to, reextraction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            article_id, from_version, to_version, json.dumps(list(kinds)), detected_at,
            summary.words_added if summary else 0, summary.words_removed if summary else 0,
            summary.similarity if summary else None, int(bool(summary and summary.rewritten)),
            reverts_to, int(reextraction),
        ],
    ).lastrowid
    if not reextraction:
        outbox.enqueue(db, change_id, detected_at)
        if kind := chain.change_kind(list(kinds)):
            chain.append_change(db, change_id, kind)
    return change_id


def _seen_again(
    db: sqlite_utils.Database, article_id: int, fetch: Fetch, latest: dict | None, outcome: str
) -> Recorded:
    """The latest version is still what the outlet serves: move its last_seen (and note a return)."""
    number = latest["number"] if latest else None
    if latest:
        db.execute("UPDATE versions SET last_seen = ? WHERE id = ?", [fetch.checked_at, latest["id"]])
    change_id = None
    if _reactivate(db, article_id, fetch.checked_at):
        change_id = _insert_change(db, article_id, number, number, ("restored",), fetch.checked_at)
        outcome = "restored"
    _insert_check(db, article_id, fetch, outcome, version=number)
    return Recorded(article_id, outcome, number, change_id, ("restored",) if change_id else ())


def _reactivate(db: sqlite_utils.Database, article_id: int, at: str) -> bool:
    """Mark a removed article active again; True when it had been removed."""
    cursor = db.execute(
        "UPDATE articles SET state = 'active', last_changed_at = ? WHERE id = ? AND state = 'removed'",
        [at, article_id],
    )
    return cursor.rowcount > 0


def _insert_check(
    db: sqlite_utils.Database, article_id: int, fetch: Fetch, outcome: str, *,
    version: int | None = None, error: str | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO checks (article_id, requested_at, checked_at, url, final_url, status, duration_ms, bytes, "
        "outcome, version, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, fetch.requested_at, fetch.checked_at, fetch.url, fetch.final_url, fetch.status,
         fetch.duration_ms, fetch.size, outcome, version, error],
    )
    return cursor.lastrowid
