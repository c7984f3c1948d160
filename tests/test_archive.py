"""The evidence-grade archive end to end: real crawls of a local site record each version's HTTP
exchange and chain it; `redline verify` finds a one-byte edit made with sqlite3; `redline export`
writes a WARC that warcio checks and indexes, and a JSONL file that matches the README's schema;
the database stays readable by sqlite-utils with the README's query."""

from __future__ import annotations

import gzip
import json
import re
import shlex
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from redline.storage import blobs, chain, exchange
from redline.storage.db import open_database
from redline.storage.migrations import MIGRATIONS
from testkit.pages import STORY, STORY_HEADLINE, article_page
from testkit.site import Redline, running_site

ROOT = Path(__file__).resolve().parent.parent
WARCIO = Path(sys.executable).with_name("warcio")
SQLITE_UTILS = Path(sys.executable).with_name("sqlite-utils")

HEADLINE_2 = "City council narrowly approves budget after marathon session"
# version 2: a number edited in paragraph 2, paragraph 4 cut, paragraph 3 moved after paragraph 5,
# a new closing sentence, and a second author
STORY_2 = [STORY[0], STORY[1].replace("31 to 18", "29 to 20"), STORY[4], STORY[2],
           "The council will meet again on Thursday."]
BYLINE_2 = "Anna Petrova and Li Wei"
GZIP_HEADLINE = "Harbour tunnel opens two years late"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A plain article edited once, a gzip-encoded one, and one that is pulled (two 404s), crawled
    by the real crawler three times; yields the database, the URLs and what the server received."""
    redline = Redline(tmp_path_factory.mktemp("archive") / "redline.db")
    with running_site("User-agent: *\nAllow: /\n") as site:
        plain = site.set("/news/2026/11/25/budget", article_page(STORY_HEADLINE, STORY, churn=0))
        gzipped_bytes = gzip.compress(article_page(GZIP_HEADLINE, STORY[:3], churn=0).encode("utf-8"))
        zipped = site.set("/news/2026/11/25/tunnel", gzipped_bytes, headers={"Content-Encoding": "gzip"})
        pulled = site.set("/news/2026/11/25/pulled", article_page("Minister denies report", STORY[:2], churn=0))
        redline("track", plain, zipped, pulled)
        redline("crawl", "--once", "--all")
        site.set("/news/2026/11/25/budget", article_page(HEADLINE_2, STORY_2, byline=BYLINE_2, churn=1))
        site.set("/news/2026/11/25/pulled", "gone", status=404)
        redline("crawl", "--once", "--all")
        redline("crawl", "--once", "--all")
        yield {"redline": redline, "db": redline.db, "plain": plain, "zipped": zipped, "pulled": pulled,
               "gzipped_bytes": gzipped_bytes, "received": site.requests_for("/news/2026/11/25/tunnel")}


def _copy(db: Path, tmp_path: Path) -> Redline:
    """A copy of the crawled database (SQLite's backup API, so a WAL is included)."""
    target = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return Redline(target)


def _version_id(db: Path, url: str, number: int) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT v.id FROM versions v JOIN aliases a ON a.article_id = v.article_id "
                            "WHERE a.url = ? AND v.number = ?", [url, number]).fetchone()[0]


# --- 1. what is kept ----------------------------------------------------------------------


