"""Version sequences for the change benchmark: real corpus pages, mutated with lxml.

A :class:`Story` is one corpus page prepared once: its tree, the paragraph elements that carry
the article text, the headline.  :meth:`Story.render` turns a :class:`State` (which churn
variant each churn block shows, which edits are applied) into the HTML served at one step.

Churn goes *inside* the article, next to the paragraphs, in several markup shapes per kind
(some with telling class names, some with only their words or links to give them away), and
its content rotates between steps: that is what an outlet's template does.  Edits are the
ones readers care about.  Texts exist in the corpus's main languages so Russian, Chinese and
Japanese pages get churn in their own language.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field, replace

import lxml.html
from lxml.html import HtmlElement

from redline.crawler.extract.normalize import clean_text, squash, text_size

#: Churn that must never be reported as an edit.
CHURN = ("timestamp", "related", "ad", "script", "tracking", "newsletter", "donation",
         "readmore", "reserialise")
#: Content edits that must always be reported (cumulative once applied).
EDITS = ("headline", "number", "sentence", "paragraph_removed", "correction")
#: Tags a paragraph element may have: inserting a block next to an ``<li>`` or ``<td>`` would
#: produce markup the parser restructures, which is not what the mutation means.
PARAGRAPH_TAGS = frozenset({"p", "div"})
#: Shortest paragraph (Latin-equivalent characters) that anchors a mutation: shorter extracted
#: lines are labels or initials ("MD", "See more photos:"), not where an editor appends text.
MIN_ANCHOR_SIZE = 40
#: A page needs this many paragraph elements for "remove a middle paragraph" to leave an article.
MIN_PARAGRAPHS_FOR_REMOVAL = 3
_NUMBER = re.compile(r"\d+")
_PRIVATE_AMP, _PRIVATE_SEMI = "\ue000", "\ue001"


@dataclass(frozen=True)
class State:
    """What one page looks like at one step."""

    churn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHURN, 0))
    edits: frozenset[str] = frozenset()
    headline_b: bool = False
    pulled: bool = False

    def bump(self, kind: str) -> State:
        """The same page with one churn kind showing its next variant."""
        return replace(self, churn={**self.churn, kind: self.churn[kind] + 1})


# --- texts (en default; the corpus's main languages) -------------------------------------------

TEXTS: dict[str, dict[str, list[str] | str]] = {
    "en": {
        "newsletter": ["Sign up for the Morning Brief, our free daily newsletter.",
                       "Subscribe to Weekend Reads: the best long stories, every Saturday.",
                       "Sign up for Breaking News alerts delivered to your inbox."],
        "donation": ["Support independent journalism: every contribution keeps us going.",
                     "Please donate today. Reader support is how we stay free for everyone.",
                     "Support our newsroom this month and help us reach 5,000 new members."],
        "readmore": "Read more:", "related": "Related stories", "mostread": "Most read",
        "ad": ["Advertisement", "Sponsored", "Advertisement"],
        "updated": "Updated {n} minutes ago",
        "headline_edit": "{h}, officials now say", "headline_b": "Watch: {h}",
        "sentence": "A spokesperson later confirmed the figures to reporters.",
        "correction": ("Correction: an earlier version of this article misstated the date of the "
                       "meeting. It took place on Tuesday, not Monday."),
    },
    "ru": {
        "newsletter": ["Подпишитесь на нашу утреннюю рассылку, чтобы первыми узнавать новости.",
                       "Подписывайтесь на наш канал в Telegram: главное за день.",
                       "Подпишитесь на вечернюю рассылку с главными новостями."],
        "donation": ["Поддержите независимую журналистику: каждое пожертвование важно.",
                     "Поддержите редакцию ежемесячным пожертвованием.",
                     "Поддержите нас сегодня: без вас мы не справимся."],
        "readmore": "Читайте также:", "related": "Другие новости", "mostread": "Самое читаемое",
        "ad": ["Реклама", "Реклама", "Партнерский материал"],
        "updated": "Обновлено {n} минут назад",
        "headline_edit": "{h}, сообщили власти", "headline_b": "Видео: {h}",
        "sentence": "Позднее представитель ведомства подтвердил эти данные журналистам.",
        "correction": ("Исправление: в первоначальной версии статьи была неверно указана дата "
                       "встречи. Она состоялась во вторник, а не в понедельник."),
    },
    "zh": {
        "newsletter": ["订阅我们的每日新闻简报，第一时间获取新闻。", "订阅周末精选：每周六送达最好的长篇报道。",
                       "订阅突发新闻提醒，直接发送到您的邮箱。"],
        "donation": ["支持独立新闻：每一笔捐款都让我们继续前进。", "请今天捐款。读者的支持让我们免费为所有人服务。",
                     "支持我们：本月为新闻编辑室捐款。"],
        "readmore": "延伸阅读：", "related": "相关新闻", "mostread": "热门文章",
        "ad": ["广告", "推广", "广告"],
        "updated": "{n}分钟前更新",
        "headline_edit": "{h}，官员称", "headline_b": "视频：{h}",
        "sentence": "一名发言人随后向记者证实了这些数字。",
        "correction": "更正：本文早前版本误报了会议日期。会议于星期二而非星期一举行。",
    },
    "ja": {
        "newsletter": ["ニュースレターに登録して、毎朝の最新ニュースを受け取りましょう。",
                       "メールマガジン：週末の特集をお届けします。", "ニュースレター登録で速報をメールで。"],
        "donation": ["ご支援のお願い：独立した報道を続けるために、ご寄付をお願いします。",
                     "寄付のお願い：読者の皆様の支援で無料公開を続けています。", "ご支援ください。今月、編集部を応援してください。"],
        "readmore": "あわせて読みたい：", "related": "関連記事", "mostread": "よく読まれている記事",
        "ad": ["広告", "PR", "広告"],
        "updated": "{n}分前に更新",
        "headline_edit": "{h}、当局が発表", "headline_b": "動画：{h}",
        "sentence": "広報担当者はその後、記者団にこの数字を確認した。",
        "correction": "訂正：この記事の以前の版では会合の日付に誤りがありました。会合は月曜日ではなく火曜日に開かれました。",
    },
}


def text(lang: str, key: str) -> list[str] | str:
    """A churn/edit text in the page's language (English where none is written)."""
    return TEXTS.get(lang, TEXTS["en"])[key]


