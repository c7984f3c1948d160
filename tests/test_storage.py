"""Storage on a real SQLite file: schema, migrations, recording rules and transactions."""

from __future__ import annotations

import sqlite3

import pytest

from redline.core.errors import DatabaseError, NotFound
from redline.storage import articles, queries, record
from redline.storage.db import open_database
from redline.storage.migrations import APPLICATION_ID, MIGRATIONS
from testkit.records import extracted as _article

URL = "https://example.com/news/1"


def _fetch(when: str, status: int = 200, **extra) -> record.Fetch:
    return record.Fetch(url=URL, checked_at=when, status=status, **extra)


@pytest.fixture
def article_id(db):
    return articles.track(db, [URL])[0].article_id


def test_new_database_is_marked_migrated_and_in_wal_mode(tmp_path):
    db = open_database(tmp_path / "r.db")
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert MIGRATIONS.pending(db) == []
    assert {"articles", "aliases", "versions", "checks", "changes"} <= set(db.table_names())
    db.close()
    open_database(tmp_path / "r.db").close()  # reopening is a no-op


def test_a_database_from_a_newer_redline_is_refused(tmp_path):
    db = open_database(tmp_path / "r.db")
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('redline', '9999_future', 'x')")
    db.close()
    with pytest.raises(DatabaseError, match="newer redline"):
        open_database(tmp_path / "r.db")


