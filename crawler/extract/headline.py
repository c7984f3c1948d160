"""Choosing the headline: the visible ``<h1>`` confirmed by what the publisher declares.

The ``<h1>`` is what readers see, but some pages have several (logo, section name, teaser) or
none.  ``og:title``, the JSON-LD ``headline`` and ``<title>`` name the story reliably but often
carry the site name ("… | The Moscow Times", "…_科技_腾讯网").  So: an ``<h1>`` agreeing with a
declared title wins; otherwise the declared titles with the site name cut off.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from . import rules
from .normalize import clean_text, squash
from .structured import PageMeta
from .vote import tokens

#: Separators between headline and site/section name in ``<title>``/``og:title``.
_SEPARATORS = re.compile(r"\s+[|\-–—·•»:/]{1,2}\s+|\s*[|｜_]\s*|\s*[：]\s*(?=[^：]*$)|\s+::\s+")
#: A declared title shorter than this (after stripping) is a site name, not a headline.
MIN_HEADLINE_CHARS = 4
#: Shorter names ("m", "co") would match inside any headline.
MIN_SITE_NAME_CHARS = 3
#: Share of a declared title's words an ``<h1>`` must repeat to be the same story's headline,
#: reworded.  Calibrated on the corpus (no headline changed at 0.5–0.8); 0.6 lets an editor swap
#: a few words while a section name ("Politics") or a logo shares almost none.
REWORDED_SHARE = 0.6


def _site_names(page: PageMeta, url: str) -> set[str]:
    names = {page.meta.get(k, "") for k in ("og:site_name", "application-name",
                                            "apple-mobile-web-app-title", "twitter:site")}
    host = urlsplit(url).hostname or ""
    if not host.replace(".", "").replace(":", "").isdigit():  # an IP address names no site
        labels = [p for p in host.split(".") if p not in ("www", "m", "amp")]
        names.update(labels[:-1] if len(labels) > 1 else labels)
        names.add(host)
    keys = {squash(n.lstrip("@")) for n in names if n and n.strip()}
    return {k for k in keys if len(k) >= MIN_SITE_NAME_CHARS}


def _is_site_part(part: str, sites: set[str]) -> bool:
    key = squash(part)
    if not key:
        return True
    return any(key == s or (len(key) >= 3 and (key in s or s in key)) for s in sites if s)


def strip_site_name(title: str, page: PageMeta, url: str, others: Iterable[str] = ()) -> str:
    """Cut site and section names from a declared title.

    Parts are cut from the end (and the start) while they look like the site name; when a
    headline from another source is a leading part of ``title``, that part is returned.
    """
    title = clean_text(title)
    if not title:
        return ""
    title_key = squash(title)
    for other in others:
        other_key = squash(other)
        if len(other_key) >= MIN_HEADLINE_CHARS and other_key != title_key and title_key.startswith(other_key):
            rest = title[len(clean_text(other)):]
            if not rest or _SEPARATORS.match(rest) or rest[:1] in "|-–—_：:（(":
                return clean_text(other)
    sites = _site_names(page, url)
    parts = _SEPARATORS.split(title)
    if len(parts) == 1:
        return title
    # Drop site-name parts at either end; if none are recognised, keep the longest part only when
    # the title has the classic "headline | site" shape (last part short).
    while len(parts) > 1 and _is_site_part(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and _is_site_part(parts[0], sites):
        parts.pop(0)
    if len(parts) == 1:
        return parts[0]
    separators = _SEPARATORS.findall(title)
    if len(parts) >= 2 and len(parts[-1]) < len(parts[0]) / 2 and len(separators) >= 1:
        # "Headline - Section - Site": keep what precedes the first short tail part.
        head = parts[0]
        return head if len(head) >= MIN_HEADLINE_CHARS else title
    return title


def _same_story(h1: str, declared: str) -> bool:
    """Whether an ``<h1>`` shares most of a declared title's words (a logo or section ``<h1>`` does
    not; one that glues the headline to the site name is the masthead, checked by the caller)."""
    wanted = Counter(tokens(declared))
    total = sum(wanted.values())
    return bool(total) and sum((Counter(tokens(h1)) & wanted).values()) >= REWORDED_SHARE * total


def choose(tree: HtmlElement, page: PageMeta, url: str) -> str:
    """The article headline, or "" when the page declares none."""
    h1s = [clean_text(h.text_content()) for h in rules.H1(tree)]
    h1s = [h for h in h1s if len(h) >= MIN_HEADLINE_CHARS]
    declared = [d for d in (page.meta.get("og:title"), page.ld_headline, page.meta.get("twitter:title"),
                            page.title) if d]
    declared_keys = [squash(d) for d in declared]
    for h1 in h1s:
        key = squash(h1)
        if any(key == d or (len(key) >= 8 and d.startswith(key)) for d in declared_keys):
            return h1
    for d in declared[:-1] if page.title and len(declared) > 1 else declared:
        stripped = strip_site_name(d, page, url, h1s)
        if len(stripped) >= MIN_HEADLINE_CHARS:
            # An <h1> contained in the declared title (title adds a kicker/site) is the visible one,
            # and so is an <h1> that says mostly the same words: the newsroom reworded the visible
            # headline and the metadata has not caught up.  Readers see the <h1>.
            for h1 in h1s:
                if squash(h1) in squash(stripped) or (_same_story(h1, stripped)
                                                       and not _is_site_part(h1, _site_names(page, url))):
                    return h1
            return stripped
    if h1s:
        return h1s[0]
    if page.title:
        return strip_site_name(page.title, page, url)
    return ""
