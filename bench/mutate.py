"""Version sequences for the change benchmark: real corpus pages, mutated with lxml.

A :class:`Story` is one corpus page prepared once: its tree, the paragraph elements that carry
the article text, the headline.  :meth:`Story.render` turns a :class:`State` into the answer
served at one step.  Everything random is drawn from ``random.Random`` seeded with the run's
seed and the page id, so a seed names one benchmark exactly and another seed is another one.

Noise *families* (never an edit), each a generator of random variants rather than one rule:

- ``markup``: a whole-page markup-only rewrite (:mod:`bench.markup`): attribute order and quoting,
  void tags, tag case, indentation, re-wrapped lines, CRLF, ``&nbsp;``, numeric references, every
  paragraph re-wrapped in a ``<div>``/``<span>`` with content-like or boilerplate-like classes;
- ``chrome``: page chrome *outside* the article that rotates: clock, comment counter, cookie
  banner, Most read / Related / Trending lists (some with teaser sentences), ad slot ids; script
  nonces, CSRF tokens, inline JSON state and cache-busting asset URLs change on *every* response;
- ``inarticle``: boilerplate *inside* the article that rotates: newsletter and donation promos,
  "Read more: …" blocks, ad slots (and, on some pages, an "updated" line, a related list,
  tracking parameters on the article's links), in random shapes and positions;
- ``transient``: a 5xx, a dropped connection or a single 404, then recovery.

Edits (always an edit): ``headline`` reworded, ``word`` (one word or number changed),
``sentence`` appended to a paragraph, ``paragraph_removed`` (first, middle or last, short or
long), ``correction`` appended, a headline A/B test and its flip back, and ``removal`` (two
404/410 answers).  Texts come in the page's language (:mod:`bench.texts`).
"""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass, field, replace

import lxml.html
from lxml.html import HtmlElement

from bench.markup import Style, random_style, serialise, wrap_paragraphs
from bench.texts import text, variant
from redline.crawler.extract.normalize import clean_text, squash, text_size

NOISE_FAMILIES = ("markup", "chrome", "inarticle", "transient")
#: Content edits that must always be reported (cumulative once applied).
EDITS = ("headline", "word", "sentence", "paragraph_removed", "correction")
#: Answers of the transient family (each followed by recovery); "drop" closes the connection unanswered.
TRANSIENT_ANSWERS = ("500", "502", "503", "504", "drop", "404")
#: Tags a paragraph element may have: inserting a block next to an ``<li>`` or ``<td>`` would
#: produce markup the parser restructures, which is not what the mutation means.
PARAGRAPH_TAGS = frozenset({"p", "div"})
#: Shortest paragraph (Latin-equivalent characters) that anchors a mutation: shorter extracted
#: lines are labels or initials ("MD", "See more photos:"), not where an editor appends text.
MIN_ANCHOR_SIZE = 40
#: A page needs this many paragraph elements for "remove a paragraph" to leave an article.
MIN_PARAGRAPHS_FOR_REMOVAL = 3
#: A removed paragraph of at least this many Latin-equivalent characters is reported as "long".
LONG_PARAGRAPH = 400
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]{4,}")
_WIDE_CHAR = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_CHROME_ITEMS = ("clock", "comments", "cookie", "mostread", "related", "trending", "ad")
_INARTICLE_ITEMS = ("newsletter", "donation", "readmore", "ad")
_INARTICLE_EXTRAS = ("timestamp", "related", "tracking")


@dataclass(frozen=True)
class State:
    """What one page looks like at one step."""

    markup: int = 0       #: which redeploy's markup (0: the page as parsed)
    chrome: int = 0       #: rotation of the visible chrome outside the article
    inarticle: int = 0    #: rotation of the boilerplate inside the article
    tick: int = 0         #: the response number: nonces, CSRF tokens, JSON state, asset URLs
    edits: frozenset[str] = frozenset()
    headline_b: bool = False
    answer: str = "200"   #: "200", a status, or "drop"


