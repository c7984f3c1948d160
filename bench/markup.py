"""Markup-only rewrites of a whole page: what a template redeploy does to every article at once.

:func:`serialise` writes an lxml tree as HTML with a :class:`Style` (attribute order and quoting,
void-tag style, tag-name case, indentation between blocks, re-wrapped lines, CRLF, ``&nbsp;``
for spaces, typographic non-breaking spaces after one- and two-letter words, numeric character
references) and :func:`wrap_paragraphs` re-wraps every paragraph in a ``<div class=…>`` or
``<span class=…>`` whose class names extractors read as hints.  None of it changes what a reader
sees: whitespace is only added where HTML collapses it (between blocks, or by re-spelling a
space), references decode to the same characters, and CR LF is normalised to LF by every parser.
:func:`random_style` draws one redeploy from a seeded :class:`random.Random`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                  "source", "track", "wbr"})
#: Raw text elements: their content is written back as parsed, never escaped.
RAW = frozenset({"script", "style", "iframe", "noembed", "noframes", "xmp"})
#: Whitespace inside these is the text itself.
VERBATIM = RAW | {"pre", "textarea", "listing", "plaintext"}
#: Blocks between which HTML collapses whitespace, so indentation may be added there.
BLOCKS = frozenset({
    "html", "head", "body", "div", "p", "section", "article", "aside", "header", "footer", "nav",
    "main", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3",
    "h4", "h5", "h6", "figure", "figcaption", "blockquote", "form", "meta", "link", "title", "hr",
    "dl", "dt", "dd", "noscript", "base",
})
#: Class names content-like (read by extractors as "this is the story") and boilerplate-like
#: (read as furniture); a redeploy uses one set for every paragraph.
CONTENT_CLASSES = ("article-body__paragraph", "story-text", "entry-content", "post-content__block",
                   "c-article-text", "prose", "body-copy", "article__content")
BOILERPLATE_CLASSES = ("promo", "related-item", "teaser", "ad-wrapper", "sidebar-block", "share-tools",
                       "newsletter-inline", "widget", "sponsored-content", "footer-note", "comment-body",
                       "social-embed", "nav-item")
_ASCII_SPACE = " \t\n\r\f"
_SHORT_WORD_SPACE = re.compile(r"(?<!\w)(\w{1,2}) (?=\w)")


@dataclass(frozen=True)
class Style:
    """How one redeploy writes its markup; the default writes what lxml would."""

    attr_shuffle: bool = False
    quote: str = '"'          #: '"', "'" or "" (unquoted wherever HTML allows it)
    void: str = ">"           #: ">", "/>" or " />"
    case: str = "lower"       #: "lower", "upper" or "title"
    indent: str = ""          #: added between blocks ("" = none)
    rewrap: float = 0.0       #: share of spaces in text written as a line break + indentation
    crlf: bool = False
    nbsp: float = 0.0         #: share of spaces written as ``&nbsp;``
    nbsp_short: bool = False  #: ``&nbsp;`` after every one- and two-letter word (typography)
    charrefs: str = ""        #: "", "dec" or "hex": non-ASCII characters as numeric references
    wrap: str = ""            #: "", "div" or "span": every paragraph re-wrapped
    wrap_class: str = ""


def random_style(rng: random.Random) -> Style:
    """One redeploy: several of the rewrites at once, each with random parameters."""
    choices = {
        "attrs": lambda: {"attr_shuffle": True, "quote": rng.choice(['"', "'", ""])},
        "void": lambda: {"void": rng.choice(["/>", " />"])},
        "case": lambda: {"case": rng.choice(["upper", "title"])},
        "indent": lambda: {"indent": rng.choice(["  ", "    ", "\t"])},
        "rewrap": lambda: {"rewrap": rng.uniform(0.05, 0.3)},
        "crlf": lambda: {"crlf": True},
        "nbsp": lambda: ({"nbsp_short": True} if rng.random() < 0.5 else {"nbsp": rng.uniform(0.05, 0.5)}),
        "charrefs": lambda: {"charrefs": rng.choice(["dec", "hex"])},
        "wrap": lambda: {"wrap": rng.choice(["div", "span"]),
                         "wrap_class": rng.choice(rng.choice([CONTENT_CLASSES, BOILERPLATE_CLASSES]))},
    }
    picked = rng.sample(sorted(choices), rng.randint(3, 6))
    if "wrap" not in picked and rng.random() < 0.5:  # half of all redeploys re-wrap paragraphs
        picked.append("wrap")
    values: dict[str, object] = {}
    for name in picked:
        values.update(choices[name]())
    return Style(**values)  # type: ignore[arg-type]


def describe(style: Style) -> str:
    """A short label of what a style changes (for the report's error list)."""
    default = Style()
    parts = [name for name in style.__dataclass_fields__ if getattr(style, name) != getattr(default, name)
             and name != "wrap_class"]
    if style.wrap:
        parts[parts.index("wrap")] = f"wrap-{style.wrap}.{style.wrap_class}"
    return "+".join(parts) or "default"


def wrap_paragraphs(tree: HtmlElement, how: str, css_class: str) -> None:
    """Re-wrap every ``<p>`` of the body: inside a ``<div class>``, or its content in a ``<span class>``."""
    body = tree.find("body")
    for paragraph in list((body if body is not None else tree).iter("p")):
        if how == "div":
            wrapper = lxml.html.Element("div", {"class": css_class})
            paragraph.addprevious(wrapper)
            wrapper.tail, paragraph.tail = paragraph.tail, None
            wrapper.append(paragraph)
        else:
            span = lxml.html.Element("span", {"class": css_class})
            span.text, paragraph.text = paragraph.text, None
            for child in list(paragraph):
                span.append(child)
            paragraph.append(span)


def serialise(tree: HtmlElement, doctype: str, style: Style, rng: random.Random) -> str:
    """The page as HTML written in ``style`` (``rng`` decides the per-attribute/per-space choices)."""
    writer = _Writer(style, rng)
    out = [doctype, "\n"]
    root = tree.getroottree().getroot()
    writer.element(root, out, 0, verbatim=False)
    html = "".join(out)
    return html.replace("\r\n", "\n").replace("\n", "\r\n") if style.crlf else html


class _Writer:
    def __init__(self, style: Style, rng: random.Random) -> None:
        self.style, self.rng = style, rng

    def name(self, tag: str) -> str:
        case = self.style.case
        return tag.upper() if case == "upper" else tag.title() if case == "title" else tag

    def attrs(self, element: HtmlElement, void: bool) -> str:
        items = list(element.attrib.items())
        if self.style.attr_shuffle:
            self.rng.shuffle(items)
        parts = []
        for index, (key, value) in enumerate(items):
            quote = self.style.quote
            if quote == "" and (not value or not re.fullmatch(r"[A-Za-z0-9_.:/-]+", value)):
                quote = '"'
            if quote == "" and void and self.style.void == "/>" and index == len(items) - 1:
                quote = '"'  # an unquoted value runs into "/>": the slash would become part of it
            escaped = value.replace("&", "&amp;")
            if quote == '"':
                escaped = escaped.replace('"', "&quot;")
            elif quote == "'":
                escaped = escaped.replace("'", "&#39;")
            parts.append(f" {key}={quote}{escaped}{quote}")
        return "".join(parts)

    def text(self, value: str | None, verbatim: bool, plain: bool = False) -> str:
        """Text re-spelled in the style; ``plain`` (in ``<head>``, and whitespace between tags)
        only escapes: a ``&nbsp;`` there would be text, and text ends the head."""
        if not value:
            return ""
        if verbatim:
            return value
        if plain or not value.strip(_ASCII_SPACE):
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        style, rng = self.style, self.rng
        if style.nbsp_short:
            value = _SHORT_WORD_SPACE.sub("\\1\u00a0", value)
        out = []
        for ch in value:
            if ch == " " and style.nbsp and rng.random() < style.nbsp:
                out.append("&nbsp;")
            elif ch == " " and style.rewrap and rng.random() < style.rewrap:
                out.append("\n" + (style.indent or "  "))
            elif ch == "&":
                out.append("&amp;")
            elif ch == "<":
                out.append("&lt;")
            elif ch == ">":
                out.append("&gt;")
            elif ch == "\u00a0":
                out.append("&nbsp;" if not style.charrefs else "&#160;")
            elif ord(ch) > 127 and style.charrefs:
                out.append(f"&#{ord(ch)};" if style.charrefs == "dec" else f"&#x{ord(ch):x};")
            else:
                out.append(ch)
        return "".join(out)

    def element(self, element: HtmlElement, out: list[str], depth: int, verbatim: bool,
                plain: bool = False) -> None:
        if element.tag is etree.Comment:
            out.append(f"<!--{element.text or ''}-->")
            return
        if element.tag is etree.ProcessingInstruction or not isinstance(element.tag, str):
            return
        tag = element.tag
        name = self.name(tag)
        void = tag in VOID
        out.append(f"<{name}{self.attrs(element, void)}{self.style.void if void else '>'}")
        if void:
            return
        inner_verbatim = verbatim or tag in VERBATIM
        inner_plain = plain or tag == "head"
        out.append(self.text(element.text, inner_verbatim, inner_plain) if tag not in RAW else (element.text or ""))
        children = list(element)
        for index, child in enumerate(children):
            if self.style.indent and not inner_verbatim and self._gap_is_free(element, index):
                self._indent(out, depth + 1)
            self.element(child, out, depth + 1, inner_verbatim, inner_plain)
            out.append(self.text(child.tail, inner_verbatim, inner_plain))
        if children and self.style.indent and not inner_verbatim and self._gap_is_free(element, len(children)):
            self._indent(out, depth)
        out.append(f"</{name}>")

    def _gap_is_free(self, parent: HtmlElement, index: int) -> bool:
        """Whether whitespace may go before child ``index`` (or before the end tag): between blocks only."""
        if parent.tag not in BLOCKS:
            return False
        children = list(parent)
        before = parent.text if index == 0 else children[index - 1].tail
        if before and before.strip(_ASCII_SPACE):
            return False
        neighbours = ([children[index - 1]] if index else []) + ([children[index]] if index < len(children) else [])
        return all(isinstance(n.tag, str) and n.tag in BLOCKS for n in neighbours)

    def _indent(self, out: list[str], depth: int) -> None:
        # Replace trailing whitespace already written (a collapsed gap) by a line break + indentation.
        while out and not out[-1].strip(_ASCII_SPACE) and not out[-1].startswith("<"):
            out.pop()
        out.append("\n" + self.style.indent * min(depth, 12))
