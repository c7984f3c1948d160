"""The text of an alert: pure functions from change dicts (:func:`redline.storage.outbox.change_details`).

A message must make sense on a phone lock screen and in a mail client alike, so it is plain text:
which outlet and article, the headline before → after, the body's changes in a few words of context
(the word-level differ's excerpt, marked ``[-removed-]{+added+}`` as ``redline diff`` does), and
where to read the article and its history. :func:`change_title` is also the title of the change's
Atom entry (:mod:`redline.app.atom`), so an alert and its feed entry say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from redline.storage.differ import excerpt, render_plain, word_diff

#: Changes spelled out in one digest; the rest are counted (chat services cap messages at ~4 kB).
MAX_DIGEST_CHANGES = 25

TEST_TITLE = "[redline] test message"
TEST_BODY = ("This is a test from `redline alerts test`: alerts about changed articles will arrive "
             "here looking like this one.")


def change_title(change: Mapping[str, Any]) -> str:
    """A one-line title saying what happened: "Headline changed: A → B", "Removed: A", …"""
    before, after = change.get("headline_before") or "", change.get("headline_after") or ""
    kinds = list(change["kinds"])
    if "removed" in kinds:
        return f"Removed: {before}"
    if "headline" in kinds:
        return f"Headline changed: {before} → {after}"
    edited = [k for k in kinds if k in ("body", "byline")]
    label = " and ".join(edited).capitalize() + " edited" if edited else "Restored"
    if "restored" in kinds and edited:
        label = "Restored, " + label.lower()
    return f"{label}: {after or before}"



def single(change: dict, base_url: str | None = None) -> tuple[str, str]:
    """Title and body of the alert for one change; ``base_url`` is where the web view is served."""
    return f"[redline] {_source(change)}: {change_title(change)}", _describe(change, base_url)


def digest(changes: list[dict], base_url: str | None = None) -> tuple[str, str]:
    """Title and body of one message covering several changes, oldest first."""
    if len(changes) == 1:
        return single(changes[0], base_url)
    sources = list(dict.fromkeys(_source(c) for c in changes))
    title = f"[redline] {len(changes)} changes: {', '.join(sources[:3])}{' …' if len(sources) > 3 else ''}"
    shown = changes[:MAX_DIGEST_CHANGES]
    blocks = [f"{i}. {change_title(c)}\n{_describe(c, base_url)}" for i, c in enumerate(shown, 1)]
    if len(changes) > len(shown):
        blocks.append(f"… and {len(changes) - len(shown)} more: "
                      f"redline changes --since {changes[len(shown)]['detected_at']}")
    return title, "\n\n".join(blocks)


def _describe(change: dict, base_url: str | None) -> str:
    url = change["url"]
    lines = [f"{_source(change)} · {url}", _headline_line(change), _facts(change)]
    lines += _body_excerpt(change)
    history = (f"{base_url.rstrip('/')}/change/{change['id']}" if base_url
               else f"redline history {url}  (set base_url in redline.toml to get a link here)")
    lines += ["", f"Article: {url}", f"History: {history}"]
    return "\n".join(lines)


def _source(change: dict) -> str:
    return change["outlet"] or urlsplit(change["url"]).hostname or change["url"]


def _headline_line(change: dict) -> str:
    before, after = change["headline_before"], change["headline_after"]
    if "headline" in change["kinds"]:
        return f"Headline: “{before}” → “{after}”"
    return f"Headline: “{after or before or ''}”"


def _facts(change: dict) -> str:
    kinds = change["kinds"]
    facts = [f"Changed: {', '.join(kinds)}", f"detected {change['detected_at']}"]
    if "removed" in kinds:
        facts.append("the page answered 404/410 on consecutive checks")
    if change["from_version"] is not None and change["to_version"] is not None:
        facts.append(f"version {change['from_version']} → {change['to_version']}")
    if change["words_added"] or change["words_removed"]:
        facts.append(f"+{change['words_added']} −{change['words_removed']} words")
    if change["reverts_to"] is not None:
        facts.append(f"flip-flop: back to the text of version {change['reverts_to']} (as A/B headline tests do)")
    return " · ".join(facts)


def _body_excerpt(change: dict) -> list[str]:
    """The body's changes with a few words around them (at most ~400 characters; `redline diff`
    has the rest); paragraph breaks are shown as " ¶ " to keep the excerpt on one line."""
    before, after = change["body_before"], change["body_after"]
    if not before or not after or before == after:
        return []
    text = render_plain(excerpt(word_diff(before, after)))
    return ["", "Body ([-removed-] {+added+}):", " ¶ ".join(part.strip() for part in text.split("\n\n"))]
