"""Article extraction: decoded HTML in, an :class:`Article` out.

Pure functions only: nothing here touches the network or the database.  The page is parsed
once with lxml and that tree is handed to every step.  The cascade:

1. **selectors** — outlet-specific CSS selectors, when configured and matching;
2. **json-ld** — the publisher's ``articleBody``, only when it agrees with the visible page and
   is not a teaser (see :func:`redline.crawler.extract.vote.from_structured`);
3. **consensus** — blocks that trafilatura and readability-lxml both back (plus gap fillers),
   see :func:`redline.crawler.extract.vote.consensus`; **trafilatura** / **readability** when only one
   of them finds anything; **json-ld-text** when only the structured body is left.

Before the body is chosen, furniture containers are cut from the tree and loose boilerplate
lines are filtered (:mod:`redline.crawler.extract.boilerplate`); every paragraph is normalised
(:mod:`redline.crawler.extract.normalize`), so churn (rotating newsletter boxes, timestamps, related
lists, ad slot ids, script nonces) and markup-only re-serialisation never reach the differ.

What the rest of redline uses: :func:`extract` (decoded HTML, the page's URL, the outlet's
:class:`~redline.core.config.Selectors` and optionally the ``<title>`` strings of the outlet's
other articles → :class:`Article`, or
:class:`~redline.core.errors.NoArticle`) and :data:`EXTRACTOR_VERSION`, stored with every version.

The headline: an ``<h1>`` confirmed by og:title / JSON-LD where the page declares them
(:func:`headline.choose`); on pages whose only declared title is ``<title>``, the page's own
heading that agrees with a part of it, or the heading right above the body when ``<title>``
names only the site (:class:`headline.TitleOnly`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from redline.core.config import Selectors
from redline.core.errors import NoArticle

from . import blocks as blocks_mod
from . import boilerplate, fallback, headline, rules, structured, vote
from .normalize import clean_text, join_paragraphs, split_paragraphs, squash

__all__ = ["EXTRACTOR_VERSION", "Article", "Selectors", "extract"]

#: Bump whenever the output for some page may change (the differ re-baselines on a bump
#: instead of reporting extractor changes as edits).
EXTRACTOR_VERSION = "2026.6"

#: Method names an :class:`Article` may carry.
METHODS = ("selectors", "json-ld", "consensus", "trafilatura", "readability", "json-ld-text")

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BY_PREFIX = re.compile(r"^(?:by|от|автор:?|par|von|por|di)\s+", re.IGNORECASE)
#: A byline longer than this is a paragraph that happens to carry a byline class.
MAX_BYLINE_CHARS = 120


@dataclass(frozen=True)
class Article:
    """One extracted version of an article; ``body`` paragraphs are separated by ``"\\n\\n"``."""

    headline: str
    body: str
    byline: str
    published: str | None
    modified: str | None
    canonical_url: str | None
    language: str | None
    method: str
    #: The page's ``<title>``, as the outlet's title template is learned from it (what the page
    #: declares, not what was extracted: not part of an article's equality).
    title: str = field(default="", compare=False)
    #: Whether the headline was read through the ``<title>`` (the page declares no og:title,
    #: JSON-LD or twitter:title): only then does the outlet's title template change it.
    title_only: bool = False


#: lxml.html's parser, with every element an ``HtmlElement`` chosen in C: lxml.html's own class
#: lookup is a Python method called for each element object made (forms and inputs get classes
#: of their own, which reading never uses), 10 % of the recheck fast path's time.
_PARSER = etree.HTMLParser()
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity))


def parse(html: str) -> HtmlElement:
    """Parse decoded HTML into an lxml tree (the only parse of the page)."""
    html = _XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        raise NoArticle("no article text found: empty page")
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise NoArticle(f"no article text found: unparsable HTML ({exc})") from exc
    _move_content_out_of_head(tree)
    return tree


def _move_content_out_of_head(tree: HtmlElement) -> None:
    """Give the page a ``<body>`` when the parser left its content in ``<head>``.

    Browsers close ``<head>`` at the first element that cannot stand there; libxml2 keeps an
    unknown one (``<mbox>``) and everything after it inside ``<head>``, where no content is
    looked for.  From the first such element on, the children move to the body.
    """
    head = tree.find("head")
    if head is None:
        return
    children = list(head)
    first = next((i for i, c in enumerate(children)
                  if isinstance(c.tag, str) and c.tag not in rules.HEAD_TAGS), None)
    if first is None:
        return
    body = tree.find("body")
    if body is None:
        body = etree.SubElement(tree, "body")
    for offset, child in enumerate(children[first:]):
        body.insert(offset, child)


def _byline(tree: HtmlElement, page: structured.PageMeta) -> str:
    """Author names: JSON-LD, then ``meta[name=author]``, ``[rel=author]``, ``.byline``."""
    if page.ld_authors:
        return ", ".join(page.ld_authors)
    meta = clean_text(page.meta.get("author", ""))
    if meta and not meta.lower().startswith(("http://", "https://")):
        return meta
    names: list[str] = []
    for element in rules.REL_AUTHOR(tree):
        name = clean_text(element.text_content())
        if name and len(name) <= MAX_BYLINE_CHARS and name not in names:
            names.append(name)
    if names:
        return ", ".join(names)
    for element in rules.BYLINE_CLASS(tree):
        name = _BY_PREFIX.sub("", clean_text(element.text_content()))
        if name and len(name) <= MAX_BYLINE_CHARS:
            return name
    return ""


def _dates(page: structured.PageMeta) -> tuple[str | None, str | None]:
    meta = page.meta
    published = (page.ld_published or meta.get("article:published_time")
                 or meta.get("og:published_time") or meta.get("datepublished")
                 or meta.get("pubdate") or meta.get("publish-date")
                 or (page.time_datetimes[0] if page.time_datetimes else None))
    modified = (page.ld_modified or meta.get("article:modified_time") or meta.get("og:updated_time")
                or meta.get("datemodified") or meta.get("last-modified"))
    return published, modified


def _language(page: structured.PageMeta) -> str | None:
    raw = (page.ld_language or page.html_lang or page.meta.get("content-language")
           or page.meta.get("og:locale") or page.meta.get("language"))
    if not raw:
        return None
    return raw.strip().split(",")[0].strip().replace("_", "-") or None


def _by_selectors(tree: HtmlElement, selectors: Selectors, headline_key: str) -> list[str]:
    """Body paragraphs from the configured body selector (with the usual boilerplate filters)."""
    if not selectors.body:
        return []
    paragraphs: list[str] = []
    for element in tree.cssselect(selectors.body):
        boilerplate.clean_tree(element)
        for block in blocks_mod.segment(element):
            if block.key != headline_key and not boilerplate.is_boilerplate_text(block.text):
                paragraphs.append(block.text)
    return paragraphs


def extract(html: str, url: str, selectors: Selectors | None = None,
            sibling_titles: Sequence[str] = (), template: headline.TitleTemplate | None = None,
            allow_empty: bool = False) -> Article:
    """Extract the article from one decoded page (deterministic, no I/O).

    ``url`` is the page's real address (its host names the site in ``<title>``);
    ``sibling_titles`` are ``<title>`` strings of the same outlet's other articles, from which
    the outlet's title template is learned (:class:`headline.TitleTemplate`), unless the
    ``template`` already learned is given (the crawler keeps one per outlet host).
    Raises :class:`~redline.core.errors.NoArticle` when no article text is found, unless
    ``allow_empty``: then the article comes back with an empty body (its headline and metadata
    still read), for a caller that can anchor the body on a previous version of the page
    (:mod:`redline.crawler.confirm`).
    """
    tree = parse(html)
    if selectors is not None:
        for css in selectors.drop:
            for element in tree.cssselect(css):
                boilerplate.drop(element)
    page = structured.collect(tree, url)
    title = ""
    if selectors is not None and selectors.headline:
        found = tree.cssselect(selectors.headline)
        title = headline.visible_text(found[0]) if found else ""
    title_only: headline.TitleOnly | None = None
    if not title:
        if headline.declares_headline(page):
            title = headline.choose(tree, page, url)
        else:
            learned = template if template is not None else headline.TitleTemplate.learn(sibling_titles)
            title_only = headline.TitleOnly(tree, page, url, learned)
            title = title_only.agreed() or title_only.reworded()
    headline_key = squash(title)
    byline = _byline(tree, page)
    published, modified = _dates(page)

    paragraphs: list[str] = []
    method = "selectors"
    if selectors is not None and selectors.body:
        paragraphs = _by_selectors(tree, selectors, headline_key)
    block_keys: list[str] = []
    body_start = -1
    if not paragraphs:
        paragraphs, method, block_keys, body_start = _general(tree, page, url, headline_key)
    if title_only is not None:
        if title:
            title = title_only.confirm(title, block_keys, body_start)
        else:
            near = title_only.near_body(block_keys, body_start) if body_start >= 0 else ""
            title = near or title_only.fallback()
        if squash(title) != headline_key:
            headline_key = squash(title)
            paragraphs = [p for p in paragraphs if squash(p) != headline_key]
    body = join_paragraphs(paragraphs)
    if not body and not allow_empty:
        raise NoArticle("no article text found")
    return Article(
        headline=title,
        body=body,
        byline=byline,
        published=published,
        modified=modified,
        canonical_url=page.canonical_url,
        language=_language(page),
        method=method,
        title=page.title,
        title_only=title_only is not None,
    )


def _general(tree: HtmlElement, page: structured.PageMeta, url: str,
             headline_key: str) -> tuple[list[str], str, list[str], int]:
    """The general cascade: json-ld (when it agrees) → consensus of trafilatura and readability.

    Returns the paragraphs, the method, the keys of all the page's blocks and the index of the
    first chosen block (-1 when the body did not come from the blocks), so that a headline can
    be looked for right above the body."""
    blocks_mod.mark_comment_thread(tree)
    boilerplate.clean_tree(tree)
    body_element = tree.find("body")
    root = body_element if body_element is not None else tree
    all_blocks = blocks_mod.segment(root, blocks_mod.comment_thread(root))
    traf = fallback.trafilatura_text(tree, url)
    read = fallback.readability_text(tree, url)  # last: readability prunes hidden nodes in place
    votes = vote.count_votes(all_blocks, (traf, read))
    needed = bool(traf) + bool(read)
    chosen = vote.consensus(all_blocks, votes, needed, headline_key)
    method = "consensus" if traf and read else ("trafilatura" if traf else "readability")
    if page.ld_body:
        structured_chosen = vote.from_structured(all_blocks, page.ld_body, chosen, headline_key)
        if structured_chosen:
            chosen, method = structured_chosen, "json-ld"
        elif not chosen:
            return split_paragraphs(page.ld_body), "json-ld-text", [], -1
    story = sum(all_blocks[i].size for i in chosen if not all_blocks[i].thread)
    if story >= rules.COMMENT_CUT_MIN_STORY_CHARS:  # the story stands above the comments
        chosen = [i for i in chosen if not all_blocks[i].thread]
    kept = vote.drop_repeats(chosen, all_blocks, votes, needed)
    return ([all_blocks[i].text for i in kept], method, [b.key for b in all_blocks],
            kept[0] if kept else -1)