def test_each_version_keeps_the_request_as_sent_and_the_response_as_received(crawled):
    conn = sqlite3.connect(crawled["db"])
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT e.*, v.raw_html AS v_raw_html, v.headline AS v_headline, v.byline AS v_byline, "
                       "v.body AS v_body FROM exchanges e JOIN versions v ON v.id = e.version_id "
                       "WHERE e.url = ?", [crawled["zipped"]]).fetchone()
    sent = {(name.lower(), value) for name, value in exchange.headers(row["request_headers"], conn)}
    received = {(name.lower(), value) for name, value in crawled["received"][0].items()}
    assert sent == received  # every header the server got, Host included, and nothing else
    assert row["method"] == "GET" and row["status"] == 200 and row["reason"] == "OK"
    headers = {name.lower(): value for name, value in exchange.headers(row["response_headers"], conn)}
    assert headers["content-encoding"] == "gzip" and headers["content-length"] == str(len(crawled["gzipped_bytes"]))
    page = blobs.page_of(conn, row, "v_")
    assert GZIP_HEADLINE.encode() in page  # the decoded page as before
    assert blobs.decode_wire(row["body"], lambda: page) == crawled["gzipped_bytes"]  # the body before decoding
    assert row["body"][0] == blobs.TAG_GZIP and len(row["body"]) < 32  # zlib rebuilds it: only the recipe is kept
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
    assert re.fullmatch(pattern, row["requested_at"]) and re.fullmatch(pattern, row["responded_at"])
    assert row["requested_at"] <= row["responded_at"]
    plain = conn.execute("SELECT body FROM exchanges WHERE url = ?", [crawled["plain"]]).fetchall()
    assert [r["body"] for r in plain] == [None, None]  # identical to raw_html: not stored twice


def test_every_version_and_removal_is_chained_per_outlet(crawled):
    conn = sqlite3.connect(crawled["db"])
    rows = conn.execute("SELECT chain, seq, kind, number, prev_hash, hash FROM chain ORDER BY seq").fetchall()
    assert [(kind, number) for _, _, kind, number, _, _ in rows] == [
        ("version", 1), ("version", 1), ("version", 1), ("version", 2), ("removed", 1)]
    assert len({name for name, *_ in rows}) == 1 and [seq for _, seq, *_ in rows] == [1, 2, 3, 4, 5]
    assert rows[0][4] == chain.GENESIS
    assert all(after[4] == before[5] for before, after in zip(rows, rows[1:]))


# --- 3. verify ----------------------------------------------------------------------------


def test_verify_passes_on_an_untouched_database_and_status_shows_the_head(crawled):
    redline = crawled["redline"]
    done = redline("verify")
    assert done.stdout.startswith("ok ") and "5 record(s) match" in done.stdout
    [head] = redline("status", "--json").json()["chain_heads"]
    assert head["seq"] == 5 and head["hash"] in done.stdout
    assert redline("verify", "--head", head["hash"]).stdout.count("ok ") == 2
    assert redline("verify", "--url", crawled["plain"]).returncode == 0
    feed = redline("feed").stdout
    assert f'hash="{head["hash"]}"' in feed and "chain-head" in feed


