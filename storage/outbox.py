"""The alert outbox: every SQL statement alerts need, so redline/alerts/ writes none.

Three tables (migration ``0004_outbox``), each step a short transaction of its own:

1. ``outbox``: one row per change that may be alerted, written by :func:`enqueue` inside the
   transaction that records the change, so a change can never exist without its outbox row.
2. ``alert_items``: routing reads the unrouted outbox rows, matches them against the rules of the
   moment, and binds each match to a notify target (``UNIQUE (change_id, target)``: a change
   reaches a target at most once, however many rules name it).
3. ``deliveries``: one message to one target, rendered once when sealed (retries send the same
   text under the same idempotency ``key``), with its attempts, next attempt and last error.

A delivery is *claimed* before it is sent by moving ``next_attempt_at`` past the back-off
(:func:`claim`): a sender that dies mid-send leaves it to be retried after that, and two senders
never send it at the same time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from redline.storage.queries import CHANGES_JOINED, LISTED_COLUMNS, listed_change

#: Outbox rows routed per transaction: bounds how long routing holds the write lock (the crawl
#: writes between batches) while keeping a backlog of thousands to a few transactions.
ROUTE_BATCH = 200

STATES = ("pending", "sent", "failed")


@dataclass(frozen=True)
class Item:
    """A routed change bound for one target (the row to insert into ``alert_items``)."""

    change_id: int
    target: str
    target_label: str
    rule: str
    digest_seconds: float | None
    give_up_seconds: float


@dataclass(frozen=True)
class NewDelivery:
    """A sealed message for one target, covering the items ``item_ids``."""

    key: str
    target: str
    target_label: str
    rule: str
    title: str
    body: str
    give_up_seconds: float
    item_ids: tuple[int, ...]


def enqueue(db: sqlite_utils.Database, change_id: int, at: str) -> None:
    """Put a change in the outbox; call it inside the transaction that inserts the change."""
    db.execute("INSERT INTO outbox (change_id, enqueued_at) VALUES (?, ?)", [change_id, at])


def unrouted(db: sqlite_utils.Database, limit: int = ROUTE_BATCH) -> list[int]:
    """The oldest change ids not yet matched against the rules."""
    return [row[0] for row in db.execute(
        "SELECT change_id FROM outbox WHERE routed_at IS NULL ORDER BY change_id LIMIT ?", [limit]
    )]


def change_details(db: sqlite_utils.Database, change_ids: Iterable[int], *, bodies: bool = True) -> list[dict]:
    """The changes with what rules and messages need: article, outlet, headlines and bodies on
    both sides (``None`` where a side has no version, e.g. after a removal), oldest first.

    Without ``bodies`` both are ``None`` and are not read: a digest of thousands of changes
    spells out only the first few, and two whole article texts per change are most of the
    memory a burst of alerts would take."""
    ids = list(change_ids)
    if not ids:
        return []
    texts = "vb.body AS body_before, va.body AS body_after" if bodies else "NULL AS body_before, NULL AS body_after"
    rows = db.query(
        f"""
        SELECT {LISTED_COLUMNS}, a.outlet, {texts} {CHANGES_JOINED}
        WHERE c.id IN ({", ".join("?" * len(ids))})
        ORDER BY c.id
        """,
        ids,
    )
    return [{**listed_change(row), "body_before": row["body_before"], "body_after": row["body_after"]}
            for row in rows]


def route(db: sqlite_utils.Database, change_ids: list[int], items: list[Item], at: str) -> None:
    """Record the items routing found for ``change_ids`` and mark those changes routed, atomically."""
    with db.atomic():
        db.conn.executemany(
            "INSERT OR IGNORE INTO alert_items (change_id, target, target_label, rule, digest_seconds, "
            "give_up_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i.change_id, i.target, i.target_label, i.rule, i.digest_seconds, i.give_up_seconds, at)
             for i in items],
        )
        db.conn.executemany("UPDATE outbox SET routed_at = ? WHERE change_id = ?", [(at, c) for c in change_ids])


def open_items(db: sqlite_utils.Database) -> list[dict]:
    """Items not yet in a delivery, oldest first (what sealing groups into messages)."""
    return list(db.query(
        "SELECT id, change_id, target, target_label, rule, digest_seconds, give_up_seconds, created_at "
        "FROM alert_items WHERE delivery_id IS NULL ORDER BY id"
    ))


def seal(db: sqlite_utils.Database, delivery: NewDelivery, at: str, give_up_at: str) -> bool:
    """Create a delivery for still-open items; False (nothing written) if another sender sealed them.

    It writes before it reads, so it never has to upgrade a read transaction (which WAL refuses
    at once, without waiting, when another process wrote in between).
    """
    marks = ", ".join("?" * len(delivery.item_ids))
    try:
        with db.atomic():
            delivery_id = db.execute(
                "INSERT INTO deliveries (key, target, target_label, rule, title, body, created_at, "
                "give_up_seconds, give_up_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [delivery.key, delivery.target, delivery.target_label, delivery.rule, delivery.title,
                 delivery.body, at, delivery.give_up_seconds, give_up_at, at],
            ).lastrowid
            bound = db.execute(
                f"UPDATE alert_items SET delivery_id = ? WHERE delivery_id IS NULL AND id IN ({marks})",
                [delivery_id, *delivery.item_ids],
            ).rowcount
            if bound != len(delivery.item_ids):
                raise _AlreadySealed
    except _AlreadySealed:
        return False
    return True


class _AlreadySealed(Exception):
    """Rolls a seal back: another sender bound some of its items first."""


def due(db: sqlite_utils.Database, now: str) -> list[dict]:
    """Pending deliveries whose next attempt is due, oldest first."""
    return list(db.query(
        "SELECT id, key, target, target_label, title, body, attempts, give_up_at FROM deliveries "
        "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id",
        [now],
    ))


def claim(db: sqlite_utils.Database, delivery_id: int, now: str, retry_at: str) -> bool:
    """Take a due delivery for one attempt: count it and push its next attempt to ``retry_at``.

    Committed before sending, so a sender killed mid-send leaves the delivery pending, due again
    at ``retry_at``; False when another sender claimed it first.
    """
    with db.atomic():
        cursor = db.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ? "
            "WHERE id = ? AND state = 'pending' AND next_attempt_at <= ?",
            [now, retry_at, delivery_id, now],
        )
    return cursor.rowcount == 1


def mark_sent(db: sqlite_utils.Database, delivery_id: int, at: str) -> None:
    """The receiver confirmed the message: never send it again."""
    with db.atomic():
        db.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                   [at, delivery_id])


def mark_failed_attempt(db: sqlite_utils.Database, delivery_id: int, error: str, *, give_up: bool) -> None:
    """Keep the attempt's error visible; ``give_up`` ends the retries (state ``failed``)."""
    with db.atomic():
        db.execute(
            "UPDATE deliveries SET last_error = ?, state = CASE WHEN ? THEN 'failed' ELSE state END WHERE id = ?",
            [error, give_up, delivery_id],
        )


