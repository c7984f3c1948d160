"""Choosing the headline: the visible heading confirmed by what the publisher declares.

The ``<h1>`` is what readers see, but some pages have several (logo, section name, teaser) or
none.  ``og:title``, the JSON-LD ``headline`` and ``<title>`` name the story reliably but often
carry the site name ("… | The Moscow Times", "…_科技_腾讯网").  So, on pages that declare
og:title / JSON-LD / twitter:title (:func:`choose`): an ``<h1>`` agreeing with a declared title
wins; otherwise the declared titles with the site name cut off.  On pages whose only declared
title is ``<title>`` (:class:`TitleOnly`): the page's own heading agreeing with a part of it that
is not the site's name, or, when ``<title>`` names only the site, the heading right above the
body.  An outlet's other titles teach which parts are its name (:class:`TitleTemplate`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree
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


def visible_text(element: HtmlElement) -> str:
    """An element's cleaned text without script, style and template code (see rules.VISIBLE_TEXT)."""
    return clean_text("".join(rules.VISIBLE_TEXT(element)))


def choose(tree: HtmlElement, page: PageMeta, url: str) -> str:
    """The article headline, or "" when the page declares none."""
    h1s = [visible_text(h) for h in rules.H1(tree)]
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


# --- pages that declare no headline but <title> -------------------------------------------------
#
# Old markup (and many small outlets today) has no og:title and no JSON-LD: the <title> is the
# only declared name, and it is seldom the headline alone ("ExampleTimes.com: <headline>",
# "<headline> - Section | Site", or only "The Example Argus").  The headline readers see stands in
# the page as a heading, often not an <h1> (a bold line, a <span class="storytitle">).  So:
#   1. a page element whose whole text agrees with a run of <title> parts that is not the site's
#      name is the headline, as the page writes it (its case, its quotes);
#   2. otherwise the <title> names only the site (or site + section): the heading nearest above
#      the body's first paragraph is the headline; failing that, the <title> with site parts cut.

