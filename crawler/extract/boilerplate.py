"""Removing page furniture: first from the tree, then from the final list of text blocks.

Two passes because furniture comes in two shapes.  Containers (a newsletter box, a related-
stories rail, a share bar, an ad slot) are recognisable by tag and class/id words and are cut
from the tree before any extractor sees it.  Loose lines (a "Read more:" paragraph, "Реклама",
"Updated 5 minutes ago") are recognisable only by their words or their link density and are
filtered from the extracted blocks.  Both passes are general: no outlet is named anywhere.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from . import rules
from .normalize import clean_text, collapse_spaces, squash, text_size


def attr_words(element: HtmlElement) -> set[str]:
    """The words of an element's class and id ("relatedArticles--top" → related, articles, top)."""
    raw = f"{element.get('class', '')} {element.get('id', '')}"
    if not raw.strip():
        return set()
    return attr_words_of(raw)


def is_furniture(element: HtmlElement) -> bool:
    """Tag or class/id says navigation, promotion, sharing, captions or metadata."""
    if element.tag in rules.FURNITURE_TAGS:
        return True
    if element.tag in rules.NEVER_FURNITURE_TAGS or element.tag in rules.TABLE_PART_TAGS:
        return False
    if (element.get("itemprop") or "").strip().lower() in rules.DATE_ITEMPROPS:
        return True
    if element.get("role") in ("navigation", "complementary", "banner", "contentinfo", "dialog"):
        return True
    return not rules.BOILERPLATE_WORDS.isdisjoint(attr_words(element))


def holds_prose(element: HtmlElement, total: int) -> bool:
    """Whether a furniture-looking element is really (part of) the article.

    True when it holds a large share of the page text, or several long paragraphs: share bars,
    newsletter boxes and related-story rails hold short teasers, not ``PROSE_PARAGRAPHS``
    paragraphs of ``PROSE_CHARS`` or more ("post author-jane status-published" is a story).
    """
    if len(element.text_content()) >= rules.FURNITURE_MAX_SHARE * total:
        return True
    long_paragraphs = 0
    for paragraph in element.iter("p"):
        if len(paragraph.text_content()) >= rules.PROSE_CHARS:
            long_paragraphs += 1
            if long_paragraphs >= rules.PROSE_PARAGRAPHS:
                return True
    return False


def drop(element: HtmlElement) -> None:
    """Remove an element with its content but keep its tail text (it belongs to the parent)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def clean_tree(tree: HtmlElement) -> HtmlElement:
    """Strip non-content elements and furniture containers from ``tree`` in place.

    A furniture-looking container is kept when :func:`holds_prose`: then the class word is
    incidental (``<div class="story ad-loaded">`` wraps the story).
    """
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(tree, *rules.DROP_TAGS, with_tail=False)
    for element in rules.HIDDEN(tree):
        drop(element)
    _drop_date_lines(tree)
    _drop_teaser_lists(tree)
    _drop_loose_lines(tree)
    _collapse_whitespace(tree)
    _drop_generated_classes(tree)
    body = tree.find("body")
    root = body if body is not None else tree
    total = max(len(root.text_content()), 1)
    _neutralise_template_classes(root, total)
    stack = list(root)
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if is_furniture(element) and not holds_prose(element, total) and not _styles_its_line(element):
            drop(element)
            continue
        stack.extend(element)
    return tree


def _styles_its_line(element: HtmlElement) -> bool:
    """An inline element (``<span class="comment-body">``) holding the whole text of its
    paragraph, few links and no furniture phrase is that paragraph's styling, not furniture: a
    template redeploy puts such classes on every ``<p>``, a correction added later included.
    Furniture comes as containers of links and short lines, or as a short part of a line (a
    "Follow" button after a byline), and both are still cut; the loose-line rules judge the
    paragraph's words as they judge every other line."""
    if element.tag in rules.BLOCK_TAGS or element.tag in rules.FURNITURE_TAGS:
        return False
    parent = element.getparent()
    if parent is None or parent.tag not in rules.BLOCK_TAGS:
        return False
    text = element.text_content().strip()
    if not text or parent.text_content().strip() != text or _link_chars(element) >= rules.LINK_DENSITY_MAX * len(text):
        return False
    return not is_boilerplate_text(text)


def _neutralise_template_classes(root: HtmlElement, total: int) -> None:
    """Remove furniture-sounding class tokens that the template puts on the story's paragraphs.

    A redeploy may wrap every paragraph in ``<div class="promo">`` or ``<span class="widget">``:
    furniture words on elements that, one paragraph each, carry the story.  Furniture is boxes
    of links and short lines; a token carried by ``rules.TEMPLATE_CLASS_REPEATS`` or more
    single-paragraph, mostly unlinked elements that together hold ``rules.TEMPLATE_CLASS_SHARE``
    of the page's text is the template's paragraph style.  It is removed before the furniture
    pass and before the voters, which read class words too.
    """
    covered: dict[str, int] = {}
    repeats: dict[str, int] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.get("class"):
            continue
        tokens = set(element.get("class").split())
        for ancestor in element.iterancestors():
            tokens -= set((ancestor.get("class") or "").split())
            if not tokens:
                break
        if not tokens or _block_descendants(element) > 1:
            continue
        text = element.text_content()
        size = len(text.strip())
        if not size or _link_chars(element) >= rules.LINK_DENSITY_MAX * size:
            continue
        for token in tokens:
            covered[token] = covered.get(token, 0) + size
            repeats[token] = repeats.get(token, 0) + 1
    neutral = {t for t, size in covered.items()
               if repeats[t] >= rules.TEMPLATE_CLASS_REPEATS and size >= rules.TEMPLATE_CLASS_SHARE * total
               and not rules.BOILERPLATE_WORDS.isdisjoint(attr_words_of(t))}
    if not neutral:
        return
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("class"):
            words = [w for w in element.get("class").split() if w not in neutral]
            if words:
                element.set("class", " ".join(words))
            else:
                del element.attrib["class"]


