"""Every extraction rule in one place: tag sets, precompiled XPath, attribute and phrase patterns.

Keeping the rules here (trafilatura-style) means tuning never touches control flow, and the
precompiled expressions are built once per process instead of once per page.  Thresholds are
named constants with a note on how they were chosen; "calibrated on the corpus" means the
120-page development corpus (``bench/extraction.py``), checked for not hurting any language.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.etree import XPath

# --- tags -----------------------------------------------------------------------------------

#: Removed with their content before anything else: never article prose.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "picture", "source", "button", "select", "input", "textarea",
    "label", "dialog", "head", "title", "meta", "link",
})
#: Page furniture by element semantics; removed unless they hold most of the page's prose
#: (some CMSes wrap the whole story in ``<aside>`` or ``<header>``).
FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "figure", "figcaption", "menu"})
#: Semantic content containers: never furniture because of a class word (WordPress puts
#: "author-x status-publish has-post-thumbnail" on ``<article>``).
NEVER_FURNITURE_TAGS = frozenset({"article", "main", "body", "html"})
#: Table parts are data: their class words describe the data ("oddrow player-2020-580",
#: "sortcell"), not page furniture.  A layout table is judged by its ``<table>`` element.
TABLE_PART_TAGS = frozenset({"tbody", "thead", "tfoot", "tr", "td", "th"})
#: Elements that start a new text block (a paragraph candidate).
BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "br",
    "aside", "caption", "menu", "legend", "option",
})
#: What may stand in ``<head>``; anything else there means the parser never left it (an unknown
#: tag such as ``<mbox>`` before ``<body>`` makes libxml2 keep the whole page in ``<head>``).
HEAD_TAGS = frozenset({"title", "meta", "link", "script", "style", "base", "noscript", "template"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Leaf lines judged before the voters run (:func:`boilerplate._drop_loose_lines`); headings stay:
#: a "Related" heading marks where the story ends (:func:`vote.consensus`).
LINE_TAGS = frozenset({"p", "li", "div", "dt", "dd"})
#: A line whose visible text is this much navigation link text is a link, not prose ("Read
#: more" teasers, link-list items); a sentence with a link in it stays well below.
LINK_ONLY_SHARE = 0.9
#: A link whose visible text is its own URL is a citation, not navigation.
URL_TEXT = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
#: Table cells: a data row (one line of a standings table) is one block, its cells separated by
#: a space; a cell that itself holds block elements (a layout table) is a block boundary.
CELL_TAGS = frozenset({"td", "th"})
#: ``itemprop`` values that mark a date line (the publisher's own metadata, shown as text).
DATE_ITEMPROPS = frozenset({"datepublished", "datemodified", "datecreated", "uploaddate"})

#: ``name``/``id`` of the element where a reader-comment thread starts (``<a name="comments">``,
#: ``<div id="comments">``, WordPress's ``#respond``).  Blocks after it are never the story once
#: the story has begun above it (:func:`blocks.segment`, ``extract._general``); both voters
#: keep long comments as prose.
COMMENT_THREAD_ANCHOR = re.compile(
    r"^(?:comments?|comment-?(?:list|thread|area|section)s?|comments-?(?:list|thread|area|section)|"
    r"respond|disqus_thread|(?:reader|user)-?comments)$",
    re.IGNORECASE,
)
#: A comment anchor's ancestors up to this much text are its label ("Comments", "12 comments").
COMMENT_LABEL_CHARS = 80
#: The story above a comment thread must be at least this long (Latin-equivalent characters)
#: for the thread to be cut: an anchor before the story (a "12 comments" box under the headline
#: and standfirst) must not cut the story itself.  On both corpus folders the shortest story
#: above a real thread held 1,071 characters; one corpus page has its anchor above the story.
COMMENT_CUT_MIN_STORY_CHARS = 500

# --- XPath (precompiled) ----------------------------------------------------------------------

JSON_LD = XPath(
    "//script[contains(translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    "'abcdefghijklmnopqrstuvwxyz'), 'ld+json')]"
)
META = XPath("//meta[@content]")
CANONICAL = XPath(
    "//link[contains(concat(' ', translate(normalize-space(@rel), 'CANONICAL', 'canonical'), ' '),"
    " ' canonical ')][@href]/@href"
)
BASE_HREF = XPath("//base[@href]/@href")
HTML_LANG = XPath("/html/@lang | /html/@xml:lang",
                  namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
H1 = XPath("//h1")
#: An element's text as a reader sees it: without the code of scripts, styles and templates
#: (``<h1>Budget vote<script>track()</script></h1>`` is the headline "Budget vote").
VISIBLE_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")
TITLE = XPath("//title")
TIME_DATETIME = XPath("//time[@datetime]")
# Each token test is preceded by a plain ``contains`` on the attribute, which holds whenever the
# test does: libxml2 then builds the padded, normalised string only for the few elements that may
# match, not for every element of the page (the byline lookup was 6 % of a recheck's fast path).
REL_AUTHOR = XPath("//*[contains(@rel, 'author') and contains(concat(' ', normalize-space(@rel), ' '), ' author ')]")
BYLINE_CLASS = XPath(
    "//*[contains(@class, 'byline') and (contains(concat(' ', normalize-space(@class), ' '), ' byline ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' article-byline '))"
    " or @itemprop='author']"
)
_HIDDEN_CANDIDATES = XPath("//*[@hidden or @style]")


def HIDDEN(tree: Any) -> list[Any]:  # noqa: N802 - called like the XPath it replaced
    """Elements hidden from readers, in document order: ``hidden``, or a ``style`` holding
    ``display:none`` or ``visibility:hidden`` once its spaces are taken out.  The same answer as
    the XPath ``//*[@hidden or contains(translate(@style, ' ', ''), 'display:none') or …]``, with
    the style test in Python: that XPath ran translate() on every element (0.69 → 0.27 ms on a
    200 KB corpus page, a tenth of the recheck fast path's CPU)."""
    found = []
    for element in _HIDDEN_CANDIDATES(tree):
        if element.get("hidden") is not None:
            found.append(element)
            continue
        style = (element.get("style") or "").replace(" ", "")
        if "display:none" in style or "visibility:hidden" in style:
            found.append(element)
    return found
COMMENTS = XPath("//comment() | //processing-instruction()")
#: Elements that may mark where a comment thread starts (see ``COMMENT_THREAD_ANCHOR``).
ID_OR_ANCHOR = XPath("//*[@id] | //a[@name]")

# --- attribute (class/id) patterns ------------------------------------------------------------

#: class/id *words* (split on non-letters and camelCase) that mark in-article furniture.
#: Whole-word matching avoids the classic false positives ("shadow" ≠ "ad", "header" ≠ "head").
BOILERPLATE_WORDS = frozenset({
    # promotion, monetisation, appeals
    "ad", "ads", "adv", "advert", "advertisement", "advertising", "adslot", "adunit", "dfp",
    "banner", "sponsor", "sponsored", "promo", "promotion", "promoted", "paywall", "donate",
    "donation", "donations", "contribute", "contribution", "membership", "support", "subscribe",
    "subscription", "newsletter", "newsletters", "signup", "optin", "outbrain", "taboola",
    "revcontent", "zergnet", "teaser", "teasers", "upsell", "marketing",
    # navigation and link lists
    "related", "recommended", "recommendation", "recommendations", "readmore", "readalso",
    "trending", "popular", "mostread", "breadcrumb", "breadcrumbs", "nav", "navbar",
    "navigation", "menu", "sidebar", "footer", "pagination", "pager", "tags", "tag",
    "topics", "keywords", "seealso",
    # sharing and interaction
    "share", "sharing", "sharebar", "social", "socials", "follow", "comment", "comments",
    "disqus", "reactions", "rating", "print", "toolbar",
    # notices and chrome
    "cookie", "cookies", "consent", "gdpr", "modal", "popup", "overlay", "alert", "toast",
    "skip", "visually", "sr", "offscreen", "nocontent",
    # media furniture, metadata lines
    "caption", "captions", "figcaption", "credit", "credits", "photo", "gallery", "slideshow",
    "byline", "dateline", "timestamp", "published", "updated", "author", "bio", "meta",
    "widget", "embed", "player", "video",
})
ATTR_SPLIT = re.compile(r"[^a-z0-9]+")
#: A class token holding a digit next to a letter is generated by a build tool, not written by
#: a person ("css-1x2y3z", "sc-a1b2c3", "x3f9e21"); grid tokens like "col-12" keep their hyphen.
GENERATED_CLASS = re.compile(r"[a-z][0-9]|[0-9][a-z]", re.IGNORECASE)
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

# --- text patterns (several languages; English and Russian first) ----------------------------

#: A whole short block that is only a furniture label or call to action.  Anchored at the start;
#: applied only to blocks shorter than ``PHRASE_MAX_CHARS``.
BOILERPLATE_PHRASE = re.compile(
    r"^\W*(?:"
    # English
    r"read (?:more|also|next|the full)|see also|related(?: (?:articles?|stories|coverage|content|news|links))?\b|"
    r"more (?:on|from|about|stories|news)\b|also read|recommended|most (?:read|popular)|trending|"
    r"advertisement|sponsored|promoted|share (?:this|on|via)|share\W*$|tweet\W*$|email\W*$|print\W*$|"
    r"sign up|subscribe|newsletter|get (?:our|the) .{0,40}newsletter|"
    r"support (?:the |our |independent )|(?:please )?donate|a message from|"
    r"we use cookies|this (?:site|website) uses cookies|by (?:continuing|using) (?:to use )?this (?:site|website)|"
    r"(?:photo|image|picture|video|illustration)(?: credit)?s?\s*:|getty images\W*$|"
    r"(?:last )?updated?\s*:?\s*(?:\d+|an?|one) (?:second|minute|min|hour|day)s? ago|"
    r"(?:\d+|an?|one) (?:second|minute|min|hour|day)s? ago\W*$|"
    r"click here|follow us|join (?:us|our)|download (?:our|the) app|"
    r"you (?:may|might) (?:also )?(?:like|enjoy)|by (?:signing up|subscribing)|(?:tags|topics)\W*$|"
    r"copyright\b|©|all rights reserved|"
    # Russian (also common in Ukrainian/Belarusian Russian-language outlets)
    r"читайте (?:также|еще|ещё|нас|в)|смотрите (?:также|еще|ещё)|см\. также|по теме\W*$|"
    r"ещё по теме|еще по теме|другие новости|новости по теме|материалы по теме|похожие (?:новости|статьи|материалы)|"
    r"подпишитесь|подписывайтесь|подписаться|рассылк|поддержите|поддержать|пожертвова|"
    r"реклама\W*$|партн[её]рский материал|на правах рекламы|"
    r"поделиться|поделитесь|комментари(?:и|ев)\W*$|"
    r"фото\s*:|видео\s*:|источник\s*:|иллюстрация\s*:|"
    r"обновлено\s*:?\s*\d|\d+ (?:минут|час|секунд)\w* назад|"
    r"мы используем (?:файлы )?cookie|этот сайт использует|"
    r"все права защищены|вам (?:может быть|будет) интересно|(?:теги|темы)\W*$|"
    # a few other languages seen in the corpus (de, fr, es, pt, it)
    r"mehr zum thema|lesen sie auch|weiterlesen|anzeige\W*$|werbung\W*$|"
    r"lire aussi|à lire aussi|voir aussi|publicité\W*$|"
    r"lee también|leer más|ver también|publicidad\W*$|"
    r"leia (?:também|mais)|veja também|publicidade\W*$|você (?:também )?pode gostar|"
    r"vous aimerez aussi|te puede interesar|das könnte sie auch interessieren|"
    r"leggi anche|pubblicità\W*$|"
    # calls to action, counters and clocks in the corpus's other Latin-script languages
    # (pt, es, de, fr, it, id, cs): newsletters, donations, "updated N minutes ago", "N comments"
    r"assine\b|cadastre-se|inscreva-se|suscr[ií]bete|reg[ií]strate|abonnieren sie|melden sie sich|"
    r"inscrivez-vous|abonnez-vous|iscriviti\b|registrati\b|berlangganan|daftar untuk|přihlaste se|odebírejte|"
    r"zaregistrujte se|(?:apoie|apoya|unterstützen sie|soutenez|sostieni|dukung|podpořte) .{0,30}"
    r"(?:jornalismo|periodismo|journalismus|journalisme|giornalismo|jurnalisme|žurnalistiku)|"
    r"faça uma doação|haz una donación|(?:jetzt )?spenden sie|faites un don|fai una donazione|berdonasi|"
    r"přispějte|atualizad[oa] há|actualizad[oa] hace|aktualisiert vor|mis à jour il y a|aggiornat[oa] .{0,12}fa\W*$|"
    r"diperbarui .{0,12}lalu|aktualizováno před|mais lidas|lo más leído|meistgelesen|les plus lus|"
    r"i più letti|terpopuler|nejčtenější|baca juga|čtěte také|"
    # reader-comment counters, the number first or the label ("Comments: 12", "Комментарии (22)")
    r"\d+\s+(?:comments?|coment[aá]rios?|kommentare?|commentaires?|commenti|komentar|komentářů|комментари\w*)\W*$|"
    r"(?:comments?|coment[aá]rios?|kommentare?|commentaires?|commenti|komentar|komentářů|комментари\w*)\W*\d+\W*$|"
    r"by\W*$|"
    # an ad slot's label standing alone: "Sponsored" in the corpus's other languages
    r"(?:patrocinado|sponsoris[ée]|sponsorizzato|sponsor|iklan|reklama|sponzorováno|스폰서)\W*$|"
    r"(?:usamos|utilizamos|wir verwenden|nous utilisons des|utilizziamo i|kami menggunakan|používáme soubory) "
    r"cookie|"
    # Chinese, Japanese, Korean, Arabic: calls to action and labels as they open a block
    r"订阅|訂閱|关注我们|關注我們|延伸阅读|延伸閱讀|相关(?:新闻|阅读|文章|报道)|相關(?:新聞|閱讀|文章|報導)|"
    r"推荐阅读|推薦閱讀|热门(?:文章|新闻)|熱門|支持我们|支持我們|支持独立|请(?:今天)?捐|分享到|"
    r"(?:广告|廣告|推广)\W*$|"
    r"ニュースレター|メールマガジン|メルマガ|購読|関連記事|あわせて読みたい|よく読まれている|"
    r"ご支援|寄付のお願い|(?:広告|PR)\W*$|\d+分前に更新|\d+分钟前更新|"
    # reader-comment counters standing alone: "27条评论", "27則留言", "27件のコメント", "27개의 댓글"
    r"\d+\s*(?:条评论|條評論|则评论|則評論|条留言|則留言|件のコメント|コメント|개의 댓글|댓글)\W*$|"
    # ... and with the label first: "コメント22件", "评论：27", "댓글 27개"
    r"(?:コメント|评论|評論|留言|댓글)\s*[:：]?\s*\d+\s*(?:件|条|條|则|則|개)?\W*$|"
    r"本(?:网|網)?站使用\s*cookie|当サイトでは(?:クッキー|cookie)|이 사이트는 쿠키|"
    r"구독|관련 ?기사|많이 본 ?뉴스|광고\W*$|"
    r"اقرأ (?:أيضا|أيضاً)|اشترك|إعلان\W*$"
    r")",
    re.IGNORECASE,
)
#: A line that is only a time stamp ("Updated:1/10/2008 4:11:27 PM", "Wed, Jan 16 2008, 07:50
#: GMT"): it has a clock time and a date, and nothing but date words and stamp labels around
#: them.  Such a line changes with every update, so it must never be body (it would be a false
#: edit).  Times without a date ("2:00 – 8:00 pm" in a schedule) are story text.
CLOCK_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?", re.IGNORECASE)
DATE_TOKEN = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b|\b\d{1,2}/\d{1,2}\b",
    re.IGNORECASE,
)
STAMP_WORDS = re.compile(
    r"\b(?:created|updated|modified|posted|published|last|date|time|on|at|et|pt|ct|mt|local)\b",
    re.IGNORECASE,
)
#: A rights notice inside a short block ("This material may not be reproduced …", "… is
#: expressly prohibited without the prior written consent of …"): never the story.  It names the
#: material itself, so "The files may not be published until 2030, the court said." stays.
RIGHTS_NOTICE = re.compile(
    r"\b(?:this|the|our|such|\w+ news)\s+(?:material|content|article|story|report)s?\b.{0,60}?"
    r"\bmay not be (?:\w+ed,? )*(?:or )?(?:published|reproduced|redistributed|rewritten|broadcast|copied)"
    r"|\bprohibited without (?:the )?(?:prior )?(?:express )?(?:written )?(?:consent|permission)\b",
    re.IGNORECASE,
)
#: A block that is only a byline ("By DOUG FERGUSON", "By Jane Reporter, Staff Writer"): "By"
#: and names (capitalised words, a few particles), no sentence.  The byline is its own field;
#: in the body a byline change would read as a text edit.  "By Tuesday the roads were clear."
#: has lower-case words and stays.
BYLINE_BLOCK = re.compile(
    r"^(?:By|BY)\s+(?:(?:[A-Z][\w.'’-]*|and|&|of|the|de|da|van|von|der|la|le|al|bin|staff|special to)"
    r"[\s,/|–-]*){1,10}$"
)
#: Longest block the rights-notice pattern may remove.
RIGHTS_NOTICE_MAX_CHARS = 300
#: Longest block the phrase patterns may remove.  Calibrated: real paragraphs that *start*
#: with "Related" or "Support" exist, but none under this length in the corpus were prose.
PHRASE_MAX_CHARS = 160