@dataclass
class Plan:
    """A page's random choices for one seed: where churn goes, which paragraphs edits touch."""

    chrome: list[tuple[str, str, int]] = field(default_factory=list)      #: (item, place, shape)
    inarticle: list[tuple[str, int, int]] = field(default_factory=list)   #: (item, gap, shape)
    targets: dict[str, int] = field(default_factory=dict)                 #: edit → paragraph index
    variants: dict[str, str] = field(default_factory=dict)                #: edit → variant label
    swap: tuple[str, str] | None = None                                   #: word edit: old → new
    headline_swap: tuple[str, str] | None = None
    removal_status: int = 404
    #: Edits this page cannot take, with why (a planned edit must change the story's text).
    dropped: dict[str, str] = field(default_factory=dict)


@dataclass
class Story:
    """One corpus page ready to be mutated."""

    page_id: str
    lang: str
    encoding: str
    tree: HtmlElement
    paragraph_paths: list[str]
    headline: str
    others: list[str]   #: other pages' headlines, for rotating lists
    teasers: list[str]  #: other pages' first paragraphs, for lists with summaries
    doctype: str
    plan: Plan = field(default_factory=Plan)
    seed: int = 0

    def paragraphs(self, tree: HtmlElement) -> list[HtmlElement]:
        return [tree.xpath(p)[0] for p in self.paragraph_paths]

    @property
    def applicable_edits(self) -> tuple[str, ...]:
        """The edits this page can take under its plan."""
        out = [e for e in EDITS if e in self.plan.targets or e in self.plan.variants]
        return tuple(out)

    def _headline_elements(self, tree: HtmlElement) -> list[HtmlElement]:
        key = squash(self.headline)
        return [h for h in tree.iter("h1", "h2") if squash(h.text_content()) == key]

    def render(self, state: State) -> tuple[int, str]:
        """(status, HTML) of the page in ``state``; status 0 means "drop the connection"."""
        if state.answer == "drop":
            return 0, ""
        if state.answer != "200":
            status = int(state.answer)
            return status, f"<html><body><h1>{status}</h1><p>Error {status}</p></body></html>"
        tree = copy.deepcopy(self.tree)
        paragraphs = self.paragraphs(tree)
        _insert_inarticle(self, paragraphs, state)
        _insert_chrome(self, tree, paragraphs, state)
        current = self.headline
        if "headline" in state.edits:
            current = _edited_headline(self, current)
        if state.headline_b:
            current = variant(text(self.lang, "headline_b"), 0).format(h=current)
        if current != self.headline:
            self._set_headline(tree, current)
        _apply_body_edits(self, paragraphs, state.edits)
        style = Style()
        if state.markup:
            style = random_style(random.Random(f"{self.seed}/{self.page_id}/markup/{state.markup}"))
            if style.wrap:
                wrap_paragraphs(tree, style.wrap, style.wrap_class)
        rng = random.Random(f"{self.seed}/{self.page_id}/serialise/{state.markup}")
        return 200, serialise(tree, self.doctype, style, rng)

    def markup_label(self, n: int) -> str:
        from bench.markup import describe

        return describe(random_style(random.Random(f"{self.seed}/{self.page_id}/markup/{n}")))

    def _set_headline(self, tree: HtmlElement, new: str) -> None:
        """Reword the headline everywhere the page states it: ``<h1>``, title, og/twitter, JSON-LD."""
        old = self.headline
        for element in self._headline_elements(tree):
            for child in list(element):
                element.remove(child)
            element.text = new
        for element in tree.iter("title"):
            element.text = (element.text or "").replace(old, new)
        for meta in tree.xpath("//meta[@content]"):
            name = (meta.get("property") or meta.get("name") or "").lower()
            if name in {"og:title", "twitter:title", "title"}:
                meta.set("content", meta.get("content").replace(old, new))
        escaped_old, escaped_new = json.dumps(old)[1:-1], json.dumps(new)[1:-1]
        for script in tree.xpath("//script[contains(@type, 'ld+json')]"):
            if script.text:
                script.text = script.text.replace(escaped_old, escaped_new).replace(old, new)


