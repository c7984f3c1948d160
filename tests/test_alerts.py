"""Change alerts end to end, with real receivers on 127.0.0.1: a JSON webhook that de-duplicates
by idempotency key (as a careful receiver does) and an SMTP server (aiosmtpd). The crawler, the
outbox and the sender are the real ones, run as ``redline`` subprocesses against a real SQLite file.

Crawls are the slow part, so most tests start from a copy of one database (``newsroom``) in
which a real crawl has detected three changes that wait in the outbox.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from testkit.site import REDLINE, Redline, running_site
from testkit.pages import RUSSIAN_HEADLINE, RUSSIAN_STORY, STORY, STORY_HEADLINE, article_page
from testkit.receivers import PATIENCE_S
from testkit.waiting import wait_for

#: Back-off used by the sender subprocesses: short, so that retries happen within a test.
FAST_BACKOFF = {"REDLINE_ALERT_BACKOFF_S": "1"}

EDITED_HEADLINE = "City council narrowly approves budget after marathon session"
EDITED_RUSSIAN = "Городской совет отложил утверждение бюджета"
PORT_HEADLINE = "Port strike enters third week"
EDITED_STORY = [p.replace("31 to 18", "29 to 20") for p in STORY]


@dataclass(frozen=True)
class Newsroom:
    """A database in which crawls detected three changes (none alerted yet) and a crawl of pages
    whose furniture alone had changed detected none."""

    db: Path
    budget_url: str  # headline and body edited
    russian_url: str  # headline edited
    port_url: str  # body edited: one vote count


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory) -> Newsroom:
    with running_site() as site:
        run = Redline(tmp_path_factory.mktemp("newsroom") / "redline.db")
        budget = site.set("/news/budget", article_page(STORY_HEADLINE, STORY))
        russian = site.set("/ru/budget", article_page(RUSSIAN_HEADLINE, RUSSIAN_STORY, lang="ru"))
        port = site.set("/news/port", article_page(PORT_HEADLINE, STORY))
        run("track", budget, russian, port)
        run("crawl", "--once", "--all")
        for path, page in [("/news/budget", article_page(STORY_HEADLINE, STORY, churn=1)),
                           ("/ru/budget", article_page(RUSSIAN_HEADLINE, RUSSIAN_STORY, lang="ru", churn=1)),
                           ("/news/port", article_page(PORT_HEADLINE, STORY, churn=1))]:
            site.set(path, page)  # churn only: ads, timestamps, related links, markup
        run("crawl", "--once", "--all")
        site.set("/news/budget", article_page(EDITED_HEADLINE, EDITED_STORY, churn=2))
        site.set("/ru/budget", article_page(EDITED_RUSSIAN, RUSSIAN_STORY, lang="ru", churn=2))
        site.set("/news/port", article_page(PORT_HEADLINE, EDITED_STORY, churn=2))
        run("crawl", "--once", "--all")
    return Newsroom(run.db, budget, russian, port)


@pytest.fixture
def edited(newsroom, tmp_path) -> Redline:
    """A fresh copy of the newsroom database (its three changes still waiting in the outbox)."""
    for suffix in ("", "-wal"):
        if Path(f"{newsroom.db}{suffix}").exists():
            shutil.copy(f"{newsroom.db}{suffix}", tmp_path / f"redline.db{suffix}")
    return Redline(tmp_path / "redline.db")


def _config(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "redline.toml"
    path.write_text("\n".join(f"[[alerts]]\n{rule}\n" for rule in rules), encoding="utf-8")
    return path


def _rule(*urls: str, extra: str = "") -> str:
    return f"notify = {json.dumps(list(urls))}\n{extra}"


def _alerts(redline: Redline, config: Path, *args: str, check: bool = True):
    return redline("--config", str(config), "alerts", *args, check=check, env=FAST_BACKOFF)


def _states(redline: Redline) -> list[tuple[str, int]]:
    """(state, attempts) of every delivery, read straight from the SQLite file."""
    with sqlite3.connect(redline.db) as conn:
        return conn.execute("SELECT state, attempts FROM deliveries ORDER BY id").fetchall()


def _start_sender(redline: Redline, config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(REDLINE), "--db", str(redline.db), "--config", str(config), "alerts", "send", "--loop", "--every", "0.2"],
        env={**os.environ, **FAST_BACKOFF}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_each_edit_is_posted_once_and_churn_never(edited, newsroom, webhook, tmp_path):
    config = _config(tmp_path, _rule(webhook.url))
    assert "3 sent" in _alerts(edited, config, "send").stdout
    assert _alerts(edited, config, "send").stdout.strip() == "alerts: nothing to send"

    assert len(webhook.posts) == 3, "one POST per edit; the churn-only crawl produced none"
    budget = [(h, p) for h, p in webhook.posts if f"Article: {newsroom.budget_url}" in p["message"]]
    assert len(budget) == 1
    headers, payload = budget[0]
    assert headers["Idempotency-Key"] == payload["idempotency_key"]
    assert f"“{STORY_HEADLINE}” → “{EDITED_HEADLINE}”" in payload["message"]
    assert EDITED_HEADLINE in payload["title"]
    assert f"History: redline history {newsroom.budget_url}" in payload["message"]
    listed = _alerts(edited, config, "--json").json()
    assert sorted((a["state"], a["attempts"], a["urls"][0]) for a in listed["alerts"]) == sorted(
        ("sent", 1, url) for url in (newsroom.budget_url, newsroom.russian_url, newsroom.port_url))
    assert "0 pending, 3 sent, 0 failed" in _alerts(edited, config).stdout


def test_crawl_once_posts_a_headline_edit_once_and_churn_never(site, redline, webhook, tmp_path):
    env = {"REDLINE_CONFIG": str(_config(tmp_path, _rule(webhook.url)))}
    url = site.set("/a", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    redline("crawl", "--once", "--all", env=env)
    site.set("/a", article_page(STORY_HEADLINE, STORY, churn=1))
    redline("crawl", "--once", "--all", env=env)
    assert webhook.posts == []
    site.set("/a", article_page(EDITED_HEADLINE, STORY, churn=2))
    redline("crawl", "--once", "--all", env=env)
    assert len(webhook.posts) == 1
    assert f"“{STORY_HEADLINE}” → “{EDITED_HEADLINE}”" in webhook.posts[0][1]["message"]


def test_sigkill_mid_delivery_loses_nothing_and_duplicates_nothing(edited, webhook, tmp_path):
    config = _config(tmp_path, _rule(webhook.url))
    webhook.hold()  # the first request arrives, then hangs before the receiver handles it
    sender = _start_sender(edited, config)
    try:
        assert webhook.arrived.wait(PATIENCE_S), "the sender never reached the webhook"
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
    finally:
        webhook.release()
    sender = _start_sender(edited, config)
    try:
        wait_for("three sent alerts", lambda: [s for s, _ in _states(edited)] == ["sent"] * 3)
    finally:
        _stop(sender)

    keys = [headers["Idempotency-Key"] for headers, _ in webhook.posts]
    assert len(keys) == 4 and len(set(keys)) == 3, "the alert cut off by SIGKILL was sent again, same key"
    assert sorted(attempts for _, attempts in _states(edited)) == [1, 1, 2]
    messages = webhook.messages()
    assert len(messages) == 3
    for headline in (EDITED_HEADLINE, EDITED_RUSSIAN, PORT_HEADLINE):
        assert sum(headline in message for message in messages) == 1


def test_alerts_wait_while_the_receiver_is_down(edited, webhook, tmp_path):
    config = _config(tmp_path, _rule(webhook.url))
    webhook.stop()
    assert "3 failed (will retry)" in _alerts(edited, config, "send").stdout
    pending = _alerts(edited, config, "--json").json()["alerts"]
    assert [(a["state"], a["attempts"]) for a in pending] == [("pending", 1)] * 3
    assert all("127.0.0.1" in a["last_error"] for a in pending), "the failure is visible"

    sender = _start_sender(edited, config)
    try:
        wait_for("retries while down", lambda: all(attempts >= 2 for _, attempts in _states(edited)))
        webhook.start()
        wait_for("the alerts after the receiver came back", lambda: len(webhook.handled) == 3)
    finally:
        _stop(sender)
    assert len(webhook.posts) == 3


def test_give_up_after_marks_failed_and_retry_sends_again(edited, webhook, tmp_path):
    config = _config(tmp_path, _rule(webhook.url, extra='give_up_after = "0s"\nkinds = ["headline"]'))
    webhook.stop()
    assert "2 failed (gave up)" in _alerts(edited, config, "send").stdout
    failed = _alerts(edited, config, "--state", "failed", "--json").json()["alerts"]
    assert len(failed) == 2 and all(a["last_error"] for a in failed)

    webhook.start()
    first = str(failed[-1]["id"])
    retried = _alerts(edited, config, "retry", first).stdout
    assert "retrying 1 alert(s)" in retried and "1 sent" in retried
    assert sorted(_states(edited)) == [("failed", 1), ("sent", 2)]


def test_digest_and_email(edited, webhook, mailbox, tmp_path, newsroom):
    config = _config(tmp_path, _rule(mailbox.url, extra='kinds = ["headline"]'),
                     _rule(webhook.url, extra='digest = "1s"'))
    assert "2 sent" in _alerts(edited, config, "send").stdout  # the two headline edits, by email
    assert webhook.posts == [], "the digest window is still open"

    wait_for("the digest", lambda: "1 sent" in _alerts(edited, config, "send").stdout)
    assert len(webhook.posts) == 1
    _, payload = webhook.posts[0]
    assert payload["title"].startswith("[redline] 3 changes")
    for url in (newsroom.budget_url, newsroom.russian_url, newsroom.port_url):
        assert f"Article: {url}" in payload["message"]
    assert "[-31-]{+29+} to [-18-]{+20+}" in payload["message"]

    subjects = sorted(mail["Subject"] for mail in mailbox.messages)
    assert len(subjects) == 2 and EDITED_RUSSIAN in subjects[1]
    russian = next(m for m in mailbox.messages if EDITED_RUSSIAN in m["Subject"])
    text = russian.get_body(("plain",)).get_content()
    assert f"“{RUSSIAN_HEADLINE}” → “{EDITED_RUSSIAN}”" in text and newsroom.russian_url in text


def test_alerts_test_reports_each_target(redline, webhook, mailbox, tmp_path):
    config = _config(tmp_path, _rule(mailbox.url, webhook.url))
    lines = _alerts(redline, config, "test").stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ok", "ok"]
    assert lines[0].split()[1].startswith("mailto://127.0.0.1") and lines[1].split()[1].startswith("json://")
    assert len(mailbox.messages) == 1 and len(webhook.posts) == 1

    webhook.stop()
    failing = _alerts(redline, config, "test", check=False)
    assert failing.returncode == 1
    assert "failed  json://" in failing.stdout and "1 of 2 notify target(s) failed" in failing.stderr
    webhook.start()


def test_bad_rules_stop_start_up_naming_the_key(redline, tmp_path):
    config = _config(tmp_path, _rule("json://127.0.0.1:9/hook", "tgram://not-a-bot-token"))
    result = _alerts(redline, config, "send", check=False)
    assert result.returncode == 1 and "alerts[0].notify[1]" in result.stderr
    assert result.stderr.startswith("redline: error:") and len(result.stderr.strip().splitlines()) == 1

    config = _config(tmp_path, _rule("json://127.0.0.1:9/hook", extra="flip_flops = 1"))
    result = _alerts(redline, config, "send", check=False)
    assert result.returncode == 1 and "alerts[0].flip_flops" in result.stderr

    result = _alerts(redline, _config(tmp_path), "test", check=False)
    assert result.returncode == 2 and "no [[alerts]] rule" in result.stderr


def test_feed_is_atom_that_feed_readers_accept(edited, newsroom, tmp_path):
    everything = feedparser.parse(edited("feed").stdout)
    assert not everything.bozo and everything.version == "atom10"
    assert {e.link for e in everything.entries} == {newsroom.budget_url, newsroom.russian_url, newsroom.port_url}
    budget = next(e for e in everything.entries if e.link == newsroom.budget_url)
    assert EDITED_HEADLINE in budget.title and "<del>31</del>" in budget.content[0].value

    out = tmp_path / "one.atom"
    edited("feed", "--url", newsroom.russian_url, "-o", str(out))
    one = feedparser.parse(out.read_text(encoding="utf-8"))
    assert not one.bozo and [e.link for e in one.entries] == [newsroom.russian_url]
    assert EDITED_RUSSIAN in one.entries[0].title

    unknown = edited("feed", "--outlet", "Nowhere Times", check=False)
    assert unknown.returncode == 1 and "Nowhere Times" in unknown.stderr
