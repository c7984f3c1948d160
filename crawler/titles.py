"""Each outlet's ``<title>`` template, learned from its pages as they are fetched.

On pages that declare no og:title, JSON-LD or twitter:title, the headline is read through the
``<title>`` (``extract.headline.TitleOnly``), and what repeats across one outlet's titles is its
name or its sections ("Valley Courier: …", "… - Local Sports Desk - The Example Argus"), never a
headline.  The crawler keeps one template per outlet *host* (storage/titles.py) and hands it to
the extractor.

**A template change is never a headline edit.**  The template a version's headline was read
with is stored with it.  When a fresh page is read with a different template than the latest
version, that version's page is read again with the fresh template first (:func:`rederived`):
if its headline comes out differently, the new reading is stored as a *re-extraction* (hidden
from changes, alerts and feeds, like ``redline reextract``), and the fresh page is compared with
that, so only what the outlet changed is reported.  Learning is also slow to move
(:func:`learn`): nothing before :data:`MIN_SAMPLE` articles' titles, and a learned part is
dropped only once it has become rare, so a template does not flap while an outlet's titles mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from redline.core.config import Selectors
from redline.core.errors import NoArticle
from redline.storage.record import Extracted
from redline.storage.titles import decode

#: No template from fewer articles' titles: two titles sharing a part may share a running story
#: ("Budget 2008: …"); three of one outlet's articles agreeing is its template.
MIN_SAMPLE = 3
#: A learned part stays learned while it is in at least this share of the newest titles (it is
#: learned at ``rules.TEMPLATE_MIN_SHARE``, a half): hysteresis, so that an outlet's titles
#: mixing old and new shapes during a redesign do not add and drop the same part by turns.
KEEP_SHARE = 0.25
#: A part in MIN_SAMPLE of the newest this many titles is learned too, however long the sample:
#: an outlet that renames itself is read with its new name after three articles, not after half
#: of storage's 40-title sample.  Titles of different stories share no whole part but the
#: outlet's name, its sections and a running story's kicker ("Budget 2008"), none a headline.
RECENT = 10


def host_of(url: str) -> str:
    """The outlet host a page's template is kept under (``www.`` ignored, port kept)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return f"{host}:{parts.port}" if parts.port else host


def learn(previous: frozenset[str], titles: Sequence[str]) -> frozenset[str]:
    """The host's template keys from its ``titles`` (one per article, newest first), given the keys
    it had: parts in half the titles, or in three of the newest ten, are learned; learned parts are
    kept while a quarter repeat them."""
    from redline.crawler.extract.headline import TitleTemplate

    titles = [t for t in titles if t]
    if len(titles) < MIN_SAMPLE:
        return previous
    recent = titles[:RECENT]
    fresh = (TitleTemplate.learn(titles).site_keys
             | TitleTemplate.learn(recent, min_share=MIN_SAMPLE / len(recent)).site_keys)
    kept = TitleTemplate.learn(titles, min_share=KEEP_SHARE).site_keys & previous
    return fresh | kept


def version_template(latest: dict | None) -> frozenset[str]:
    """The template a stored version's headline was read with (a ``Store.latest_raw`` row)."""
    return decode(latest.get("title_template")) if latest else frozenset()


def rederived(latest: dict, keys: frozenset[str], selectors: Selectors | None) -> Extracted | None:
    """The latest version as it reads with the template ``keys``: its headline re-derived from its
    own page, everything else as stored (only the template differs, not the extractor's other
    judgements); None when its page does not read with ``<title>`` or yields no article."""
    from redline.crawler.pipelines import extract_page

    charset = f"text/html; charset={latest['encoding']}" if latest["encoding"] else None
    try:
        again = extract_page(latest["raw_html"], charset, latest["source_url"] or "", selectors, keys)
    except NoArticle:
        return None
    if again.title_template is None:
        return None
    return replace(again, body=latest["body"], byline=latest["byline"], published=latest["published"],
                   modified=latest["modified"], method=latest["method"],
                   extractor_version=latest["extractor_version"], encoding=latest["encoding"], canonical_url=None)