def prepare(page_id: str, lang: str, encoding: str, html: str, body: str, headline: str,
            others: list[str], teasers: list[str], seed: int = 0) -> Story | None:
    """Locate the article's paragraph elements and draw the page's plan; ``None`` when too few.

    ``body``/``headline`` are what redline extracted from the unmutated page: the mutations
    are placed where the extractor found the article.
    """
    tree = lxml.html.document_fromstring(html)
    paths = _paragraph_paths(tree, {squash(p) for p in body.split("\n\n") if p})
    if not paths:
        return None
    doctype = tree.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    story = Story(page_id, lang, encoding, tree, paths, clean_text(headline), others, teasers, doctype,
                  seed=seed)
    story.plan = draw_plan(story, random.Random(f"{seed}/{page_id}/plan"))
    return story


def _paragraph_paths(tree: HtmlElement, wanted: set[str]) -> list[str]:
    """Paths of the paragraph elements whose text is one of ``wanted`` and appears once in the page
    (an edit to one of two identical paragraphs is not an edit to the story's text)."""
    counts: dict[str, int] = {}
    for element in tree.iter(*PARAGRAPH_TAGS):
        key = squash(element.text_content())
        counts[key] = counts.get(key, 0) + 1
    paths = []
    for element in tree.iter(*PARAGRAPH_TAGS):
        key = squash(element.text_content())
        if text_size(element.text_content().strip()) < MIN_ANCHOR_SIZE or counts[key] > 1:
            continue
        if key in wanted and not any(squash(c.text_content()) == key for c in element.iter(*PARAGRAPH_TAGS)
                                     if c is not element):
            wanted.discard(key)
            paths.append(tree.getroottree().getpath(element))
    return paths


def restrict(story: Story, baseline_body: str) -> Story | None:
    """The story with edits only on paragraphs redline extracts from the page as first served.

    Churn inserted next to the story can move the extractor's first reading; an edit to a
    paragraph that reading left out is not an edit to the tracked text.  The plan is redrawn.
    """
    keys = {squash(p) for p in baseline_body.split("\n\n") if p}
    paths = [p for p in story.paragraph_paths if squash(story.tree.xpath(p)[0].text_content()) in keys]
    if not paths:
        return None
    if paths != story.paragraph_paths:
        story = replace(story, paragraph_paths=paths)
        story.plan = draw_plan(story, random.Random(f"{story.seed}/{story.page_id}/plan"))
    return story