def test_missing_database_is_not_created_for_reading(tmp_path):
    with pytest.raises(DatabaseError, match="no redline database"):
        open_database(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_versions_only_when_content_changes(db, article_id):
    first = record.record_content(db, article_id, _fetch("2026-11-25T10:00:00Z"), _article("Headline"), b"<html>1")
    same = record.record_content(db, article_id, _fetch("2026-11-25T11:00:00Z"), _article("Headline"), b"<html>2")
    edited = record.record_content(db, article_id, _fetch("2026-11-25T12:00:00Z"), _article("New headline"), b"<html>3")
    assert (first.outcome, first.version, first.kinds) == ("new_version", 1, ())
    assert (same.outcome, same.version) == ("unchanged", 1)
    assert (edited.outcome, edited.version, edited.kinds) == ("new_version", 2, ("headline",))
    history = queries.history(db, URL)
    assert history["versions"][0]["last_seen"] == "2026-11-25T11:00:00Z"
    assert [c["kinds"] for c in history["changes"]] == [["headline"]]
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 3


def test_raw_html_is_kept_compressed_per_version(db, article_id):
    page = b"<html><body>" + b"<p>story text</p>" * 500 + b"</body></html>"
    record.record_content(db, article_id, _fetch("2026-11-25T10:00:00Z"), _article("H"), page)
    stored = db.execute("SELECT raw_html FROM versions").fetchone()[0]
    assert len(stored) < len(page) / 5
    assert queries.latest_raw(db, article_id)["raw_html"] == page


def test_removal_streak_and_restoration(db, article_id):
    record.record_content(db, article_id, _fetch("2026-11-25T10:00:00Z"), _article("H"), b"x")
    assert record.record_missing(db, article_id, _fetch("2026-11-25T11:00:00Z", 404)).outcome == "missing"
    assert record.record_failure(db, article_id, _fetch("2026-11-25T11:30:00Z", 503), "HTTP 503").outcome == "error"
    removed = record.record_missing(db, article_id, _fetch("2026-11-25T12:00:00Z", 410))
    assert (removed.outcome, removed.kinds) == ("removed", ("removed",))
    assert record.record_missing(db, article_id, _fetch("2026-11-25T13:00:00Z", 404)).kinds == ()
    back = record.record_content(db, article_id, _fetch("2026-11-25T14:00:00Z"), _article("H2"), b"y")
    assert back.kinds == ("headline", "restored")
    [removal, restoration] = list(queries.changes(db))
    assert (removal["from_version"], removal["to_version"], removal["headline_after"]) == (1, None, None)
    assert (restoration["from_version"], restoration["to_version"]) == (1, 2)


def test_validators_are_kept_only_from_fetches_that_gave_an_article(db, article_id):
    record.record_failure(db, article_id, _fetch("2026-11-25T10:00:00Z", etag='"bad"'), "no article text found")
    assert db.execute("SELECT etag FROM articles").fetchone()[0] is None
    record.record_content(db, article_id, _fetch("2026-11-25T11:00:00Z", etag='"good"', raw_digest="d1"),
                          _article("H"), b"x")
    assert db.execute("SELECT etag, raw_digest FROM articles").fetchone() == ('"good"', "d1")


def test_a_failure_inside_the_transaction_leaves_nothing_behind(db, article_id):
    record.record_content(db, article_id, _fetch("2026-11-25T10:00:00Z"), _article("H"), b"x")
    db.execute("CREATE TRIGGER boom BEFORE INSERT ON changes BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError):
        record.record_content(db, article_id, _fetch("2026-11-25T11:00:00Z"), _article("H2"), b"y")
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 1
    assert db.execute("SELECT last_checked_at FROM articles").fetchone()[0] == "2026-11-25T10:00:00Z"


def test_aliases_merge_an_empty_duplicate_but_never_two_histories(db):
    a = articles.track(db, ["https://example.com/a"])[0].article_id
    b = articles.track(db, ["https://example.com/b"])[0].article_id
    with db.atomic():
        assert articles.add_alias(db, b, "https://example.com/a", "canonical") == a
    assert articles.article_id_for(db, "https://example.com/b") == a
    c = articles.track(db, ["https://example.com/c"])[0].article_id
    record.record_content(db, a, _fetch("2026-11-25T10:00:00Z"), _article("A"), b"x")
    record.record_content(db, c, _fetch("2026-11-25T10:00:00Z"), _article("C"), b"x")
    with db.atomic():
        assert articles.add_alias(db, c, "https://example.com/a", "canonical") == c
    assert articles.article_id_for(db, "https://example.com/a") == a


def test_fetch_targets_pages_through_all_articles(db):
    urls = [f"https://example.com/{n}" for n in range(articles.PAGE_SIZE * 2 + 7)]
    articles.track(db, urls)
    assert [t.url for t in articles.fetch_targets(db)] == urls


def test_unknown_article(db):
    with pytest.raises(NotFound, match="is not tracked"):
        queries.history(db, "https://example.com/nothing")


def test_reextraction_is_flagged_and_left_out_of_changes(db, article_id):
    record.record_content(db, article_id, _fetch("2026-11-25T10:00:00Z"), _article("H"), b"<html>raw")
    latest = queries.latest_raw(db, article_id)
    assert record.reextracted(db, article_id, latest, _article("H"), "2026-11-26T00:00:00Z") is None
    better = _article("H", body="First paragraph.\n\nSecond paragraph.\n\nA caption the old extractor missed.")
    stored = record.reextracted(db, article_id, latest, better, "2026-11-26T00:00:00Z")
    assert stored is not None and stored.version == 2
    assert list(queries.changes(db)) == []
    [change] = queries.history(db, URL)["changes"]
    assert change["reextraction"] is True and change["kinds"] == ["body"]
    assert queries.latest_raw(db, article_id)["raw_html"] == b"<html>raw"


def test_a_database_from_the_first_release_opens_upgraded_with_its_history(tmp_path):
    """A file made by the first schema step only (before discovery, search and alerts) opens, is
    upgraded in place, keeps its history, and its versions become searchable."""
    import sqlite_utils

    from redline.storage import browse

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0002_discovery")
    old.execute("INSERT INTO articles (id, url, added_at) VALUES (1, ?, '2026-01-01T00:00:00Z')", [URL])
    old.execute("INSERT INTO aliases (url, article_id, kind, added_at) VALUES (?, 1, 'tracked', '2026-01-01T00:00:00Z')",
                [URL])
    old.execute(
        "INSERT INTO versions (article_id, number, headline, byline, body, content_digest, first_seen, last_seen, "
        "extractor_version) VALUES (1, 1, 'Mayor resigns', '', 'The mayor resigned on Monday.', 'd', "
        "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'old')"
    )
    old.close()
    db = open_database(path, create=False)
    assert MIGRATIONS.pending(db) == []
    assert queries.history(db, URL)["versions"][0]["headline"] == "Mayor resigns"
    assert [hit["url"] for hit in browse.search(db, "resigned")] == [URL]
    record.record_content(db, 1, _fetch("2026-11-25T10:00:00Z"), _article("Mayor stays"), b"x")
    assert [c["kinds"] for c in queries.changes(db)] == [["headline", "body", "byline"]]
