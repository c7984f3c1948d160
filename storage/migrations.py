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
  (zlib) and the extractor version that produced it.
- ``checks``: every fetch and its outcome, successful or not.
- ``changes``: what users, alerts and feeds read; ``kinds`` is a JSON list.
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