def _variant(options: list[str] | str, n: int) -> str:
    return options[n % len(options)] if isinstance(options, list) else options


# --- the prepared page ---------------------------------------------------------------------------


@dataclass
class Story:
    """One corpus page ready to be mutated."""

    page_id: str
    lang: str
    encoding: str
    tree: HtmlElement
    paragraph_paths: list[str]
    headline: str
    others: list[str]  #: other pages' headlines, for rotating related/read-more lists
    doctype: str

    @property
    def applicable_edits(self) -> tuple[str, ...]:
        """The edits this page can take (a page without a number cannot have one changed)."""
        out = []
        paragraphs = [self.tree.xpath(p)[0] for p in self.paragraph_paths]
        if self.headline and self._headline_elements(self.tree):
            out.append("headline")
        if any(_NUMBER.search(p.text_content()) for p in paragraphs):
            out.append("number")
        if paragraphs:
            out += ["sentence", "correction"]
        if len(paragraphs) >= MIN_PARAGRAPHS_FOR_REMOVAL:
            out.append("paragraph_removed")
        return tuple(e for e in EDITS if e in out)

    def _headline_elements(self, tree: HtmlElement) -> list[HtmlElement]:
        key = squash(self.headline)
        return [h for h in tree.iter("h1", "h2") if squash(h.text_content()) == key]

    def render(self, state: State) -> str:
        """The page's HTML in ``state`` (pulled pages are answered with 404 by the server)."""
        tree = copy.deepcopy(self.tree)
        paragraphs = [tree.xpath(p)[0] for p in self.paragraph_paths]
        _insert_churn(self, tree, paragraphs, state)
        current = self.headline
        if "headline" in state.edits:
            current = _variant(text(self.lang, "headline_edit"), 0).format(h=current)
        if state.headline_b:
            current = _variant(text(self.lang, "headline_b"), 0).format(h=current)
        if current != self.headline:
            self._set_headline(tree, current)
        _apply_body_edits(self.lang, paragraphs, state.edits)
        return _serialise(tree, self.doctype, state.churn["reserialise"])

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
            others: list[str]) -> Story | None:
    """Locate the article's paragraph elements; ``None`` when too few can be found.

    ``body``/``headline`` are what redline extracted from the unmutated page: the mutations
    are placed where the extractor found the article, as the issue asks.
    """
    tree = lxml.html.document_fromstring(html)
    wanted = {squash(p) for p in body.split("\n\n") if p}
    paths = []
    for element in tree.iter(*PARAGRAPH_TAGS):
        key = squash(element.text_content())
        if text_size(element.text_content().strip()) < MIN_ANCHOR_SIZE:
            continue
        if key in wanted and not any(squash(c.text_content()) == key for c in element.iter(*PARAGRAPH_TAGS)
                                     if c is not element):
            wanted.discard(key)
            paths.append(tree.getroottree().getpath(element))
    if not paths:
        return None
    doctype = tree.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    return Story(page_id, lang, encoding, tree, paths, clean_text(headline), others, doctype)


