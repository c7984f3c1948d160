"""The outbox in a real SQLite file: what enters it with a change, and the claims and seals that
keep two senders (or a sender and its restarted self) from sending one message twice."""

from __future__ import annotations

from redline.storage import outbox
from redline.storage.articles import track
from redline.storage.record import Fetch, record_content, record_missing, reextracted
from testkit.records import extracted as _article

T0, T1, T2, T3 = (f"2026-11-25T22:0{i}:00Z" for i in range(4))


def _track(db, url: str = "https://example.com/a") -> int:
    return track(db, [url])[0].article_id


def _outbox(db) -> list[int]:
    return [row[0] for row in db.execute("SELECT change_id FROM outbox ORDER BY change_id")]


def test_outlet_changes_enter_the_outbox_and_reextractions_never(db):
    article_id = _track(db)
    record_content(db, article_id, Fetch("https://example.com/a", T0, 200), _article("Budget passes"), b"<html>")
    assert _outbox(db) == [], "a first version is not a change"
    edit = record_content(db, article_id, Fetch("https://example.com/a", T1, 200), _article("Budget fails"), b"<x>")
    assert _outbox(db) == [edit.change_id]

    source = {"source_url": "https://example.com/a", "raw_html": b"<x>", "first_seen": T1}
    again = reextracted(db, article_id, source, _article("Budget fails!"), T2)
    assert again is not None and again.change_id not in _outbox(db)

    for at in (T2, T3):
        gone = record_missing(db, article_id, Fetch("https://example.com/a", at, 404))
    assert gone.kinds == ("removed",) and _outbox(db) == [edit.change_id, gone.change_id]
    assert outbox.unrouted(db) == _outbox(db)
    details = outbox.change_details(db, _outbox(db))
    assert details[1]["kinds"] == ["removed"] and details[1]["body_after"] is None
    light = outbox.change_details(db, _outbox(db), bodies=False)
    assert details[0]["body_before"] and details[0]["body_after"], "an edit has both texts"
    assert [{**d, "body_before": None, "body_after": None} for d in details] == light, \
        "without bodies, only the two texts are left out"


def _routed_item(db, change_id: int, target: str = "t1") -> int:
    item = outbox.Item(change_id, target, "json://127.0.0.1:9/hook", "alerts[0]", None, 60.0)
    outbox.route(db, [change_id], [item], T1)
    return db.execute("SELECT id FROM alert_items WHERE change_id = ? AND target = ?", [change_id, target]).fetchone()[0]


def _delivery(key: str, item_ids: tuple[int, ...]) -> outbox.NewDelivery:
    return outbox.NewDelivery(key, "t1", "json://127.0.0.1:9/hook", "alerts[0]", "title", "body", 60.0, item_ids)


def _one_change(db) -> int:
    article_id = _track(db)
    record_content(db, article_id, Fetch("https://example.com/a", T0, 200), _article("Budget passes"), b"<html>")
    return record_content(db, article_id, Fetch("https://example.com/a", T1, 200), _article("Budget fails"),
                          b"<x>").change_id


def test_items_are_sealed_into_one_delivery_only(db):
    item_id = _routed_item(db, _one_change(db))
    assert outbox.unrouted(db) == []
    assert outbox.seal(db, _delivery("k1", (item_id,)), T1, T3)
    assert not outbox.seal(db, _delivery("k2", (item_id,)), T1, T3), "already sealed by another sender"
    assert db.execute("SELECT key FROM deliveries").fetchall() == [("k1",)]
    assert outbox.open_items(db) == []


def test_a_claimed_delivery_is_not_due_again_until_its_retry_time(db):
    item_id = _routed_item(db, _one_change(db))
    outbox.seal(db, _delivery("k1", (item_id,)), T1, T3)
    [due] = outbox.due(db, T1)
    assert outbox.claim(db, due["id"], T1, T2)
    assert not outbox.claim(db, due["id"], T1, T2), "a second sender must not take it"
    assert outbox.due(db, T1) == [] and [d["id"] for d in outbox.due(db, T2)] == [due["id"]]

    outbox.mark_failed_attempt(db, due["id"], "connection refused", give_up=True)
    assert outbox.due(db, T3) == [] and outbox.counts(db)["failed"] == 1
    assert outbox.requeue(db, T3) == 1
    row = db.execute("SELECT state, next_attempt_at, give_up_at, last_error FROM deliveries").fetchone()
    assert row == ("pending", T3, "2026-11-25T22:04:00.000Z", "connection refused")
    outbox.claim(db, due["id"], T3, T3)
    outbox.mark_sent(db, due["id"], T3)
    assert outbox.requeue(db, T3) == 0, "a sent alert is never sent again"
    assert [(a["state"], a["urls"]) for a in outbox.listing(db, "sent", 10)] == [("sent", ["https://example.com/a"])]