def draw_plan(story: Story, rng: random.Random) -> Plan:
    """The page's churn layout and edit targets for one seed."""
    paragraphs = story.paragraphs(story.tree)
    n = len(paragraphs)
    plan = Plan()
    items = list(_CHROME_ITEMS)
    rng.shuffle(items)
    for item in items[:rng.randint(4, len(items))]:
        plan.chrome.append((item, rng.choice(["header", "footer", "sidebar", "before"]), rng.randrange(3)))
    for item in [*_INARTICLE_ITEMS, *(e for e in _INARTICLE_EXTRAS if rng.random() < 0.5)]:
        plan.inarticle.append((item, rng.randrange(n + 1), rng.randrange(3)))
    free = list(range(n))
    if story.headline and story._headline_elements(story.tree):
        plan.variants["headline"] = rng.choice(["suffix", "swap", "truncate"])
        words = words_of(story.headline, story.lang)
        pool = [w for w in _article_words(paragraphs, story.lang) if w not in words]
        if words and pool:
            plan.headline_swap = (rng.choice(words), rng.choice(pool))
        elif plan.variants["headline"] == "swap":
            plan.variants["headline"] = "suffix"
    if n >= MIN_PARAGRAPHS_FOR_REMOVAL:
        position = rng.choice(["first", "middle", "last"])
        if position == "middle":
            middle = sorted(range(1, n - 1), key=lambda i: text_size(paragraphs[i].text_content()))
            index = middle[0] if rng.random() < 0.5 else middle[-1]
        else:
            index = 0 if position == "first" else n - 1
        size = "long" if text_size(paragraphs[index].text_content()) >= LONG_PARAGRAPH else "short"
        plan.targets["paragraph_removed"] = index
        plan.variants["paragraph_removed"] = f"{position}/{size}"
        free.remove(index)
    rng.shuffle(free)
    with_number = [i for i in free if any(_NUMBER.search(v) for v in _visible_strings(paragraphs[i]))]
    if free:
        words_pool = _article_words(paragraphs, story.lang)
        if with_number and rng.random() < 0.5:
            plan.targets["word"], plan.variants["word"] = with_number[0], "number"
        else:
            for index in free:
                # words whole in one visible text node: "M<span>ath</span>" (a drop cap) has no
                # "Math" to replace, and a word in a comment is not the story's text
                own = sorted({w for v in _visible_strings(paragraphs[index]) for w in words_of(v, story.lang)})
                replacement = [w for w in words_pool if w not in own]
                if own and replacement:
                    plan.targets["word"], plan.variants["word"] = index, "word"
                    plan.swap = (rng.choice(own), rng.choice(replacement))
                    break
            else:
                if with_number:
                    plan.targets["word"], plan.variants["word"] = with_number[0], "number"
        if "word" in plan.targets and not edit_changes_text(story, "word", plan):
            plan.dropped["word"] = "no word or number of the story's text can be changed"
            del plan.targets["word"], plan.variants["word"]
            plan.swap = None
        if "word" in plan.targets:
            free.remove(plan.targets["word"])
    if free:
        plan.targets["sentence"] = free[0]
        plan.variants["sentence"] = "appended"
    plan.variants["correction"] = rng.choice(["plain", "em", "box"])
    plan.removal_status = rng.choice([404, 410])
    for edit in [e for e in EDITS if e != "word" and (e in plan.targets or e in plan.variants)]:
        if not edit_changes_text(story, edit, plan):  # never a no-op counted as an edit
            plan.dropped[edit] = "the edit leaves the story's text as it was"
            plan.targets.pop(edit, None)
            plan.variants.pop(edit, None)
    return plan


def story_text(story: Story, tree: HtmlElement) -> tuple[str, str]:
    """(headline, visible text of the article's container) of a rendered tree, whitespace-blind:
    what an edit must change (scripts, styles and comments left out)."""
    paragraphs = story.paragraphs(tree)
    root = copy.deepcopy(_article_container(paragraphs)) if paragraphs else tree
    for element in root.xpath(".//script | .//style | .//comment()"):
        element.drop_tree()
    headlines = [squash(h.text_content()) for h in tree.iter("h1", "h2")]
    return " | ".join(headlines), squash(root.text_content())


def edit_changes_text(story: Story, edit: str, plan: Plan) -> bool:
    """Whether ``edit`` under ``plan`` changes the page's headline or article text: a planned edit
    that changes nothing (a word split across two text nodes, a swap that finds nothing) would
    count as a missed edit that no detector could see."""
    trial = replace(story, plan=plan)
    before = trial.tree
    after = copy.deepcopy(trial.tree)
    paragraphs = trial.paragraphs(after)
    if edit == "headline":
        trial._set_headline(after, _edited_headline(trial, trial.headline))
    else:
        _apply_body_edits(trial, paragraphs, frozenset({edit}))
    if edit == "paragraph_removed":  # the removed paragraph's own element is gone: compare the page
        return squash(before.text_content()) != squash(after.text_content())
    return story_text(trial, before) != story_text(trial, after)


def words_of(content: str, lang: str) -> list[str]:
    """Words an edit may swap: characters in Chinese and Japanese, else letter runs of 4+."""
    if lang in {"zh", "ja"}:
        return _WIDE_CHAR.findall(content)
    return [w for w in _WORD.findall(content) if not _WIDE_CHAR.search(w)]


def _article_words(paragraphs: list[HtmlElement], lang: str) -> list[str]:
    words: list[str] = []
    for paragraph in paragraphs:
        words += words_of(paragraph.text_content(), lang)
    return sorted(set(words))


