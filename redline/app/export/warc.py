"""WARC 1.1 export (written with warcio), one gzip member per record, replayable in pywb.

What a file holds, in this order:

1. a ``warcinfo`` record: the software, the filters, and the head of every chain at export time
   (``redline-chain-head: <chain> <seq> <hash>``), so a reader can keep them and later ask
   ``redline verify --head HASH``;
2. per version, by chain and sequence number:
   - a ``request`` record (the request as sent) and a ``response`` record (status line, headers
     and body as received), both dated at the response time, the request ``WARC-Concurrent-To``
     the response; ``WARC-Payload-Digest`` is the chain's ``sha256:`` payload digest;
   - for versions stored before redline kept exchanges: a ``resource`` record with the stored
     (decoded) HTML instead, dated when it was first seen;
   - a ``metadata`` record (``application/json``, ``WARC-Refers-To`` the response or resource,
     its own target ``urn:redline:chain:<chain>:<seq>``):
     redline's reading (headline, byline, text digest, version number, change kinds) and the
     version's chain record;
3. per removal and restoration: a ``metadata`` record with its chain record.

Faithful except where the crawler could not see the wire: header names as Scrapy normalises
them, and a ``Transfer-Encoding: chunked`` header dropped because the body arrives de-chunked
(the metadata record says so with ``"transfer_encoding_removed": true``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from redline.core.version import __version__

#: ``Content-Type`` of the metadata records: redline's reading as one JSON object.
METADATA_TYPE = "application/json"


def write_warc(handle: BinaryIO, records: Iterable[dict], heads: list[dict], description: str,
               filename: str, on_record: Callable[[], None] | None = None) -> int:
    """Write ``records`` (from :func:`redline.storage.exports.archive_records`) as WARC 1.1 to
    ``handle``; returns how many chain records were written."""
    writer = WARCWriter(handle, gzip=True, warc_version="1.1")
    writer.write_record(_warcinfo(writer, heads, description, filename))
    written = 0
    for record in records:
        if record["kind"] == "version":
            _write_version(writer, record)
        else:
            writer.write_record(_metadata(writer, record, _reading(record), refers_to=None))
        written += 1
        if on_record:
            on_record()
    return written


def _warcinfo(writer: WARCWriter, heads: list[dict], description: str, filename: str) -> object:
    """The file's warcinfo record (``application/warc-fields``; one ``redline-chain-head`` line per
    chain, which warcio's own warcinfo helper cannot repeat)."""
    fields = [("software", f"redline/{__version__} (warcio)"), ("format", "WARC File Format 1.1"),
              ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
              ("description", description)]
    fields += [("redline-chain-head", f"{head['chain']} {head['seq']} {head['hash']}") for head in heads]
    payload = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
    return writer.create_warc_record("", "warcinfo", payload=BytesIO(payload), length=len(payload),
                                     warc_content_type="application/warc-fields",
                                     warc_headers_dict={"WARC-Filename": filename})


def _write_version(writer: WARCWriter, record: dict) -> None:
    exchange = record["exchange"]
    reading = _reading(record)
    if exchange is None:
        uri = record["source_url"] or record["article_url"]
        charset = f"; charset={record['encoding']}" if record["encoding"] else ""
        main = writer.create_warc_record(
            uri, "resource", payload=BytesIO(record["html"]), length=len(record["html"]),
            warc_content_type=f"text/html{charset}",
            warc_headers_dict={"WARC-Date": record["at"], "WARC-Payload-Digest": record["payload_digest"]},
        )
        writer.write_record(main)
    else:
        uri = exchange["url"]
        headers = [(n, v) for n, v in exchange["response_headers"]
                   if not (n.lower() == "transfer-encoding" and "chunked" in v.lower())]
        reading["transfer_encoding_removed"] = len(headers) != len(exchange["response_headers"])
        date = {"WARC-Date": exchange["responded_at"]}
        body = exchange["body"]
        main = writer.create_warc_record(
            uri, "response", payload=BytesIO(body), length=len(body),
            warc_headers_dict={**date, "WARC-Payload-Digest": record["payload_digest"]},
            http_headers=StatusAndHeaders(f"{exchange['status']} {exchange['reason']}".strip(), headers,
                                          protocol=exchange["protocol"]),
        )
        parts = urlsplit(uri)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            uri, "request", payload=BytesIO(b""), length=0,
            warc_headers_dict={**date, "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID")},
            http_headers=StatusAndHeaders(f"{exchange['method']} {target} HTTP/1.1", exchange["request_headers"],
                                          is_http_request=True),
        )
        writer.write_record(request)
        writer.write_record(main)
    writer.write_record(_metadata(writer, record, reading, refers_to=(uri, main)))


def _reading(record: dict) -> dict:
    """redline's account of one chain record, as the metadata record's JSON."""
    change = record["change"] or {}
    reading = {
        "redline": __version__,
        "article": record["article_url"],
        "outlet": record["outlet"],
        "kind": record["kind"],
        "version": record["number"],
        "chain": {key: record[key] for key in ("chain", "seq", "hash", "prev_hash", "at", "payload_digest",
                                                "text_digest", "html_digest", "head_digest")},
        "change_kinds": change.get("kinds", []),
        "from_version": change.get("from_version"),
        "reverts_to": change.get("reverts_to"),
        "reextraction": change.get("reextraction", False),
    }
    if record["kind"] == "version":
        exchange = record["exchange"] or {}
        reading.update(
            headline=record["headline"], byline=record["byline"], body_digest=record["content_digest"],
            first_seen=record["first_seen"], last_seen=record["last_seen"], published=record["published"],
            modified=record["modified"], encoding=record["encoding"], extractor_version=record["extractor_version"],
            extraction_method=record["extraction_method"], requested_at=exchange.get("requested_at"),
            responded_at=exchange.get("responded_at"), exchange_kept=bool(exchange),
        )
    return reading


def metadata_uri(record: dict) -> str:
    """The metadata record's own ``WARC-Target-URI``: the chain record it describes. Not the page's
    URL, or replay tools (pywb) would serve the JSON in place of the archived page."""
    return f"urn:redline:chain:{quote(record['chain'], safe='')}:{record['seq']}"


def _metadata(writer: WARCWriter, record: dict, reading: dict, refers_to: tuple[str, object] | None) -> object:
    payload = json.dumps(reading, ensure_ascii=False, indent=1).encode("utf-8")
    headers = {"WARC-Date": record["at"]}
    if refers_to:
        uri, main = refers_to
        headers.update({"WARC-Refers-To": main.rec_headers.get_header("WARC-Record-ID"),  # type: ignore[attr-defined]
                        "WARC-Refers-To-Target-URI": uri, "WARC-Refers-To-Date": record["at"]})
    return writer.create_warc_record(metadata_uri(record), "metadata", payload=BytesIO(payload),
                                     length=len(payload), warc_content_type=METADATA_TYPE,
                                     warc_headers_dict=headers)