# --- churn ---------------------------------------------------------------------------------------


def _shape(story: Story, kind: str) -> int:
    """Which markup shape a page uses for one churn kind (fixed per page, varied across pages)."""
    return hashlib.sha256(f"{story.page_id}/{kind}".encode()).digest()[0] % 2


def _element(html: str) -> HtmlElement:
    return lxml.html.fragment_fromstring(html)


def _links(story: Story, start: int, count: int) -> list[tuple[str, str]]:
    indexes = [(start + i) % len(story.others) for i in range(count)]
    return [(f"/story/{index}", story.others[index]) for index in indexes]


def _insert_churn(story: Story, tree: HtmlElement, paragraphs: list[HtmlElement], state: State) -> None:
    n, lang, c = len(paragraphs), story.lang, state.churn
    first, last = paragraphs[0], paragraphs[-1]
    middle = paragraphs[n // 2]
    minutes = 3 + 7 * c["timestamp"]
    if _shape(story, "timestamp"):
        stamp = f'<p class="article-updated">{_variant(text(lang, "updated"), 0).format(n=minutes)}</p>'
    else:
        stamp = (f'<div><time datetime="2024-05-0{1 + c["timestamp"] % 9}T1{c["timestamp"] % 10}:05:00Z">'
                 f'{1 + c["timestamp"] % 9} May 2024, 1{c["timestamp"] % 10}:05</time></div>')
    first.addprevious(_element(stamp))

    letter = _variant(text(lang, "newsletter"), c["newsletter"])
    first.addnext(_element(f'<div class="newsletter-signup"><p>{letter}</p><form><input type="email">'
                           f'<button>OK</button></form></div>' if _shape(story, "newsletter")
                           else f"<p><strong>{letter}</strong></p>"))

    label = _variant(text(lang, "ad"), c["ad"])
    ad = (f'<div id="div-gpt-ad-{1000 + c["ad"]}" class="ad-slot"><span>{label}</span></div>'
          if _shape(story, "ad") else
          f'<div data-slot="{1000 + c["ad"]}"><span>{label}</span> <a href="https://ads.example/c?{c["ad"]}">'
          f'{story.others[c["ad"] % len(story.others)]}</a></div>')
    middle.addprevious(_element(ad))
    middle.addprevious(_element(f'<script>window.__STATE__ = {{"rev": {c["script"]}, "nonce": '
                                f'"n{c["script"] * 7919}"}};</script>'))

    (href, title), = _links(story, c["readmore"], 1)
    prefix = _variant(text(lang, "readmore"), 0)
    middle.addnext(_element(f'<p>{prefix} <a href="{href}">{title}</a></p>' if _shape(story, "readmore")
                            else f'<p><a href="{href}">{title}</a></p>'))

    appeal = _variant(text(lang, "donation"), c["donation"])
    last.addprevious(_element(f'<aside class="donate-appeal"><p>{appeal}</p></aside>'
                              if _shape(story, "donation") else f"<p><em>{appeal}</em></p>"))

    items = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in _links(story, c["related"], 4))
    related = (f'<div class="related-stories"><h3>{_variant(text(lang, "related"), 0)}</h3><ul>{items}</ul></div>'
               if _shape(story, "related") else
               f'<section><h2>{_variant(text(lang, "mostread"), 0)}</h2><ol>{items}</ol></section>')
    last.addnext(_element(related))

    for paragraph in paragraphs:
        for link in paragraph.iter("a"):
            if link.get("href"):
                link.set("href", link.get("href").split("?")[0]
                         + f"?utm_source=newsletter&utm_campaign=c{c['tracking']}")


