"""redline's schema, as an append-only list of migrations.

Rules that keep every earlier database openable: never edit or reorder a migration that has
shipped; add a new function at the end instead. sqlite-utils records each applied step in
``_sqlite_migrations`` and runs each one in its own transaction.

Tables (see docs/architecture.md for how they are used):

- ``articles``: one row per story; ``url`` is the URL it was first tracked under. The scheduler's
  queue is a query on ``next_check_at``; ``miss_streak`` counts consecutive 404/410 answers.
- ``aliases``: every URL an article was tracked or seen under (tracked, redirect target,
  same-host ``rel=canonical``), so any of them finds it.
- ``versions``: one row per distinct content of an article, numbered from 1, with the raw HTML
  (packed by storage/blobs.py; zlib before 0008) and the extractor version that produced it.
- ``checks``: every fetch and its outcome, successful or not.
- ``changes``: what users, alerts and feeds read; ``kinds`` is a JSON list.
- ``sources``: the feeds, sitemaps and section pages discovery reads, with validators and failures.
- ``outbox`` → ``alert_items`` → ``deliveries``: changes waiting for alert rules, a change bound
  for one notify target, and one message to one target with its idempotency key and retry state.
- ``exchanges``: per version, the request as sent and the response as received (the archive).
- ``chain``: the tamper-evident hash chain of versions, removals and restorations, per outlet.
- ``blob_dicts``: per outlet, the reference page its stored pages are packed against, and (0012)
  the reference heads its exchanges' headers are packed against.
"""

from __future__ import annotations

import sqlite_utils

#: ``PRAGMA application_id`` of a redline database: the ASCII bytes "RDLN".
APPLICATION_ID = 0x52444C4E

MIGRATIONS = sqlite_utils.Migrations("redline")


@MIGRATIONS(name="0001_initial")
def initial(db: sqlite_utils.Database) -> None:
    """The foundation schema: articles, aliases, versions, checks, changes."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.executescript(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            outlet TEXT,
            state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'removed', 'retired')),
            added_at TEXT NOT NULL,
            last_checked_at TEXT,
            next_check_at TEXT,
            last_changed_at TEXT,
            miss_streak INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT,
            raw_digest TEXT,
            final_url TEXT
        );
        CREATE INDEX articles_next_check ON articles (state, next_check_at);

        CREATE TABLE aliases (
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('tracked', 'final', 'canonical')),
            added_at TEXT NOT NULL
        );
        CREATE INDEX aliases_article ON aliases (article_id);

        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            headline TEXT NOT NULL,
            byline TEXT NOT NULL,
            body TEXT NOT NULL,
            published TEXT,
            modified TEXT,
            content_digest TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            extractor_version TEXT NOT NULL,
            method TEXT,
            source_url TEXT,
            encoding TEXT,
            raw_html BLOB,
            UNIQUE (article_id, number)
        );
        CREATE INDEX versions_digest ON versions (article_id, content_digest);

        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            checked_at TEXT NOT NULL,
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER,
            duration_ms INTEGER,
            bytes INTEGER,
            outcome TEXT NOT NULL,
            version INTEGER,
            error TEXT
        );
        CREATE INDEX checks_article ON checks (article_id, checked_at);
        CREATE INDEX checks_time ON checks (checked_at);

        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            from_version INTEGER,
            to_version INTEGER,
            kinds TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            words_added INTEGER NOT NULL DEFAULT 0,
            words_removed INTEGER NOT NULL DEFAULT 0,
            similarity REAL,
            rewritten INTEGER NOT NULL DEFAULT 0,
            reverts_to INTEGER,
            reextraction INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX changes_time ON changes (detected_at);
        CREATE INDEX changes_article ON changes (article_id, id);
        """
    )


@MIGRATIONS(name="0002_discovery")
def discovery(db: sqlite_utils.Database) -> None:
    """``sources``: each feed, sitemap and section page discovery reads, per outlet.

    Keeps the validators for conditional GET (only from successful reads), the last answer, and
    a streak of consecutive failures, so ``redline status`` can show recent failures and a feed
    that broke weeks ago stands out from one that failed once.
    """
    db.executescript(
        """
        CREATE TABLE sources (
            outlet TEXT NOT NULL,
            url TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('feed', 'sitemap', 'section')),
            etag TEXT,
            last_modified TEXT,
            last_checked_at TEXT NOT NULL,
            last_outcome TEXT NOT NULL CHECK (last_outcome IN ('ok', 'not_modified', 'error')),
            last_status INTEGER,
            last_error TEXT,
            last_ok_at TEXT,
            failure_streak INTEGER NOT NULL DEFAULT 0,
            links_found INTEGER NOT NULL DEFAULT 0,
            links_new INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (outlet, url)
        );
        """
    )