@pytest.mark.parametrize("tamper", ["body byte", "compressed byte", "text", "header", "time", "deleted", "inserted"])
def test_verify_names_the_first_record_that_no_longer_matches(crawled, tmp_path, tamper):
    redline = _copy(crawled["db"], tmp_path)
    head_before = redline("status", "--json").json()["chain_heads"][0]["hash"]
    version_id = _version_id(redline.db, crawled["plain"], 2)
    with sqlite3.connect(redline.db) as conn:
        conn.row_factory = sqlite3.Row
        stored = conn.execute("SELECT raw_html, headline, byline, body FROM versions WHERE id = ?", [version_id]).fetchone()
        raw = stored["raw_html"]
        if tamper == "body byte":  # one byte of the stored page, stored again (as zlib) so it still reads
            page = bytearray(blobs.page_of(conn, stored))
            page[page.index(b"29 to 20")] = ord("3")
            conn.execute("UPDATE versions SET raw_html = ? WHERE id = ?", [zlib.compress(bytes(page)), version_id])
        elif tamper == "compressed byte":  # one byte of the blob as stored
            blob = bytearray(raw)
            blob[len(blob) // 2] ^= 0x01
            conn.execute("UPDATE versions SET raw_html = ? WHERE id = ?", [bytes(blob), version_id])
        elif tamper == "text":
            conn.execute("UPDATE versions SET body = replace(body, '29 to 20', '39 to 20') WHERE id = ?", [version_id])
        elif tamper == "header":
            [(stored,)] = conn.execute("SELECT response_headers FROM exchanges WHERE version_id = ?", [version_id])
            edited = blobs.decode_headers(stored, conn).replace("text/html", "text/plain")  # stored again, so it reads
            conn.execute("UPDATE exchanges SET response_headers = ? WHERE version_id = ?",
                         [blobs.encode_headers(edited), version_id])
        elif tamper == "time":
            conn.execute("UPDATE exchanges SET responded_at = '2026-01-01T00:00:00.000000Z' WHERE version_id = ?",
                         [version_id])
        elif tamper == "deleted":
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("DELETE FROM versions WHERE id = ?", [version_id])
        else:  # a version slipped in by hand, outside redline
            conn.execute(
                "INSERT INTO versions (article_id, number, headline, byline, body, content_digest, first_seen, "
                "last_seen, extractor_version, source_url) SELECT article_id, 3, 'Forged', '', 'x', 'x', first_seen, "
                "last_seen, extractor_version, source_url FROM versions WHERE id = ?", [version_id])
    done = redline("verify", check=False)
    assert done.returncode == 1, done.stdout
    assert "FAILED" in done.stdout and crawled["plain"] in done.stdout
    assert ("version 3" if tamper == "inserted" else "version 2") in done.stdout
    assert done.stderr.strip().startswith("redline: error: verification failed")
    assert redline("verify", "--head", head_before, check=False).returncode == 1


def test_a_kept_head_still_verifies_after_the_history_grows(crawled, tmp_path):
    redline = _copy(crawled["db"], tmp_path)
    head = redline("status", "--json").json()["chain_heads"][0]["hash"]
    db = open_database(redline.db)
    from redline.storage import record
    from testkit.records import extracted

    article_id = db.execute("SELECT article_id FROM aliases WHERE url = ?", [crawled["zipped"]]).fetchone()[0]
    record.record_content(db, article_id, record.Fetch(url=crawled["zipped"], checked_at="2026-12-30T00:00:00Z"),
                          extracted("Harbour tunnel opens three years late"), b"<html>new</html>")
    db.close()
    assert redline("verify", "--head", head).returncode == 0
    assert redline("status", "--json").json()["chain_heads"][0]["seq"] == 6
    assert redline("verify", "--head", "0" * 64, check=False).returncode == 1


def test_an_older_database_is_chained_by_the_upgrade_and_exports(tmp_path):
    """A file from before the archive (no exchanges, no chain) is chained when opened; it verifies,
    and its versions export as WARC resource records with what they have."""
    path = tmp_path / "old.db"
    import sqlite_utils

    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0006_archive")
    url = "https://example.org/news/2026/01/01/mayor"
    old.execute("INSERT INTO articles (id, url, added_at, state) VALUES (1, ?, '2026-01-01T00:00:00Z', 'removed')", [url])
    old.execute("INSERT INTO aliases VALUES (?, 1, 'tracked', '2026-01-01T00:00:00Z')", [url])
    for number, headline, seen in ((1, "Mayor resigns", "2026-01-01T00:00:00Z"), (2, "Mayor stays", "2026-01-02T00:00:00Z")):
        old.execute(
            "INSERT INTO versions (article_id, number, headline, byline, body, content_digest, first_seen, last_seen, "
            "extractor_version, source_url, encoding, raw_html) VALUES (1, ?, ?, '', 'Text.', 'd', ?, ?, 'old', ?, "
            "'utf-8', ?)", [number, headline, seen, seen, url, zlib.compress(f"<h1>{headline}</h1>".encode())])
    old.execute("INSERT INTO changes (article_id, from_version, to_version, kinds, detected_at) "
                "VALUES (1, 1, 2, '[\"headline\"]', '2026-01-02T00:00:00Z'), "
                "(1, 2, NULL, '[\"removed\"]', '2026-01-03T00:00:00Z')")
    old.close()
    redline = Redline(path)
    done = redline("verify")
    assert "3 record(s) match" in done.stdout
    redline("export", "--warc", str(tmp_path / "old.warc.gz"))
    assert subprocess.run([str(WARCIO), "check", str(tmp_path / "old.warc.gz")]).returncode == 0
    with open(tmp_path / "old.warc.gz", "rb") as handle:
        types = [r.rec_type for r in ArchiveIterator(handle)]
    assert types == ["warcinfo", "resource", "metadata", "resource", "metadata", "metadata"]


# --- 2. WARC ------------------------------------------------------------------------------


def test_warc_export_passes_warcio_check_and_index(crawled, tmp_path):
    redline = crawled["redline"]
    out = tmp_path / "all.warc.gz"
    done = redline("export", "--warc", str(out))
    assert "wrote 5 record(s)" in done.stdout
    assert subprocess.run([str(WARCIO), "check", "-v", str(out)], capture_output=True).returncode == 0
    index = subprocess.run([str(WARCIO), "index", "-f", "warc-type,warc-target-uri", str(out)],
                           capture_output=True, text=True, check=True).stdout
    assert len([line for line in index.splitlines() if '"response"' in line]) == 4
    with sqlite3.connect(crawled["db"]) as conn:
        exchanges = {row[0]: row[1:] for row in conn.execute(
            "SELECT c.seq, e.responded_at, c.payload_digest FROM chain c JOIN exchanges e ON e.version_id = c.version_id")}
        head = conn.execute("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    records = _records(out)
    warcinfo = records[0]
    assert warcinfo["type"] == "warcinfo" and f"redline-chain-head: 127.0.0.1:" in warcinfo["payload"].decode()
    assert f"{head[0]} {head[1]}" in warcinfo["payload"].decode()
    responses = {r["id"]: r for r in records if r["type"] == "response"}
    for request in (r for r in records if r["type"] == "request"):
        response = responses[request["headers"]["WARC-Concurrent-To"]]
        assert request["headers"]["WARC-Date"] == response["headers"]["WARC-Date"]
        assert request["headers"]["WARC-Target-URI"] == response["headers"]["WARC-Target-URI"]
    metadata = [r for r in records if r["type"] == "metadata"]
    readings = [json.loads(r["payload"]) for r in metadata]
    for record, reading in zip(metadata, readings):
        if reading["kind"] != "version":
            continue
        response = responses[record["headers"]["WARC-Refers-To"]]
        responded_at, digest = exchanges[reading["chain"]["seq"]]
        assert response["headers"]["WARC-Date"] == responded_at  # the response time, with microseconds
        assert response["headers"]["WARC-Payload-Digest"] == digest == reading["chain"]["payload_digest"]
    by_version = {(r["article"], r["version"]): r for r in readings if r["kind"] == "version"}
    second = by_version[(crawled["plain"], 2)]
    assert second["headline"] == HEADLINE_2 and set(second["change_kinds"]) == {"headline", "body", "byline"}
    assert second["from_version"] == 1 and len(second["body_digest"]) == 64
    assert [r["kind"] for r in readings].count("removed") == 1
    zipped = next(r for r in responses.values() if r["headers"]["WARC-Target-URI"] == crawled["zipped"])
    assert zipped["payload"].endswith(crawled["gzipped_bytes"])  # served gzip stays gzip in the archive


def _records(path: Path) -> list[dict]:
    with open(path, "rb") as handle:
        return [{"type": r.rec_type, "id": r.rec_headers.get_header("WARC-Record-ID"),
                 "headers": dict(r.rec_headers.headers), "payload": r.raw_stream.read()}
                for r in ArchiveIterator(handle)]


def test_warc_filters_and_file_safety(crawled, tmp_path):
    redline = crawled["redline"]
    out = tmp_path / "one.warc.gz"
    assert "wrote 2 record(s)" in redline("export", "--warc", str(out), "--url", crawled["plain"]).stdout
    refused = redline("export", "--warc", str(out), "--url", crawled["plain"], check=False)
    assert refused.returncode == 2 and "already exists: pass --force" in refused.stderr
    assert "wrote 0 record(s)" in redline("export", "--warc", str(out), "--force", "--since", "2099-01-01").stdout
    assert "wrote 5 record(s)" in redline("export", "--warc", str(out), "--force", "--outlet",
                                          crawled["plain"].split("/")[2]).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.warc.gz"]  # no temporary file left
    jsonl = tmp_path / "one.jsonl"
    assert "wrote 1 article(s)" in redline("export", "--jsonl", str(jsonl), "--url", crawled["zipped"]).stdout
    assert "wrote 0 article(s)" in redline("export", "--jsonl", str(jsonl), "--force", "--since", "2099-01-01").stdout
    for wrong in (["export"], ["export", "--warc", str(out), "--jsonl", str(jsonl)],
                  ["export", "--warc", str(tmp_path / "no" / "such.warc.gz")],
                  ["export", "--warc", str(out), "--force", "--since", "yesterday"]):
        done = redline(*wrong, check=False)
        assert done.returncode == 2 and done.stderr.startswith("redline: error: ") and "Traceback" not in done.stderr


def test_an_export_that_fails_leaves_no_file_and_the_old_one_intact(crawled, tmp_path):
    redline = _copy(crawled["db"], tmp_path)
    out = tmp_path / "out.warc.gz"
    out.write_bytes(b"previous export")
    version_id = _version_id(redline.db, crawled["plain"], 2)
    with sqlite3.connect(redline.db) as conn:
        conn.execute("UPDATE versions SET raw_html = X'00112233' WHERE id = ?", [version_id])
    done = redline("export", "--warc", str(out), "--force", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "version 2" in done.stderr and "damaged" in done.stderr
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == ["out.warc.gz"]


# --- 4. JSONL -----------------------------------------------------------------------------


def _documented_fields() -> set[str]:
    """Field paths of the README's JSONL table (``| `versions[].headline` | … |``)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Research export (JSONL)"):]
    section = section[:section.index("\n### ", 10)]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE))


def _paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        found = set()
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | _paths(inner, path)
        return found
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return set().union(*(_paths(item, prefix + "[]") for item in value))
    return set()


def test_jsonl_export_matches_the_documented_schema(crawled, tmp_path):
    redline = crawled["redline"]
    out = tmp_path / "edits.jsonl"
    assert "wrote 3 article(s)" in redline("export", "--jsonl", str(out)).stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    found = set().union(*(_paths(line) for line in lines))
    documented = _documented_fields()
    assert found <= documented, f"undocumented: {sorted(found - documented)}"
    assert documented <= found, f"documented but never written: {sorted(documented - found)}"

    budget = next(line for line in lines if line["url"] == crawled["plain"])
    assert [v["version"] for v in budget["versions"]] == [1, 2]
    assert budget["versions"][1]["paragraphs"] == STORY_2
    [change] = budget["changes"]
    assert change["headline"] == {"before": STORY_HEADLINE, "after": HEADLINE_2}
    assert change["byline"] == {"before": "Anna Petrova", "after": BYLINE_2}
    ops = change["sentences"]
    [edited] = ops["edited"]
    assert "31 to 18" in edited["before"]["text"] and "29 to 20" in edited["after"]["text"]
    assert (edited["before"]["paragraph"], edited["before"]["sentence"]) == (1, 0)
    assert [s["text"] for s in ops["added"]] == ["The council will meet again on Thursday."]
    assert ops["added"][0]["paragraph"] == 4
    assert {s["paragraph"] for s in ops["removed"]} == {3}  # the cut paragraph, sentence by sentence
    [moved] = ops["moved"]  # the last paragraph now comes before the mayor's
    assert moved["before"]["text"] == moved["after"]["text"] == STORY[4]
    assert (moved["before"]["paragraph"], moved["after"]["paragraph"]) == (4, 2)
    assert ops["unchanged"] == 3
    pulled = next(line for line in lines if line["url"] == crawled["pulled"])
    assert pulled["state"] == "removed" and pulled["changes"][0]["kinds"] == ["removed"]
    assert pulled["changes"][0]["sentences"] is None


def test_the_readme_query_runs_in_sqlite_utils(crawled):
    """The database stays readable as it is: the README's sqlite-utils example runs on it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(l for l in readme.splitlines() if l.startswith("sqlite-utils query redline.db"))
    command = shlex.split(line)
    command[0], command[2] = str(SQLITE_UTILS), str(crawled["db"])
    rows = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    assert {row["url"] for row in rows} >= {crawled["plain"]}
    assert {"url", "version", "headline", "captured_at", "chain_hash"} <= set(rows[0])