_KEY_DROP = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Comparison key for headline agreement: case-folded letters and digits only, so "Saj's" =
    "Sajs" and "Man Utd: win" = "Man Utd - win" (titles drop or swap punctuation)."""
    return _KEY_DROP.sub("", clean_text(text).casefold())


def title_parts(title: str) -> list[str]:
    """``<title>`` cut at its separators (see :data:`rules.TITLE_SEPARATOR`), empty parts dropped."""
    return [p for p in (clean_text(p) for p in rules.TITLE_SEPARATOR.split(clean_text(title))) if p]


@dataclass(frozen=True)
class TitleTemplate:
    """What one outlet's ``<title>`` strings share: its name and its section names (as keys).

    Learned from the titles of the outlet's *other* articles: a part that repeats across them
    ("The Example Argus", "Local Sports Desk") is furniture of the template, whatever the
    outlet calls itself, and is never the headline.
    """

    site_keys: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, titles: Iterable[str], min_share: float = rules.TEMPLATE_MIN_SHARE) -> TitleTemplate:
        """Parts seen in at least ``min_share`` of ``titles`` (and in two at least)."""
        counts: Counter[str] = Counter()
        total = 0
        for title in titles:
            keys = {_key(p) for p in title_parts(title)} - {""}
            if keys:
                total += 1
                counts.update(keys)
        needed = max(rules.TEMPLATE_MIN_TITLES, min_share * total)
        return cls(frozenset(k for k, n in counts.items() if n >= needed))


@dataclass
class _Candidate:
    text: str
    key: str
    strength: int  #: 3 = <h1>/<h2>, 2 = other heading, headline class or big type, 1 = bold
    order: int


def _strength(element: HtmlElement) -> int:
    """How strongly markup says "heading" (0: not at all)."""
    tag = element.tag
    if tag in ("h1", "h2"):
        return 3
    style = element.get("style", "")
    if tag in rules.HEADING_TAGS or rules.HEADLINE_CLASS.search(
            f"{element.get('class', '')} {element.get('id', '')}") or rules.BIG_STYLE.search(style):
        return 2
    if tag == "font":
        size = (element.get("size") or "").strip()
        relative = size.startswith("+") and size[1:].isdigit()
        if relative or (size.isdigit() and int(size) >= rules.BIG_FONT_SIZE):
            return 2
    if tag in rules.BOLD_TAGS or rules.BOLD_STYLE.search(style):
        return 1
    return 0


def _not_a_headline(text: str) -> bool:
    """A date or time line, a byline, or too few letters to say anything."""
    return (sum(ch.isalpha() for ch in text) < rules.MIN_HEADLINE_LETTERS
            or not rules.DATE_WORDS.sub("", text).strip() or rules.BYLINE_LINE.match(text) is not None)


def _candidates(tree: HtmlElement) -> list[_Candidate]:
    """Short visible elements that may be the headline, strongest markup per distinct text.

    An element and its only child often carry the same text (``<td class=topstory><b>…``): they
    are one candidate with the strongest markup of the chain.  One walk: raw text lengths are
    summed bottom-up, so only short elements have their text assembled.
    """
    body = tree.find("body")
    root = body if body is not None else tree
    by_key: dict[str, _Candidate] = {}
    lengths: list[int] = []  # raw text length of each open element so far
    orders: list[int] = []
    nested: list[bool] = []  # whether each open element holds a block-level element
    skipped = 0  # open elements whose content is never a headline (links, menus, scripts)
    order = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        is_element = isinstance(element.tag, str)
        skip = is_element and element.tag in rules.HEADLINE_SKIP_TAGS
        if event == "start":
            order += 1
            lengths.append(len(element.text or "") if is_element else 0)
            orders.append(order)
            nested.append(False)
            skipped += skip
            continue
        length, start, holds_blocks = lengths.pop(), orders.pop(), nested.pop()
        if lengths and element is not root:
            lengths[-1] += length + len(element.tail or "")
            # a trailing <br> inside a bold headline line makes no container of it
            nested[-1] = nested[-1] or holds_blocks or (is_element and element.tag in rules.BLOCK_TAGS
                                                        and element.tag != "br")
        skipped -= skip
        # a container of blocks (a header holding the headline and its standfirst) is not one
        if (not is_element or skip or skipped or holds_blocks or not length
                or length > rules.HEADLINE_RAW_CHARS):
            continue
        text = visible_text(element)
        if not (MIN_HEADLINE_CHARS <= len(text) <= rules.MAX_HEADLINE_CHARS):
            continue
        key = _key(text)
        if not key:
            continue
        strength = _strength(element)
        known = by_key.get(key)
        if known is None:
            by_key[key] = _Candidate(text, key, strength, start)
        elif strength > known.strength:  # the same words in stronger type: the page's headline
            known.text, known.strength = text, strength
        elif strength == known.strength and start < known.order:
            known.text, known.order = text, start
    return sorted(by_key.values(), key=lambda c: c.order)


def _most_of(short: str, long: str) -> bool:
    """Whether the key ``short`` stands in ``long`` and makes up most of it (see
    :data:`rules.LEARNED_NAME_SHARE`): the same name with a word more or less."""
    return (len(short) >= rules.SITE_SUBSTRING_MIN_CHARS and short in long
            and len(short) >= rules.LEARNED_NAME_SHARE * len(long))


class TitleOnly:
    """Headline choice for a page whose only declared title is ``<title>``.

    Built from the raw tree (before furniture is cut); :meth:`agreed` answers at once when a page
    element agrees with the title, :meth:`near_body` needs the body's position in the cleaned
    blocks (it is asked after the body is chosen).
    """

    def __init__(self, tree: HtmlElement, page: PageMeta, url: str,
                 template: TitleTemplate | None = None) -> None:
        self.title = clean_text(page.title)
        self.page, self.url = page, url
        self.sites = {_key(s) for s in _site_names(page, url)} - rules.GENERIC_HOST_LABELS - {""}
        self.learned = frozenset(template.site_keys if template else ())
        self.parts = title_parts(self.title)
        self.part_keys = [_key(p) for p in self.parts]
        self.site_part = [self._is_site(k, p) for k, p in zip(self.part_keys, self.parts)]
        self.candidates = _candidates(tree)
        self._eligible: dict[str, bool] = {}

    def eligible(self, cand: _Candidate) -> bool:
        """Neither the site's name nor a date, byline or letterless line (judged once, when asked:
        most candidates never match anything)."""
        known = self._eligible.get(cand.key)
        if known is None:
            known = self._eligible[cand.key] = (not self._is_site(cand.key, cand.text)
                                                and not _not_a_headline(cand.text))
        return known

    def _is_site(self, key: str, text: str = "") -> bool:
        """Whether a part (or page text) is the site's name: equal to one, holding a long one, or
        naming a short one as a whole word ("The Example Argus" for ``argus.example``); or a part
        the outlet's template repeats, give or take a word ("The Valley Courier" for a learned
        "Valley Courier", and the other way round).  A learned part is a whole title part, often a section
        ("Politics"): found *inside* a headline ("Why politics matters") it names nothing."""
        if not key:
            return True
        if key in self.learned or any(_most_of(k, key) or _most_of(key, k) for k in self.learned):
            return True
        least = rules.SITE_SUBSTRING_MIN_CHARS
        words = set(_key(w) for w in text.split()) if text else set()
        return any(key == s or (len(s) >= least and s in key) or (len(key) >= least and key in s)
                   or s in words for s in self.sites)

    @property
    def only_site(self) -> bool:
        """Whether every part of ``<title>`` is the site's name or a known section."""
        return all(self.site_part)

    def _runs(self) -> list[tuple[str, bool]]:
        """Keys of every run of adjacent title parts, with whether the run is all site parts."""
        runs = []
        for i in range(len(self.parts)):
            for j in range(i + 1, len(self.parts) + 1):
                runs.append(("".join(self.part_keys[i:j]), all(self.site_part[i:j])))
        return runs

    def agreed(self) -> str:
        """The page's own text for the longest run of title parts it shows, or ""."""
        if not self.title or self.only_site:
            return ""
        runs = {key for key, site in self._runs() if not site}
        title_key = _key(self.title)
        best: tuple[int, int, int] | None = None
        chosen = ""
        for cand in self.candidates:
            for text in self._variants(cand.text):
                key = _key(text)
                if len(key) < rules.MIN_TITLE_AGREEMENT_CHARS:
                    continue
                agrees = key in runs or (cand.strength and self._aligned_in(key, title_key))
                if agrees and self.eligible(cand):
                    score = (len(key), cand.strength, -cand.order)
                    if best is None or score > best:
                        best, chosen = score, text
        return chosen

    def reworded(self) -> str:
        """A heading saying most of the words of the title's headline part, reworded (the newsroom
        edited the visible headline, the SEO ``<title>`` kept the first wording), or ""."""
        kept = " ".join(p for p, site in zip(self.parts, self.site_part) if not site)
        if not kept:
            return ""
        best: tuple[float, int, int] | None = None
        chosen = ""
        wanted = Counter(tokens(kept))
        total = sum(wanted.values())
        for cand in self.candidates:
            if (cand.strength >= 2 and len(tokens(cand.text)) <= rules.REWORDED_MAX_LENGTH_RATIO * total
                    and _same_story(cand.text, kept) and self.eligible(cand)):
                share = sum((Counter(tokens(cand.text)) & wanted).values()) / total
                # a wrapper holding the headline and its standfirst shares as many words: the
                # stronger, shorter heading is the headline
                score = (share, cand.strength, -len(cand.text))
                if best is None or score > best:
                    best, chosen = score, cand.text
        return chosen

    @staticmethod
    def _variants(text: str) -> list[str]:
        stripped = rules.HEADING_DATE_TAIL.sub("", text)
        return [text, stripped] if stripped and stripped != text else [text]

    def _aligned_in(self, key: str, title_key: str) -> bool:
        """``key`` occurs in the title, starting or ending where a title part does (a part may
        glue the site to the headline without a separator: "AKI - Adnkronos international
        Algeria: …")."""
        bounds = {0}
        offset = 0
        for part in self.part_keys:
            offset += len(part)
            bounds.add(offset)
        start = title_key.find(key)
        while start != -1:
            if start in bounds or start + len(key) in bounds:
                return True
            start = title_key.find(key, start + 1)
        return False

    def near_body(self, block_keys: Sequence[str], body_start: int) -> str:
        """The heading nearest above the body's first paragraph (up to ``MAX_HEADLINE_DISTANCE``
        blocks, that block included; in one block, a real heading before a bold line).  Nearest,
        not strongest: a section's ``<h2>`` in the column before the story is further away than
        the story's bold headline line.  Never below the body's start: a bold subhead inside the
        story is not its headline."""
        strong = [(squash(c.text), c) for c in self.candidates if c.strength]
        best: tuple[bool, int, int] | None = None
        chosen = ""
        low = max(0, body_start - rules.MAX_HEADLINE_DISTANCE)
        high = min(body_start + 1, len(block_keys))
        for index in range(low, high):
            block_key = block_keys[index]
            for key, cand in strong:
                # a table row is one block: a headline cell starts it
                if (block_key == key or block_key.startswith(key)) and self.eligible(cand):
                    score = (-abs(index - body_start), cand.strength >= 2, len(key))
                    if best is None or score > best:
                        best, chosen = score, cand.text
        return chosen

    def confirm(self, agreed: str, block_keys: Sequence[str], body_start: int) -> str:
        """``agreed`` unless it stands far above the body while a heading stands right above it.

        A ``<title>`` of site and section ("Example Argus - Local Sports Desk") agrees with the
        section's own heading at the top of the page; the story's headline is the heading next
        to the story.  When ``agreed`` is not among the blocks (cut as furniture) it stays.
        """
        if body_start < 0:
            return agreed
        key = squash(agreed)
        positions = [i for i, k in enumerate(block_keys) if k == key or k.startswith(key)]
        if not positions or any(i >= body_start - rules.MAX_HEADLINE_DISTANCE for i in positions):
            return agreed
        return self.near_body(block_keys, body_start) or agreed

    def fallback(self) -> str:
        """No agreeing element and no heading near the body: the title without its site parts."""
        kept = [p for p, site in zip(self.parts, self.site_part) if not site]
        if kept and len(kept) < len(self.parts):
            return max(kept, key=len)
        if self.title:
            return strip_site_name(self.title, self.page, self.url)
        h1s = [c for c in self.candidates if c.strength == 3 and self.eligible(c)]
        return h1s[0].text if h1s else ""


def declares_headline(page: PageMeta) -> bool:
    """Whether the page names its headline in metadata (og:title, JSON-LD, twitter:title)."""
    return bool(page.meta.get("og:title") or page.ld_headline or page.meta.get("twitter:title"))