def _block_descendants(element: HtmlElement) -> int:
    return sum(1 for d in element.iterdescendants() if isinstance(d.tag, str) and d.tag in rules.BLOCK_TAGS)


def _link_chars(element: HtmlElement) -> int:
    return sum(len(a.text_content().strip()) for a in element.iter("a"))


def attr_words_of(raw: str) -> set[str]:
    """The words of one class or id token ("relatedArticles--top" → related, articles, top)."""
    raw = rules.CAMEL.sub(" ", raw).lower()
    return {w for w in rules.ATTR_SPLIT.split(raw) if w}


def _drop_generated_classes(tree: HtmlElement) -> None:
    """Remove generated class tokens (``css-1x2y3z``, ``x3f9e21``) before the voters run.

    Build tools re-hash them on every deploy; they carry no meaning, yet the voters score
    elements by their classes, and a deploy must not move what they keep.
    """
    for element in tree.xpath("//*[@class]"):
        words = [w for w in element.get("class").split() if not rules.GENERATED_CLASS.search(w)]
        if words:
            element.set("class", " ".join(words))
        else:
            del element.attrib["class"]


def _collapse_whitespace(tree: HtmlElement) -> None:
    """Collapse whitespace in every text node before the voters run.

    Re-wrapped lines and indentation are markup, yet the voters' length thresholds count them:
    a template re-serialised with other line breaks must not move their decisions.
    """
    for element in tree.iter():
        if element.text:
            element.text = collapse_spaces(element.text)
        if element.tail:
            element.tail = collapse_spaces(element.tail)


def _drop_loose_lines(tree: HtmlElement) -> None:
    """Drop leaf lines that are a furniture phrase or only navigation links, before the voters run.

    trafilatura and readability decide where an article ends partly from the lines around it;
    when those lines rotate (a "Read more: <other story>" link, a newsletter pitch) their
    decision can flip between fetches.  Lines redline would never keep are removed first, so
    churn cannot move the voters.
    """
    for element in list(tree.iter(*rules.LINE_TAGS)):
        if any(child.tag in rules.BLOCK_TAGS for child in element.iterdescendants()):
            continue
        text = element.text_content()
        if is_boilerplate_text(clean_text(text)) or _only_links(element, text):
            drop(element)


def _only_links(element: HtmlElement, text: str) -> bool:
    size = len(text.strip())
    if not size:
        return False
    linked = sum(len(a.text_content().strip()) for a in element.iter("a")
                 if not rules.URL_TEXT.match(a.text_content().strip()))
    return linked >= rules.LINK_ONLY_SHARE * size


def _drop_teaser_lists(tree: HtmlElement) -> None:
    """Drop lists whose every item is a teaser card: a heading and a link (and often a summary).

    "Most read" and "Related" rails with summaries hold paragraphs as long as the story's, so
    neither the prose test nor the link density gives them away; their shape does.  An article's
    own lists hold items, not headed cards.
    """
    for element in list(tree.iter("ul", "ol")):
        items = [child for child in element if child.tag == "li"]
        if len(items) < rules.TEASER_LIST_ITEMS:
            continue
        if all(any(d.tag in rules.HEADING_TAGS for d in item.iterdescendants()) and
               any(True for _ in item.iter("a")) for item in items):
            drop(element)


def _drop_date_lines(tree: HtmlElement) -> None:
    """Drop ``<time>`` elements that are a whole line ("1 May 2024, 10:05", "Обновлено 12:45").

    Such a line is the page's clock, re-rendered on every update; a ``<time>`` inside a sentence
    ("on <time>Monday</time>") is article text and stays.
    """
    for element in list(tree.iter("time")):
        parent = element.getparent()
        if parent is not None and squash(parent.text_content()) == squash(element.text_content()):
            drop(element)


def is_boilerplate_text(text: str) -> bool:
    """A short block that is only a label or call to action ("Читайте также", "Advertisement"),
    a time stamp, a byline, or a rights notice."""
    size = text_size(text)
    if size <= rules.PHRASE_MAX_CHARS and (rules.BOILERPLATE_PHRASE.match(text) is not None
                                           or rules.BYLINE_BLOCK.match(text) is not None
                                           or is_time_stamp(text)):
        return True
    return size <= rules.RIGHTS_NOTICE_MAX_CHARS and rules.RIGHTS_NOTICE.search(text) is not None


def is_time_stamp(text: str) -> bool:
    """A line that is only a date with a clock time and stamp labels, or only a clock time (a
    header clock: "09:17"); see :data:`rules.CLOCK_TIME`."""
    if rules.CLOCK_TIME.fullmatch(text.strip()) is not None:
        return True
    if rules.CLOCK_TIME.search(text) is None or rules.DATE_TOKEN.search(text) is None:
        return False
    rest = rules.STAMP_WORDS.sub("", rules.CLOCK_TIME.sub("", text))
    return not rules.DATE_WORDS.sub("", rest).strip()
