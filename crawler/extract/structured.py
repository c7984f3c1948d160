"""The publisher's own metadata: JSON-LD, ``<meta>`` tags, canonical link, ``<time>``.

Structured data is the cheapest and most churn-proof source of headline, byline and dates,
and sometimes of the whole body (``articleBody``).  It is also sometimes wrong (a teaser body,
a stale headline), so this module only *collects*; the caller cross-checks against the page.
Must run before :mod:`boilerplate` cleaning, which drops ``<script>`` elements.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from . import rules
from .normalize import clean_text

#: schema.org types whose instances describe the article itself.
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle",
    "blogposting", "liveblogposting", "socialmediaposting", "scholarlyarticle", "techarticle",
    "report", "satiricalarticle", "advertisercontentarticle", "creativework", "webpage",
})
#: Preference among matched objects: a NewsArticle beats a generic WebPage wrapper.
_TYPE_RANK = {"webpage": 2, "creativework": 1}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass
class PageMeta:
    """What the page says about itself, before any cross-checking."""

    ld_headline: str | None = None
    ld_body: str | None = None
    ld_authors: list[str] = field(default_factory=list)
    ld_published: str | None = None
    ld_modified: str | None = None
    ld_language: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    canonical_url: str | None = None
    html_lang: str | None = None
    title: str = ""
    time_datetimes: list[str] = field(default_factory=list)


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    if text.startswith("//<![CDATA["):
        text = text[len("//<![CDATA["):].rsplit("//]]>", 1)[0]
    try:
        return json.loads(text, strict=False)
    except ValueError:
        try:  # the most common hand-written JSON error on news sites
            return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
        except ValueError:
            return None


def _walk(node: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    """Collect every dict in a JSON-LD document (``@graph``, lists, nesting)."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, out, depth + 1)
    elif isinstance(node, dict):
        out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
            if key in node:
                _walk(node[key], out, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type", ())
    if isinstance(raw, str):
        raw = [raw]
    return {str(t).rsplit("/", 1)[-1].lower() for t in raw if isinstance(t, str)}


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _names(value: Any) -> list[str]:
    """Author names from a string, a Person/Organization object or a list of either."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if isinstance(name, str):
            name = clean_text(name)
            if name and name not in names and not name.lower().startswith(("http://", "https://")):
                names.append(name)
    return names


def _pick_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    best: tuple[int, int, int] | None = None
    chosen = None
    for index, obj in enumerate(objects):
        kinds = _types(obj) & ARTICLE_TYPES
        if not kinds:
            continue
        rank = min(_TYPE_RANK.get(k, 0) for k in kinds)
        has_body = 0 if _text(obj.get("articleBody")) else 1
        key = (rank, has_body, index)
        if best is None or key < best:
            best, chosen = key, obj
    return chosen


def collect(tree: HtmlElement, url: str) -> PageMeta:
    """Gather JSON-LD article data, meta tags, canonical URL, language and ``<time>`` values."""
    page = PageMeta()
    objects: list[dict[str, Any]] = []
    for script in rules.JSON_LD(tree):
        data = _load_json(script.text or "")
        if data is not None:
            _walk(data, objects)
    article = _pick_article(objects)
    if article is not None:
        page.ld_headline = _text(article.get("headline")) or _text(article.get("name"))
        page.ld_body = _text(article.get("articleBody")) or _text(article.get("text"))
        page.ld_authors = _names(article.get("author")) or _names(article.get("creator"))
        page.ld_published = _text(article.get("datePublished")) or _text(article.get("dateCreated"))
        page.ld_modified = _text(article.get("dateModified"))
        page.ld_language = _text(article.get("inLanguage"))

    for element in rules.META(tree):
        key = (element.get("property") or element.get("name") or element.get("itemprop")
               or element.get("http-equiv") or "").strip().lower()
        content = element.get("content", "").strip()
        if key and content and key not in page.meta:
            page.meta[key] = content

    base = url
    base_hrefs = rules.BASE_HREF(tree)
    if base_hrefs:
        base = urljoin(url, base_hrefs[0].strip())
    canonical = rules.CANONICAL(tree)
    if canonical and canonical[0].strip():
        resolved = urljoin(base, canonical[0].strip())
        page.canonical_url = resolved if resolved.startswith(("http://", "https://")) else None

    langs = rules.HTML_LANG(tree)
    page.html_lang = langs[0].strip() if langs and langs[0].strip() else None
    titles = rules.TITLE(tree)
    page.title = clean_text(titles[0].text_content()) if titles else ""
    page.time_datetimes = [t.get("datetime").strip() for t in rules.TIME_DATETIME(tree)
                           if t.get("datetime", "").strip()]
    return page