@MIGRATIONS(name="0003_search")
def search(db: sqlite_utils.Database) -> None:
    """``versions_fts``: full-text index (FTS5) of every version's headline and body, for the web view.

    External content (the text stays only in ``versions``), kept current by triggers. The update
    trigger fires only when the headline or body change, not on the ``last_seen`` update every
    check makes. ``remove_diacritics 2`` lets "e" find "é" (Latin only: "е" does not find "ё"). Versions stored
    before this step are indexed by the closing ``rebuild``.

    ``articles_outlet`` serves the web view's outlet lists: an article's outlet, or its URL's host
    when it has none (the expression ``redline.storage.browse.OUTLET``, which must stay identical).
    """
    db.executescript(
        """
        CREATE VIRTUAL TABLE versions_fts USING fts5(
            headline, body, content='versions', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN
            INSERT INTO versions_fts (rowid, headline, body) VALUES (new.id, new.headline, new.body);
        END;
        CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN
            INSERT INTO versions_fts (versions_fts, rowid, headline, body)
            VALUES ('delete', old.id, old.headline, old.body);
        END;
        CREATE TRIGGER versions_fts_update AFTER UPDATE OF headline, body ON versions BEGIN
            INSERT INTO versions_fts (versions_fts, rowid, headline, body)
            VALUES ('delete', old.id, old.headline, old.body);
            INSERT INTO versions_fts (rowid, headline, body) VALUES (new.id, new.headline, new.body);
        END;
        INSERT INTO versions_fts (versions_fts) VALUES ('rebuild');

        CREATE INDEX articles_outlet ON articles (
            COALESCE(outlet, substr(substr(url, instr(url, '://') + 3), 1,
                                    instr(substr(url, instr(url, '://') + 3) || '/', '/') - 1)),
            last_checked_at
        );
        """
    )


@MIGRATIONS(name="0004_outbox")
def outbox(db: sqlite_utils.Database) -> None:
    """The alert outbox: ``outbox`` (changes waiting to be matched against the alert rules, written
    in the change's own transaction), ``alert_items`` (a change bound for one notify target, waiting
    for its delivery or digest) and ``deliveries`` (one message to one target, with its idempotency
    key, retry state and the last error). See redline/alerts/ for how they are used.
    """
    db.executescript(
        """
        CREATE TABLE outbox (
            change_id INTEGER PRIMARY KEY REFERENCES changes (id) ON DELETE CASCADE,
            enqueued_at TEXT NOT NULL,
            routed_at TEXT
        );
        CREATE INDEX outbox_unrouted ON outbox (change_id) WHERE routed_at IS NULL;

        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            target TEXT NOT NULL,
            target_label TEXT NOT NULL,
            rule TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
            created_at TEXT NOT NULL,
            give_up_seconds REAL NOT NULL,
            give_up_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_attempt_at TEXT,
            sent_at TEXT,
            last_error TEXT
        );
        CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);

        CREATE TABLE alert_items (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
            target TEXT NOT NULL,
            target_label TEXT NOT NULL,
            rule TEXT NOT NULL,
            digest_seconds REAL,
            give_up_seconds REAL NOT NULL,
            created_at TEXT NOT NULL,
            delivery_id INTEGER REFERENCES deliveries (id) ON DELETE CASCADE,
            UNIQUE (change_id, target)
        );
        CREATE INDEX alert_items_open ON alert_items (delivery_id, target);
        """
    )


