"""Alert rules, messages and back-off: the pure parts, on change dicts shaped like
:func:`redline.storage.outbox.change_details` returns them, and rules read from real TOML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from redline.alerts import message, rules, sender
from redline.alerts.deliver import MAX_BACKOFF_S, backoff
from redline.core.config import AlertRule
from redline.core.errors import ConfigError
from redline.app.config import load as load_config

BODY = ("The council voted 31 to 18 for the plan.\n\nOpposition members said they would keep campaigning "
        "against library cuts. The mayor welcomed the vote.")
NOW = "2026-11-25T22:10:00Z"


def change(**fields) -> dict:
    base = {
        "id": 7, "article_id": 1, "url": "https://example.com/news/budget", "outlet": "Example Daily",
        "kinds": ["body"], "detected_at": "2026-11-25T22:00:00Z", "from_version": 1, "to_version": 2,
        "words_added": 2, "words_removed": 2, "reverts_to": None,
        "headline_before": "Council approves budget", "headline_after": "Council approves budget",
        "body_before": BODY, "body_after": BODY.replace("31 to 18", "29 to 20"),
    }
    return base | fields


def rule(**fields) -> AlertRule:
    return AlertRule(notify=("json://127.0.0.1:9/hook",), **fields)


def test_kinds_and_outlets_narrow_a_rule():
    assert rules.matches(rule(), change())
    assert not rules.matches(rule(kinds=("headline", "removed")), change())
    assert rules.matches(rule(kinds=("restored",)), change(kinds=["headline", "restored"]))
    assert rules.matches(rule(outlets=("Example Daily",)), change())
    assert not rules.matches(rule(outlets=("Other Times",)), change())
    assert not rules.matches(rule(outlets=("Example Daily",)), change(outlet=None)), "a tracked URL has no outlet"


def test_min_words_ignores_small_body_edits_but_never_headlines_or_removals():
    assert not rules.matches(rule(min_words=5), change())
    assert rules.matches(rule(min_words=4), change())
    assert rules.matches(rule(min_words=50), change(kinds=["headline"], words_added=1, words_removed=1))
    assert rules.matches(rule(min_words=50), change(kinds=["removed"], words_added=0, words_removed=0,
                                                    to_version=None, body_after=None, headline_after=None))


def test_keywords_look_at_headlines_and_changed_passages_in_any_case():
    assert rules.matches(rule(keywords=("29 TO 20",)), change())
    assert rules.matches(rule(keywords=("council approves",)), change())
    assert not rules.matches(rule(keywords=("mayor",)), change()), "an unchanged sentence is not the change"
    russian = change(body_before="Навальный сказал это.", body_after="Навальный сказал другое.")
    assert rules.matches(rule(keywords=("другое",)), russian)
    assert rules.matches(rule(keywords=("НАВАЛЬНЫЙ",)), change(headline_after="Навальный в суде", kinds=["headline"]))


def test_flip_flops_can_be_silenced():
    flip = change(kinds=["headline"], reverts_to=1)
    assert rules.matches(rule(), flip)
    assert not rules.matches(rule(flip_flops=False), flip)


def test_a_target_hears_of_a_change_once_and_stale_changes_not_at_all(tmp_path):
    config = _load(tmp_path, """
        [[alerts]]
        notify = ["json://127.0.0.1:9/hook", "mailto://127.0.0.1:2525?to=a@example.org&mode=insecure"]
        [[alerts]]
        notify = ["json://127.0.0.1:9/hook"]
        digest = "1h"
    """)
    known = rules.targets(config)
    items = rules.items_for(config, change(), known, NOW)
    assert [(i.target_label.split(":")[0], i.rule, i.digest_seconds) for i in items] == \
        [("json", "alerts[0]", None), ("mailto", "alerts[0]", None)]
    assert rules.items_for(config, change(detected_at="2026-11-01T00:00:00Z"), known, NOW) == []


def test_bad_notify_urls_and_rule_keys_name_the_key(tmp_path):
    config = _load(tmp_path, '[[alerts]]\nnotify = ["json://127.0.0.1:9/hook"]\n'
                              '[[alerts]]\nnotify = ["json://127.0.0.1:9/hook", "nonsense://x"]\n')
    with pytest.raises(ConfigError, match=r"alerts\[1\]\.notify\[1\]"):
        rules.validate_rules(config)
    with pytest.raises(ConfigError, match=r"alerts\[0\]\.give_up_after"):
        _load(tmp_path, '[[alerts]]\nnotify = ["json://127.0.0.1:9/hook"]\ngive_up_after = "soon"\n')


def test_labels_hide_secrets_and_ids_are_stable():
    url = "mailto://editor:s3cret-pass@127.0.0.1:2525?from=r@example.org&to=desk@example.org&mode=insecure"
    assert sender.label(url).startswith("mailto://editor:") and "s3cret" not in sender.label(url)
    assert sender.label("mailto://editor:s3cret-pass@127.0.0.1:2525?mode=insecure") == "mailto://127.0.0.1:2525"
    assert sender.target_id(url) == sender.target_id(url) != sender.target_id(url + "&x=1")
    assert sender.idempotent("jsons://hooks.example.org/x") and not sender.idempotent(url)


def test_a_message_says_what_changed_and_where():
    title, body = message.single(change(kinds=["headline", "body"], headline_after="Council delays budget"))
    assert title == "[redline] Example Daily: Headline changed: Council approves budget → Council delays budget"
    assert "Headline: “Council approves budget” → “Council delays budget”" in body
    assert "Body ([-removed-] {+added+}):\nThe council voted [-31-]{+29+} to [-18-]{+20+} for the plan. ¶ " in body
    assert "Article: https://example.com/news/budget" in body
    assert "History: redline history https://example.com/news/budget" in body


def test_removals_flip_flops_and_tracked_urls_read_right():
    _, removed = message.single(change(kinds=["removed"], to_version=None, headline_after=None, body_after=None,
                                       words_added=0, words_removed=0, outlet=None))
    assert removed.startswith("example.com · ") and "404/410" in removed and "Body (" not in removed
    _, flip = message.single(change(kinds=["headline"], reverts_to=1))
    assert "flip-flop: back to the text of version 1" in flip


def test_a_digest_counts_what_it_leaves_out():
    changes = [change(id=i, detected_at=f"2026-11-25T22:{i:02d}:00Z") for i in range(message.MAX_DIGEST_CHANGES + 3)]
    title, body = message.digest(changes)
    assert title == f"[redline] {len(changes)} changes: Example Daily"
    assert body.count("Article: ") == message.MAX_DIGEST_CHANGES
    assert body.endswith(f"… and 3 more: redline changes --since 2026-11-25T22:{message.MAX_DIGEST_CHANGES:02d}:00Z")
    assert message.digest(changes[:1]) == message.single(changes[0])


def test_backoff_doubles_up_to_the_cap():
    waits = [backoff(n) for n in range(1, 12)]
    assert waits[0] > 0 and all(b == min(2 * a, MAX_BACKOFF_S) for a, b in zip(waits, waits[1:]))
    assert backoff(100_000) == MAX_BACKOFF_S


def _load(tmp_path: Path, text: str):
    path = tmp_path / "redline.toml"
    path.write_text("\n".join(line.strip() for line in text.splitlines()), encoding="utf-8")
    return load_config(path)
