"""The HTTP exchange behind a version: the request as sent and the response as received.

An archive has to show a third party what an outlet served, byte for byte, so every fetch that
makes a version keeps (table ``exchanges``, one row per version):

- the request: method, URL, headers as handed to the HTTP client (plus the ``Host`` it adds) and
  the time it was handed over;
- the response: protocol, status, reason, headers, the body *as received* (before content
  decoding: a gzip-encoded page is kept gzipped) and the time the body was complete.

Bytes are not stored twice: when the body as received equals the decoded HTML the version keeps
anyway (no ``Content-Encoding``), ``exchanges.body`` is NULL and :func:`wire_body` reads
``versions.raw_html``; when zlib rebuilds it from that HTML (gzip or deflate from a zlib-based
server) only the recipe is kept (storage/blobs.py). Versions stored before this table existed have no exchange; exports fall
back to what they have (the decoded HTML and the times of the check).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from redline.storage import blobs

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Exchange:
    """One request/response pair as it went over the wire (the final hop after redirects)."""

    method: str
    url: str
    request_headers: Headers
    requested_at: str
    protocol: str
    status: int
    reason: str
    response_headers: Headers
    responded_at: str
    body: bytes


def payload_digest(data: bytes) -> str:
    """The digest of a response payload in the WARC spelling (``sha256:`` + base32), so the
    chain's payload digests can be compared with an exported WARC's ``WARC-Payload-Digest``."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def head_digest(row: dict, db: sqlite_utils.Database) -> str:
    """Digest of everything an exchange row says besides the body (request, status, headers, times)."""
    material = [row["method"], row["url"], headers(row["request_headers"], db), row["requested_at"],
                row["protocol"], row["status"], row["reason"], headers(row["response_headers"], db),
                row["responded_at"]]
    return hashlib.sha256(_canonical(material)).hexdigest()


def headers(stored: str | bytes, db: sqlite_utils.Database) -> list[list[str]]:
    """A stored ``request_headers`` / ``response_headers`` column as ``[[name, value], ...]`` (packed
    by storage/blobs.py, maybe against its outlet's reference heads in ``db``, or JSON text in rows
    stored before). Raises :class:`redline.storage.blobs.Damaged` when the stored bytes are damaged."""
    return json.loads(blobs.decode_headers(stored, db))


def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def store(db: sqlite_utils.Database, version_id: int, exchange: Exchange, raw_html: bytes, outlet: str) -> dict:
    """Insert the exchange of a new version of an article of ``outlet`` (inside the caller's
    transaction; its heads are packed against the outlet's); returns the row."""
    request_headers, response_headers = blobs.encode_heads(
        db, outlet, json.dumps([list(h) for h in exchange.request_headers], ensure_ascii=False),
        json.dumps([list(h) for h in exchange.response_headers], ensure_ascii=False))
    row = {
        "version_id": version_id,
        "method": exchange.method,
        "url": exchange.url,
        "request_headers": request_headers,
        "requested_at": exchange.requested_at,
        "protocol": exchange.protocol,
        "status": exchange.status,
        "reason": exchange.reason,
        "response_headers": response_headers,
        "responded_at": exchange.responded_at,
        "body": blobs.encode_wire(exchange.body, raw_html),
    }
    db.execute(
        f"INSERT INTO exchanges ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
    )
    return row


def wire_body(exchange_body: bytes | None, page: Callable[[], bytes]) -> bytes:
    """The response body as received, from an exchange row's ``body`` blob and the version's
    decoded page (called only when the body is built from it). Raises
    :class:`redline.storage.blobs.Damaged` when the stored bytes are damaged."""
    return blobs.decode_wire(exchange_body, page)