# --- churn ---------------------------------------------------------------------------------------


def _element(html: str) -> HtmlElement:
    return lxml.html.fragment_fromstring(html)


def _links(story: Story, start: int, count: int) -> list[tuple[str, str]]:
    indexes = [(start + i) % len(story.others) for i in range(count)]
    return [(f"/story/{index}", story.others[index]) for index in indexes]


def _inarticle_block(story: Story, item: str, shape: int, n: int) -> HtmlElement | None:
    lang = story.lang
    if item == "newsletter":
        letter = variant(text(lang, "newsletter"), n)
        return _element([f'<div class="newsletter-signup"><p>{letter}</p><form><input type="email">'
                         f'<button>OK</button></form></div>',
                         f"<p><strong>{letter}</strong></p>",
                         f'<p><a href="/newsletters?n={n}">{letter}</a></p>'][shape])
    if item == "donation":
        appeal = variant(text(lang, "donation"), n)
        return _element([f'<aside class="donate-appeal"><p>{appeal}</p></aside>', f"<p><em>{appeal}</em></p>",
                         f'<div class="support-box"><h4>{variant(text(lang, "donation"), n + 1)[:24]}</h4>'
                         f'<p>{appeal} <a href="/donate?c={n}">→</a></p></div>'][shape])
    if item == "readmore":
        (href, title), = _links(story, n * 3 + shape, 1)
        prefix = variant(text(lang, "readmore"), 0)
        return _element([f'<p>{prefix} <a href="{href}">{title}</a></p>', f'<p><a href="{href}">{title}</a></p>',
                         f'<p><strong>{prefix}</strong> <a href="{href}">{title}</a></p>'][shape])
    if item == "ad":
        label = variant(text(lang, "ad"), n)
        return _element([f'<div id="div-gpt-ad-{1000 + n}" class="ad-slot"><span>{label}</span></div>',
                         f'<div data-slot="{1000 + n}"><span>{label}</span> <a href="https://ads.example/c?{n}">'
                         f'{story.others[n % len(story.others)]}</a></div>',
                         f'<div id="slot-{n * 7919 % 100000}"><small>{label}</small></div>'][shape])
    if item == "timestamp":
        minutes = 3 + 7 * n
        return _element([f'<p class="article-updated">{variant(text(lang, "updated"), 0).format(n=minutes)}</p>',
                         f'<div><time datetime="2024-05-0{1 + n % 9}T1{n % 10}:05:00Z">{1 + n % 9} May 2024, '
                         f'1{n % 10}:05</time></div>',
                         f'<p><small>{variant(text(lang, "updated"), 0).format(n=minutes)}</small></p>'][shape])
    if item == "related":
        items = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in _links(story, n * 4, 4))
        return _element([f'<div class="related-stories"><h3>{variant(text(lang, "related"), 0)}</h3>'
                         f'<ul>{items}</ul></div>',
                         f'<section><h2>{variant(text(lang, "mostread"), 0)}</h2><ol>{items}</ol></section>',
                         f'<div><p><b>{variant(text(lang, "related"), 0)}</b></p><ul>{items}</ul></div>'][shape])
    return None


def _insert_inarticle(story: Story, paragraphs: list[HtmlElement], state: State) -> None:
    n = state.inarticle
    for item, gap, shape in story.plan.inarticle:
        if item == "tracking":
            for paragraph in paragraphs:
                for link in paragraph.iter("a"):
                    if link.get("href"):
                        link.set("href", link.get("href").split("?")[0]
                                 + f"?utm_source=newsletter&utm_campaign=c{n}")
            continue
        block = _inarticle_block(story, item, shape, n)
        if block is None:
            continue
        if gap < len(paragraphs):
            paragraphs[gap].addprevious(block)
        else:
            paragraphs[-1].addnext(block)


def _article_container(paragraphs: list[HtmlElement]) -> HtmlElement:
    """The deepest element holding every article paragraph."""
    ancestors = [set(p.iterancestors()) for p in paragraphs]
    for candidate in paragraphs[0].iterancestors():
        if all(candidate in a for a in ancestors[1:]):
            return candidate
    return paragraphs[0].getparent()