# --- edits ---------------------------------------------------------------------------------------


def _apply_body_edits(lang: str, paragraphs: list[HtmlElement], edits: frozenset[str]) -> None:
    n = len(paragraphs)
    if "number" in edits:
        _bump_first_number(paragraphs)
    if "sentence" in edits:
        target = paragraphs[(n - 1) // 2]
        separator = "" if lang in {"zh", "ja"} else " "
        _append_text(target, separator + _variant(text(lang, "sentence"), 0))
    if "correction" in edits:
        note = lxml.html.Element("p")
        note.text = _variant(text(lang, "correction"), 0)
        paragraphs[-1].addnext(note)
    if "paragraph_removed" in edits and n >= MIN_PARAGRAPHS_FOR_REMOVAL:
        victim = paragraphs[n // 2 if n // 2 != (n - 1) // 2 else n // 2 + 1]
        victim.drop_tree()


def _bump_first_number(paragraphs: list[HtmlElement]) -> None:
    """Change the first number in the article text by one (2,300 → 2,301)."""
    for paragraph in paragraphs:
        for node in paragraph.iter():
            for attr in ("text", "tail"):
                if node is paragraph and attr == "tail":
                    continue
                value = getattr(node, attr)
                match = _NUMBER.search(value or "")
                if match:
                    bumped = str(int(match.group()) + 1)
                    setattr(node, attr, value[:match.start()] + bumped + value[match.end():])
                    return


def _append_text(element: HtmlElement, extra: str) -> None:
    children = list(element)
    if children:
        children[-1].tail = (children[-1].tail or "").rstrip() + extra
    else:
        element.text = (element.text or "").rstrip() + extra


# --- serialisation ---------------------------------------------------------------------------------


def _serialise(tree: HtmlElement, doctype: str, variant: int) -> str:
    """The page as HTML; odd/even variants differ only in markup, never in text.

    Variant 1+ writes every non-ASCII character of the text as a numeric reference, adds a
    hashed CSS class to every block (as CSS-in-JS builds do on each deploy) and re-wraps lines.
    """
    if variant:
        body = tree.find("body")
        for element in (body.iter() if body is not None else ()):
            if not isinstance(element.tag, str) or element.tag in {"script", "style", "pre", "textarea"}:
                continue
            if element.tag in PARAGRAPH_TAGS | {"section", "article", "li", "ul"}:
                token = hashlib.sha256(f"{variant}{element.tag}".encode()).hexdigest()[:6]
                element.set("class", f"{element.get('class', '')} x{token}".strip())
            element.text = _respell(element.text, variant)
            if element is not body:
                element.tail = _respell(element.tail, variant)
    html = lxml.html.tostring(tree, encoding="unicode", doctype=doctype)
    return html.replace(_PRIVATE_AMP, "&").replace(_PRIVATE_SEMI, ";")


def _respell(value: str | None, variant: int) -> str | None:
    """Same characters, other spelling: numeric references and re-wrapped spaces."""
    if not value:
        return value
    out = "".join(f"{_PRIVATE_AMP}#{ord(ch)}{_PRIVATE_SEMI}" if ord(ch) > 127 else ch for ch in value)
    return out.replace(" ", "\n" + " " * (2 + variant % 3), 1)