# --- thresholds -------------------------------------------------------------------------------

#: A furniture element (tag or class/id match) is kept anyway when it holds at least this share
#: of the page's text: then it is the article wrapper, not furniture.  Calibrated on the corpus:
#: the largest real furniture blocks (related-story rails) held < 25 % of page text.
FURNITURE_MAX_SHARE = 0.4
#: "Several long paragraphs" (see ``boilerplate.holds_prose``): calibrated on the corpus, where
#: teaser/related/newsletter boxes never held two ``<p>`` of 150+ characters, while every
#: mis-flagged article wrapper (class words like "author-…", "meta", "rail") held many.
PROSE_CHARS = 150
#: A furniture-sounding class token on at least this many single-paragraph, mostly unlinked
#: elements that together hold this share of the page's text is the template's paragraph style
#: (``boilerplate._neutralise_template_classes``).  Measured on the 120-page corpus: no such token
#: covers more than 16% of a page's text (menu item titles, captions, footer lines); a story
#: whose paragraphs a redeploy wrapped one by one is most of its page.
TEMPLATE_CLASS_REPEATS = 3
#: A list of at least this many items, each a heading with a link, is a teaser rail
#: (``boilerplate._drop_teaser_lists``); two cards already make a rail.
TEASER_LIST_ITEMS = 2
TEMPLATE_CLASS_SHARE = 0.3
PROSE_PARAGRAPHS = 2
#: A text block whose characters are mostly link text is a link list / share bar, not prose.
#: 0.5 is the classic boilerpipe/trafilatura value; corpus prose paragraphs stay well below it.
LINK_DENSITY_MAX = 0.5
#: A long block both voters keep may be this link-dense: a news round-up links most of its
#: sentences ("10 things in tech"), while link lists have short items.  Calibrated on the corpus:
#: its round-up paragraphs reach 0.66, no kept link list is that long.
LINK_DENSITY_MAX_AGREED = 0.8
AGREED_LINKY_MIN_CHARS = 150

