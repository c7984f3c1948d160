"""Telling an outlet's refusal from its article: blocked answers, bot challenges and consent walls.

A page that says "Just a moment…" or "Before you continue" is not a version of the article, and
an outlet that answers 403 or 429 has not removed it. Such answers are recorded as ``blocked``:
never a version, never a step towards removal, kept for inspection, counted per outlet.

What counts, in order:

1. the status says so (:data:`BLOCKING_STATUSES`);
2. the answer comes from a consent host (``consent.google.com``, ``guce.yahoo.com`` …) after redirects;
3. the page is short (:data:`MAX_CHALLENGE_TEXT_CHARS` of visible text) *and* carries a marker only
   challenge or consent-wall pages carry (:data:`CHALLENGE_TITLE`, :data:`CHALLENGE_MARKERS`).

Widget names (``recaptcha``, ``captcha``) are deliberately not markers: 22 of the 180 real articles
in the shared corpora embed a captcha widget (comment forms), one with only 1,184 characters of
text. Markers are checked in the first :data:`SNIFF_BYTES` of the body, without parsing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

__all__ = ["BLOCKING_STATUSES", "blocked_reason"]

#: Statuses that mean "not for you": 401 needs a login, 403 forbids, 429 says too many requests,
#: 451 is a legal block. None of them says the article is gone.
BLOCKING_STATUSES = {401: "needs a login", 403: "forbidden", 429: "too many requests",
                     451: "unavailable for legal reasons"}
#: Statuses whose body is checked for a challenge (Cloudflare and others answer 503 or 200).
CHALLENGE_STATUSES = frozenset({200, 202, 503})
#: Titles of bot-protection and consent pages (Cloudflare, Akamai, Imperva/Distil, PerimeterX,
#: DataDome, DDoS-Guard, Sucuri, Google and Yahoo consent).
CHALLENGE_TITLE = re.compile(
    rb"<title[^>]*>\s*(?:just a moment|attention required|checking your browser|one moment, please|"
    rb"please wait|access denied|pardon our interruption|are you a (?:robot|human)|robot or human|"
    rb"please verify you are a human|security check|ddos-guard|ddos protection|"
    rb"you have been blocked|request unsuccessful|before you continue|"
    rb"\S+ is now part of the yahoo family)",
    re.IGNORECASE,
)
#: Scripts, forms and ids that only challenge pages carry (not the scripts these vendors put on
#: every page they protect, such as Cloudflare's ``/cdn-cgi/challenge-platform/scripts/``), in lower
#: case: the page's head is lowered once and searched for each literal (one regular expression with
#: all of them as alternatives cost 3 ms per 64 KiB head, as much as reading the whole page).
CHALLENGE_MARKERS = (
    b"_cf_chl_opt", b"cf-browser-verification", b"/cdn-cgi/challenge-platform/h/", b"captcha-delivery.com",
    b"px-captcha", b"incapsula incident id", b"sucuri_cloudproxy_js", b"ddos-guard.net/",
    *(b"id=" + quote + b"challenge-" + what + quote for quote in (b'"', b"'")
      for what in (b"form", b"running", b"stage")),
)
#: PerimeterX's app id next to a captcha (its id alone is on every page it protects).
PX_CAPTCHA = re.compile(rb"window\._pxappid[^<]{0,200}captcha")
#: Hosts that only serve consent walls (a redirect there means the article was not served).
CONSENT_HOSTS = re.compile(r"^(?:consent\.(?:google|youtube|yahoo)\.[a-z.]+|guce\.[a-z.]+|consent\.[a-z.]+)$")
#: Challenge pages show a sentence or two; the shortest real article in the corpora shows 1,184
#: characters, and the challenge pages of the fault tests at most 400. 1,000 keeps both sides apart.
MAX_CHALLENGE_TEXT_CHARS = 1000
#: Challenge markers stand in the head or at the top of the body.
SNIFF_BYTES = 64 * 1024


def blocked_reason(status: int | None, final_url: str, body: bytes) -> str | None:
    """Why this answer is a refusal rather than the article, or None when it is not one."""
    if status in BLOCKING_STATUSES:
        return f"HTTP {status} ({BLOCKING_STATUSES[status]})"
    host = (urlsplit(final_url).hostname or "").lower()
    if CONSENT_HOSTS.match(host):
        return f"consent wall ({host})"
    if status not in CHALLENGE_STATUSES:
        return None
    head = body[:SNIFF_BYTES]
    marker = _marker(head)
    if marker is None or _visible_chars(body) > MAX_CHALLENGE_TEXT_CHARS:
        return None
    shown = re.sub(rb"<[^>]*>|\s+", b" ", marker).strip().decode("latin-1")[:60]
    return f"bot challenge or consent page (HTTP {status}: {shown!r})"


def _marker(head: bytes) -> bytes | None:
    """The first challenge title or marker in ``head``, as the page spells it, or None."""
    title = CHALLENGE_TITLE.search(head)
    if title is not None:
        return title.group(0)
    lowered = head.lower()  # ASCII only, so every offset still points into ``head``
    for literal in CHALLENGE_MARKERS:
        at = lowered.find(literal)
        if at >= 0:
            return head[at:at + len(literal)]
    if b"window._pxappid" in lowered and (px := PX_CAPTCHA.search(lowered)) is not None:
        return head[px.start():px.end()]
    return None


def _visible_chars(body: bytes) -> int:
    """Characters of text a reader would see (scripts and styles left out)."""
    try:
        tree = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return 0
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    return len(" ".join(tree.text_content().split()))