def _chrome_block(story: Story, item: str, shape: int, n: int) -> HtmlElement:
    lang = story.lang
    same_lang = story.teasers
    if item == "clock":
        return _element([f'<div class="header-clock">{(8 + n) % 24:02d}:{(17 * n) % 60:02d}</div>',
                         f'<span id="clock"><time>{1 + n % 28} Dec 2026 {(9 + n) % 24}:{(7 * n) % 60:02d}</time></span>',
                         f'<p class="date-now">{1 + n % 28}.12.2026 {(9 + n) % 24}:{(7 * n) % 60:02d}</p>'][shape])
    if item == "comments":
        label = variant(text(lang, "comments"), 0).format(n=12 + 5 * n)
        return _element([f'<a class="comment-count" href="#comments">{label}</a>',
                         f'<div><a href="#comments">{label}</a></div>', f'<p><span>{label}</span></p>'][shape])
    if item == "cookie":
        if n % 2:  # the banner comes and goes (consent remembered, then expired)
            return _element("<div></div>")
        banner = variant(text(lang, "cookie"), 0)
        accept = variant(text(lang, "accept"), 0)
        return _element([f'<div id="cookie-consent" class="cookie-banner"><p>{banner}</p><button>{accept}</button></div>',
                         f'<div role="dialog"><p>{banner}</p><a href="/privacy">{accept}</a></div>',
                         f'<section><p>{banner}</p><p><a href="/accept?t={n}">{accept}</a></p></section>'][shape])
    if item in ("mostread", "related", "trending"):
        title = variant(text(lang, item), 0)
        start = n * 3 + len(item)
        if shape == 2 and same_lang:  # teasers: headline and a summary sentence of another story
            entries = "".join(f'<li><a href="/story/{i}"><h3>{story.others[(start + i) % len(story.others)]}</h3></a>'
                              f'<p>{same_lang[(start + i) % len(same_lang)]}</p></li>' for i in range(3))
            return _element(f'<div><h2>{title}</h2><ul>{entries}</ul></div>')
        entries = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in _links(story, start, 5))
        return _element([f'<aside class="{item}-list"><h2>{title}</h2><ol>{entries}</ol></aside>',
                         f'<section><h3>{title}</h3><ul>{entries}</ul></section>',
                         f'<div><h2>{title}</h2><ul>{entries}</ul></div>'][shape])
    label = variant(text(lang, "ad"), n)
    return _element([f'<div id="div-gpt-ad-{5000 + 13 * n}" class="ad-slot"><span>{label}</span></div>',
                     f'<div id="ad-{(n * 7919) % 100000}"><iframe src="https://ads.example/{n}"></iframe></div>',
                     f'<div data-ad-slot="{n}"><small>{label}</small></div>'][shape])


def _insert_chrome(story: Story, tree: HtmlElement, paragraphs: list[HtmlElement], state: State) -> None:
    body = tree.find("body")
    if body is None:
        return
    container = _article_container(paragraphs)
    outside = container if container is not body else None
    n = state.chrome
    for item, place, shape in story.plan.chrome:
        block = _chrome_block(story, item, shape, n)
        if place == "header" or outside is None and place == "before":
            body.insert(0, block)
        elif place == "footer" or outside is None:
            body.append(block)
        elif place == "sidebar":
            outside.addnext(block)
        else:
            outside.addprevious(block)
    tick = state.tick
    token = f"{(tick * 2654435761) % 2**32:08x}"
    body.append(_element(f'<form class="search" action="/search"><input type="hidden" name="csrf_token" '
                         f'value="{token}{tick}"><input name="q"></form>'))
    body.append(_element(f'<script nonce="{token}">window.__INITIAL_STATE__ = {{"rev": {tick}, '
                         f'"session": "{token}"}};</script>'))
    body.append(_element(f'<script type="application/json" id="__NEXT_DATA__">{{"buildId": "{token}", '
                         f'"page": {tick}}}</script>'))
    body.append(_element(f'<script src="/static/app.js?v={token}"></script>'))
    head = tree.find("head")
    if head is not None:
        head.append(_element(f'<meta name="csrf-token" content="{token}">'))
        head.append(_element(f'<link rel="stylesheet" href="/static/site.css?v={token}">'))