# --- consensus voting (vote.consensus) --------------------------------------------------------

#: A block both voters keep must be at least this long to anchor the consensus span (a short
#: "Share" both happen to keep must not stretch the span over a related-stories list).
SPAN_ANCHOR_CHARS = 30
#: How a sentence ends, in the scripts of the corpus (Latin, Cyrillic, CJK, Arabic, Devanagari,
#: Thai has no full stop and is matched by its final character class), optionally followed by
#: a closing quote or bracket.
SENTENCE_END = re.compile(r"[.!?…。！？؟।][\"'”’»)）」』]*$")
#: A block only one voter keeps, outside the consensus span, is still body from this length.
#: Calibrated on the corpus: 200 beat 100/150/300 (0.967 vs 0.964/0.966/0.965 mean F1).
LONE_PROSE_CHARS = 200

#: A heading after the story that opens a run of link-only lines ("Breaking Forex News",
#: "Other headlines") ends the story, even when both voters keep what follows.  Judged on the
#: next ``LINK_LIST_WINDOW`` blocks: at least ``LINK_LIST_MIN_SHARE`` of them link-only
#: (``LINK_ONLY_SHARE``) and none of them long prose.  Calibrated on both corpus folders: a
#: window of 4–5 cut a corpus story at an in-article "More:" box of three linked headlines,
#: 6–10 measured the same, 8 leaves margin; teaser lists alternate a link with its time stamp
#: (share 0.5), 0.6 missed gn1's, 0.3–0.5 measured the same.
LINK_LIST_WINDOW = 8
LINK_LIST_MIN_SHARE = 0.5