def requeue(db: sqlite_utils.Database, now: str, ids: list[int] | None = None) -> int:
    """Make failed and waiting deliveries (all, or ``ids``) due now with a fresh give-up window."""
    where = "state IN ('pending', 'failed')"
    params: list = []
    if ids:
        where += f" AND id IN ({', '.join('?' * len(ids))})"
        params = list(ids)
    with db.atomic():
        cursor = db.execute(
            f"UPDATE deliveries SET state = 'pending', next_attempt_at = ?, "
            f"give_up_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?, '+' || give_up_seconds || ' seconds') "
            f"WHERE {where}",
            [now, now, *params],
        )
    return cursor.rowcount


def listing(db: sqlite_utils.Database, state: str | None, limit: int) -> list[dict]:
    """Deliveries, newest first, with the articles they are about."""
    where = "WHERE d.state = ?" if state else ""
    rows = db.query(
        f"""
        SELECT d.id, d.state, d.target_label AS target, d.rule, d.title, d.created_at, d.attempts,
               d.last_attempt_at, d.next_attempt_at, d.sent_at, d.give_up_at, d.last_error, d.key,
               json_group_array(DISTINCT a.url) AS urls
        FROM deliveries d
        JOIN alert_items i ON i.delivery_id = d.id
        JOIN changes c ON c.id = i.change_id
        JOIN articles a ON a.id = c.article_id
        {where}
        GROUP BY d.id
        ORDER BY d.id DESC
        LIMIT ?
        """,
        [state, limit] if state else [limit],
    )
    return [{**row, "urls": json.loads(row["urls"])} for row in rows]


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many deliveries are in each state, and how many changes wait for routing or a digest."""
    result = dict.fromkeys(STATES, 0)
    result.update(dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()))
    result["unrouted"] = db.execute("SELECT count(*) FROM outbox WHERE routed_at IS NULL").fetchone()[0]
    result["in_digest"] = db.execute(
        "SELECT count(*) FROM alert_items WHERE delivery_id IS NULL"
    ).fetchone()[0]
    return result


def waiting(db: sqlite_utils.Database, now: str) -> tuple[int, str | None]:
    """Pending deliveries not due yet (waiting for a retry), and when the first of them is due."""
    count, first = db.execute(
        "SELECT count(*), min(next_attempt_at) FROM deliveries WHERE state = 'pending' AND next_attempt_at > ?", [now]
    ).fetchone()
    return count, first