# --- edits ---------------------------------------------------------------------------------------


def _edited_headline(story: Story, headline: str) -> str:
    how = story.plan.variants.get("headline", "suffix")
    if how == "swap" and story.plan.headline_swap:
        old, new = story.plan.headline_swap
        return headline.replace(old, new, 1)
    if how == "truncate":
        words = headline.split()
        if len(words) >= 4:
            return " ".join(words[:-1])
        if story.lang in {"zh", "ja"} and len(headline) >= 6:
            return headline[:-2]
    return variant(text(story.lang, "headline_edit"), 0).format(h=headline)


def _apply_body_edits(story: Story, paragraphs: list[HtmlElement], edits: frozenset[str]) -> None:
    plan, lang = story.plan, story.lang
    if "word" in edits:
        target = paragraphs[plan.targets["word"]]
        if plan.variants["word"] == "number":
            _bump_first_number(target)
        elif plan.swap:
            _replace_first(target, *plan.swap)
    if "sentence" in edits:
        separator = "" if lang in {"zh", "ja"} else " "
        _append_text(paragraphs[plan.targets["sentence"]], separator + variant(text(lang, "sentence"), 0))
    if "correction" in edits:
        note = variant(text(lang, "correction"), 0)
        how = plan.variants.get("correction", "plain")
        paragraphs[-1].addnext(_element({"plain": f"<p>{note}</p>", "em": f"<p><em>{note}</em></p>",
                                         "box": f'<div class="article-correction"><p>{note}</p></div>'}[how]))
    if "paragraph_removed" in edits:
        paragraphs[plan.targets["paragraph_removed"]].drop_tree()


#: Elements whose own text no reader sees.
_UNSEEN = frozenset({"script", "style", "noscript", "template"})


def _text_nodes(paragraph: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """The paragraph's visible text nodes as (node, "text" | "tail"): a comment's or a
    script's own text is left out (its tail, back in the paragraph, is kept)."""
    nodes = []
    for node in paragraph.iter():
        for attr in ("text", "tail"):
            if node is paragraph and attr == "tail":
                continue
            if attr == "text" and (not isinstance(node.tag, str) or node.tag in _UNSEEN):
                continue
            nodes.append((node, attr))
    return nodes


def _visible_strings(paragraph: HtmlElement) -> list[str]:
    return [v for node, attr in _text_nodes(paragraph) if (v := getattr(node, attr))]


def _bump_first_number(paragraph: HtmlElement) -> None:
    """Change the first number in the paragraph by one (2,300 → 2,301)."""
    for node, attr in _text_nodes(paragraph):
        value = getattr(node, attr)
        match = _NUMBER.search(value or "")
        if match:
            bumped = str(int(match.group()) + 1)
            setattr(node, attr, value[:match.start()] + bumped + value[match.end():])
            return


def _replace_first(paragraph: HtmlElement, old: str, new: str) -> None:
    """Replace one word of the paragraph (the first text node holding it) by another of the article."""
    for node, attr in _text_nodes(paragraph):
        value = getattr(node, attr)
        if value and old in value:
            setattr(node, attr, value.replace(old, new, 1))
            return


def _append_text(element: HtmlElement, extra: str) -> None:
    children = list(element)
    if children:
        children[-1].tail = (children[-1].tail or "").rstrip() + extra
    else:
        element.text = (element.text or "").rstrip() + extra


def bump(state: State, family: str) -> State:
    """The same page with one noise family showing its next variant."""
    if family == "markup":
        return replace(state, markup=state.markup + 1)
    if family == "chrome":
        return replace(state, chrome=state.chrome + 1)
    if family == "inarticle":
        return replace(state, inarticle=state.inarticle + 1)
    return state