@MIGRATIONS(name="0005_times_and_blocks")
def times_and_blocks(db: sqlite_utils.Database) -> None:
    """``checks.requested_at``: when the request was sent (``checked_at`` is when the response was
    complete); ``blocked_answers``: the latest answer that blocked redline from an article (403,
    429, 451, a bot challenge or consent wall), kept for inspection, one row per article.
    ``meta`` holds settings the database must remember (the recheck schedule in force, so a
    changed one reschedules every article). Checks stored before this step have no ``requested_at``.
    """
    db.executescript(
        """
        ALTER TABLE checks ADD COLUMN requested_at TEXT;
        CREATE TABLE blocked_answers (
            article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            check_id INTEGER NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
            status INTEGER,
            reason TEXT NOT NULL,
            headers TEXT,
            body BLOB
        );
        CREATE INDEX checks_outcome_time ON checks (outcome, checked_at);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


@MIGRATIONS(name="0006_archive")
def archive(db: sqlite_utils.Database) -> None:
    """The evidence-grade archive: ``exchanges`` and ``chain`` (see storage/exchange.py and
    storage/chain.py), and the existing history chained so that older databases verify too.

    ``exchanges`` holds, per version, the request as sent and the response as received (headers as
    JSON lists of ``[name, value]`` pairs, times with microseconds, the body as received when it
    differs from ``versions.raw_html``). Versions stored before this step have none; exports use
    what they have. ``chain`` rows have no foreign keys on purpose: deleting an article must not
    silently delete its records, or the history could be shortened without a trace.
    """
    from redline.storage import chain  # here, not at the top: chain reads storage modules that import this one

    db.executescript(
        """
        CREATE TABLE exchanges (
            version_id INTEGER PRIMARY KEY REFERENCES versions (id) ON DELETE CASCADE,
            method TEXT NOT NULL,
            url TEXT NOT NULL,
            request_headers TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            protocol TEXT NOT NULL,
            status INTEGER NOT NULL,
            reason TEXT NOT NULL,
            response_headers TEXT NOT NULL,
            responded_at TEXT NOT NULL,
            body BLOB
        );

        CREATE TABLE chain (
            id INTEGER PRIMARY KEY,
            chain TEXT NOT NULL,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('version', 'removed', 'restored')),
            article_id INTEGER NOT NULL,
            version_id INTEGER,
            change_id INTEGER,
            url TEXT NOT NULL,
            number INTEGER,
            at TEXT NOT NULL,
            payload_digest TEXT NOT NULL,
            text_digest TEXT NOT NULL,
            html_digest TEXT NOT NULL,
            head_digest TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (chain, seq)
        );
        CREATE INDEX chain_article ON chain (article_id, seq);
        CREATE INDEX chain_version ON chain (version_id) WHERE version_id IS NOT NULL;
        CREATE INDEX chain_change ON chain (change_id) WHERE change_id IS NOT NULL;
        CREATE INDEX chain_hash ON chain (hash);
        """
    )
    chain.backfill(db)


@MIGRATIONS(name="0007_rendered")
def rendered(db: sqlite_utils.Database) -> None:
    """Versions whose raw HTML is the DOM a browser rendered (``render = "browser"`` outlets)."""
    db.execute("ALTER TABLE versions ADD COLUMN rendered INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS(name="0010_title_templates")
def title_templates(db: sqlite_utils.Database) -> None:
    """Each outlet host's learned ``<title>`` template (storage/titles.py): the latest ``<title>``
    of each of its articles (``title_samples``), the parts learned from them that are the outlet's
    name or sections (``title_templates.site_keys``, a JSON list), and per version the template
    its headline was read with (``versions.title_template``; NULL: none, or the page declares its
    headline), so that a template change is never taken for a headline edit."""
    db.executescript(
        """
        CREATE TABLE title_samples (
            host TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (host, article_id)
        );
        CREATE INDEX title_samples_recent ON title_samples (host, seen_at);
        CREATE TABLE title_templates (
            host TEXT PRIMARY KEY,
            site_keys TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        ALTER TABLE versions ADD COLUMN title_template TEXT;
        """
    )


@MIGRATIONS(name="0009_history_listing")
def history_listing(db: sqlite_utils.Database) -> None:
    """``versions_listing``: an article's versions in order with what a listing shows of them.

    An article's history (``redline history``, the web view's history page) lists every version
    with its number, headline, dates and ``rendered`` flag, and every change with the headlines of
    the versions on either side. Without this index each of those reads visits the version's table
    row, and ``rendered`` (added after ``raw_html``) sits behind the raw page's overflow pages, so
    listing a live blog of thousands of versions read the stored page of every one. The index
    answers the listing and the headline lookups on its own (bench/scale.py: a 5,000-version
    article in a 1,000,000-version database). The unique ``(article_id, number)`` index stays: it
    is the constraint.
    """
    db.execute("CREATE INDEX versions_listing ON versions "
               "(article_id, number, headline, first_seen, last_seen, rendered)")


@MIGRATIONS(name="0008_blobs")
def packed_blobs(db: sqlite_utils.Database) -> None:
    """(After 0010 and 0009 in this list, which shipped first; the steps are independent.)

    ``blob_dicts``: the reference page (zstd) each outlet's stored pages are packed against
    (storage/blobs.py). Rows stored before this step stay zlib and read as they are; new rows are
    packed. Repacking the old rows is ``redline compact``, not this step: it decodes and re-encodes
    every page (up to ~40 ms a version: about an hour per 100,000), which must not hold up
    opening the database nor the daemon's start; as a command it runs in batches beside the
    daemon and can be stopped and resumed.
    """
    db.executescript(
        """
        CREATE TABLE blob_dicts (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            digest TEXT NOT NULL,
            size INTEGER NOT NULL,
            content BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX blob_dicts_outlet ON blob_dicts (outlet, id);
        """
    )


@MIGRATIONS(name="0011_shown_texts")
def shown_texts(db: sqlite_utils.Database) -> None:
    """``versions.shown_texts``: what the page a version was read from showed in its article
    region besides the story, as the recheck fast path reads it (``redline.crawler.fastpath``;
    an opaque blob of digests, tied to the version's text and the code that made it), so that a
    recheck of new bytes around the same story need not decode and parse the stored page again.
    NULL for versions stored before this step (and re-extractions): their pages are read as before."""
    db.execute("ALTER TABLE versions ADD COLUMN shown_texts BLOB")


@MIGRATIONS(name="0012_head_references")
def head_references(db: sqlite_utils.Database) -> None:
    """``blob_dicts.kind``: ``page`` (every row before this step: an outlet's reference page) or
    ``heads`` (an outlet's reference request and response head, which its exchanges' headers are
    packed against from now on: storage/blobs.py ``TAG_HEADS``). Headers stored before this step
    keep their codecs (frozen dictionary, or JSON text) and read as they are; no row is rewritten,
    so no chain record changes (the chain digests decoded headers, never their blobs)."""
    db.execute("ALTER TABLE blob_dicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'page' CHECK (kind IN ('page', 'heads'))")