# --- structured data cross-check (vote.from_structured) ---------------------------------------

#: ``articleBody`` shorter than this many tokens is a description, not a body.
LD_MIN_TOKENS = 25
#: ... or shorter than this share of the consensus body: a teaser / truncated body.
LD_MIN_SHARE = 0.6
#: Share of ``articleBody`` tokens that must be visible on the page ("agrees with the page").
LD_MIN_VISIBLE = 0.9
#: A block belongs to the body when this share of its tokens occur in ``articleBody``.
LD_BLOCK_MATCH = 0.9
#: Blocks of at least this many tokens anchor the span of matched blocks.
LD_ANCHOR_TOKENS = 8
#: The chosen blocks must cover this share of ``articleBody``, else the page renders the body
#: differently (or not at all) and consensus is used instead.
LD_MIN_COVERED = 0.85

# --- headline from the page itself (headline.py, pages without og:title / JSON-LD) -------------

#: Where a ``<title>`` splits into headline, site and section parts: a dash, bar, colon, guillemet,
#: slash or ``>`` between words, ``::``, a bar without spaces, and a trailing "(from Site)".
#: Headlines contain colons and dashes too ("Algeria: Al-Qaeda claims …"), so a title is never
#: cut at one separator: every run of adjacent parts is tried against the page's own headings.
TITLE_SEPARATOR = re.compile(
    r"\s+(?:[-–—|»>/·•:]{1,2})\s+|\s*[|｜]\s*|(?<=\S):\s+|\s+(?=\([^()]{3,80}\)\s*$)"
)
#: Only elements that may hold a visible headline are candidates.
HEADLINE_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "head", "title", "option", "select", "textarea",
    "button", "a", "nav", "footer", "label",
})
#: class/id text naming a headline element (``storyTitle``, ``news_story_title``, ``reportHeadLine``,
#: ``headingstory``, ``span.heading``); "sub…" titles and table heads are not headlines.
HEADLINE_CLASS = re.compile(r"(?<!sub)(?:headline|heading|title)|topstory", re.IGNORECASE)
#: Markup that makes a short line look like a heading in old layouts: bold or big type.
BOLD_TAGS = frozenset({"b", "strong", "big"})
BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
BIG_STYLE = re.compile(
    r"font-size\s*:\s*(?:(?:1[4-9]|[2-9]\d)px|(?:1[1-9]|[2-9]\d)pt|large|x-large|xx-large)", re.IGNORECASE
)
#: ``<font size="N">`` from this size (or ``+1`` and more) is display type, not body text
#: (browsers' default text is size 3).
BIG_FONT_SIZE = 4
#: A trailing date a heading carries after the headline ("… Trojan (14/01/2008)").
HEADING_DATE_TAIL = re.compile(r"\s*[(\[]?\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\s*[)\]]?\s*$")
#: A line that is only a date or time ("Thursday, January 17th, 2008", "7:51pm Tue 1 Jan 08").
DATE_WORDS = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:am|pm|gmt|utc|[ecmp][sd]t|bst|cet|ist|posted|published|updated|last|on|at|of)\b|"
    r"\d+(?:st|nd|rd|th|am|pm)?|[^\w]+",
    re.IGNORECASE,
)
#: Host labels that name no site (``news.example.com``, ``sports.example.com``): a title part
#: containing them is not the site's name for that.
GENERIC_HOST_LABELS = frozenset({
    "www", "news", "sport", "sports", "online", "mobile", "blog", "blogs", "home", "web", "en",
    "english", "breakingnews", "apps", "edition", "world", "local",
})
#: A site name (host label, og:site_name, learned template part) this long counts inside a title
#: part ("Charleston Daily Mail" holds ``dailymail``); shorter ones must match a part whole, or
#: the host ``times.example`` would make "… three times this winter" a site name.  4–10 measured
#: the same on both corpus folders.
SITE_SUBSTRING_MIN_CHARS = 6
#: A byline is not a headline.
BYLINE_LINE = re.compile(r"^(?:by|from|posted by|written by)\b", re.IGNORECASE)
#: A heading reworded from the ``<title>`` headline (``TitleOnly.reworded``) is at most this many
#: times as long, in words: a standfirst repeating the title's words is longer.  On corpus pages
#: stripped of og:title/JSON-LD, the longest real rewording was 1.5 times the title, the
#: standfirst that matched 2.4 times.
REWORDED_MAX_LENGTH_RATIO = 2.0
#: Fewest letters a heading needs to be a headline (a text-size switcher "A | A | A", "Page 2"
#: and a score line are not); counts letters of any script.
MIN_HEADLINE_LETTERS = 8
#: Longest text taken for a headline (a longer "heading" is a teaser paragraph).
MAX_HEADLINE_CHARS = 300
#: Elements whose raw text (indentation included) is longer are not even assembled as headline
#: candidates: old table layouts indent heavily, so the raw text may be a few times the clean.
HEADLINE_RAW_CHARS = 4 * MAX_HEADLINE_CHARS
#: Fewest letters and digits a page text needs to agree with a fragment of ``<title>``: shorter
#: ones ("Japan", "Sports", "Latest News") are section names a page shows outside its menus too.
#: Calibrated on both corpus folders: 4–14 measured the same, 18 lost gn1's shortest agreeing
#: headline ("Fight! Fight! Fight!", 15).
MIN_TITLE_AGREEMENT_CHARS = 14
#: How many blocks before the body's first paragraph a heading may stand (date, byline,
#: "Save | Email | Print" lines sit in between) to be taken as the headline of a page whose
#: ``<title>`` names only the site; a title-agreeing heading further up yields to it
#: (``TitleOnly.confirm``).  Calibrated on gn1: 0 got 88 % of its headlines, 4 got 97 %, 7 all;
#: up to 20 measured the same on both folders.
MAX_HEADLINE_DISTANCE = 8
#: A part of ``<title>`` seen in at least this share of an outlet's other titles (and in two at
#: least) is the outlet's name or section, not a headline.
TEMPLATE_MIN_SHARE = 0.5
TEMPLATE_MIN_TITLES = 2
#: A title part or page text that a learned template part makes up this much of (by key length)
#: is that name with a word around it ("The Valley Courier", "Valley Courier Online" for a learned
#: "Valley Courier"); less, and the learned part is a word inside a headline ("Politics" in "Why
#: politics matters to the valley", 0.32).  Two thirds: a one-word headline beside a section name
#: ("Politics live", 0.67) is the shortest that counts as the name.  Set on these shapes
#: (tests/test_title_templates.py), not measured: no corpus page reads a learned part this way.
LEARNED_NAME_SHARE = 2 / 3
