"""HTML, feed and sitemap rendering for the simulated outlet.

The article pages imitate a real news site *including its noise*: every request gets a fresh
newsletter box, donation appeal, related list, ad slot id, ticker, state blob, cache buster and
a different serialisation of the same text (attribute order, quotes, entities, line wrapping).
That noise is the point: redline must flag the scripted edits and nothing else. All variation
comes from a :class:`Churn` so a fixed generator (``now=None``) gives byte-stable pages for the
conditional-GET mode. Pages carry no wording that reveals the outlet is simulated.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from redline.demo.articles import ArticleText


@dataclass(frozen=True)
class Story:
    """One live story as it currently reads (immutable; the outlet swaps in edited copies)."""

    text: ArticleText
    path: str
    headline: str
    author: str
    paragraphs: tuple[str, ...]
    published: datetime
    modified: datetime

    @property
    def lang(self) -> str:
        return self.text.lang

    @property
    def authors(self) -> list[str]:
        return [a.strip() for a in self.author.split(",") if a.strip()]


@dataclass(frozen=True)
class Site:
    """What every page needs to know about the outlet: name, address and live stories."""

    name: str
    base_url: str
    stories: tuple[Story, ...]  # live (published, not pulled), newest first
    updated: datetime  # when the listings last changed

    def url(self, path: str) -> str:
        return self.base_url + path


class Churn:
    """All per-request variation in one place; ``now=None`` means "stable page, no clock"."""

    _ENTITIES: dict[str, tuple[str, ...]] = {
        "’": ("&rsquo;", "&#8217;", "&#x2019;"), "“": ("&ldquo;", "&#8220;"),
        "”": ("&rdquo;", "&#8221;"), "—": ("&mdash;", "&#8212;"), "–": ("&ndash;", "&#8211;"),
        "«": ("&laquo;", "&#171;"), "»": ("&raquo;", "&#187;"), "\u00a0": ("&nbsp;", "&#160;"),
        "€": ("&euro;", "&#8364;"), "£": ("&pound;", "&#163;"), "'": ("&#39;", "&#x27;"),
        '"': ("&quot;", "&#34;"),
    }

    def __init__(self, rng: random.Random, now: datetime | None) -> None:
        self.rng = rng
        self.now = now
        # one spelling per character per page, like a CMS with a given template/serialiser
        self._spell = {ch: rng.choice((ch,) + alts) for ch, alts in self._ENTITIES.items()}
        self._wrap = rng.random() < 0.5

    def pick(self, options: list[str] | tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def sample(self, items: list[Story], k: int) -> list[Story]:
        return self.rng.sample(items, min(k, len(items)))

    def token(self, digits: int = 12) -> str:
        return f"{self.rng.getrandbits(4 * digits):0{digits}x}"

    def gap(self) -> str:
        return self.rng.choice(("\n", "\n  ", "\n\n", "", " "))

    def attrs(self, *pairs: tuple[str, str]) -> str:
        order = list(pairs)
        self.rng.shuffle(order)
        quote_char = self.rng.choice(('"', "'"))
        return "".join(f" {k}={quote_char}{html.escape(v, quote=True)}{quote_char}" for k, v in order)

    def tag(self, name: str, *pairs: tuple[str, str]) -> str:
        return f"<{name}{self.attrs(*pairs)}>"

    def text(self, s: str, wrap: bool = True) -> str:
        """Escape text content, spelling special characters and wrapping lines per page."""
        out = html.escape(s, quote=False)
        for ch, spelled in self._spell.items():
            if ch != spelled and ch not in "&<>":
                out = out.replace(ch, spelled)
        if wrap and self._wrap and len(out) > 60:
            words = out.split(" ")
            out = "".join(w + (self.rng.choice(("\n", "\n      ")) if i % 11 == 10 else " ")
                          for i, w in enumerate(words[:-1])) + words[-1]
        return out


_L10N: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "news_head": ("Get the morning briefing", "Sign up for Demo Gazette Daily",
                      "Don’t miss a story"),
        "news_text": ("The day’s most important stories, in your inbox before 7am.",
                      "Free, every weekday. Unsubscribe at any time.",
                      "Our editors pick the best of the day, every evening."),
        "news_btn": ("Sign up", "Subscribe", "Get the newsletter"),
        "give_head": ("Support Demo Gazette!", "A message from the editors",
                      "Independent journalism needs you"),
        "give_text": ("We don’t have a billionaire owner. Our reporting is funded by readers "
                      "like you. Give from $2 a month.",
                      "In the last year, readers helped us keep {n} reporters in the field. "
                      "Can you chip in today?",
                      "Every contribution, however big or small, keeps our journalism free "
                      "for everyone to read. {k} readers gave this month."),
        "give_btn": ("Support us", "Give now", "Contribute"),
        "ticker": ("Markets: main index {s}0.{m}% at midday", "Weather: {d}°C, light rain",
                   "Traffic: delays of {n} minutes on the ring road",
                   "Live: parliament debates budget amendments",
                   "Football: {d}–{m} at half-time in the derby"),
        "read_more": ("Read more:",), "related": ("Related", "More on this story"),
        "most_read": ("Most read", "Popular now"), "by": ("By",), "share": ("shares",),
        "ad": ("Advertisement",), "updated": ("Updated {n} minutes ago",),
        "updated_h": ("Updated {n} hours ago",), "updated_at": ("Updated {t}",),
    },
    "ru": {
        "news_head": ("Утренняя рассылка", "Главное за неделю", "Не пропустите главное"),
        "news_text": ("Самые важные новости дня — в вашей почте до 8 утра.",
                      "Одно письмо в неделю. Бесплатно.",
                      "Вечерний дайджест от редакции."),
        "news_btn": ("Подписаться", "Получать рассылку"),
        "give_head": ("Поддержите Demo Gazette!", "Обращение редакции",
                      "Независимой журналистике нужна ваша помощь"),
        "give_text": ("У нас нет владельца-миллиардера. Нашу работу оплачивают читатели.",
                      "За год читатели помогли нам сохранить {n} корреспондентов. "
                      "Поддержите нас сегодня.",
                      "Любое пожертвование помогает нам оставаться бесплатными для всех. "
                      "В этом месяце нас поддержали {k} читателей."),
        "give_btn": ("Поддержать", "Помочь редакции"),
        "ticker": ("Рынки: индекс {s}0,{m}%", "Погода: {d}°C, облачно",
                   "Пробки: {d} из 10", "Прямая трансляция: заседание парламента"),
        "read_more": ("Читайте также:",), "related": ("По теме", "Ещё по теме"),
        "most_read": ("Самое читаемое", "Популярное"), "by": ("Текст:",),
        "share": ("репостов",), "ad": ("Реклама",), "updated": ("Обновлено {n} мин. назад",),
        "updated_h": ("Обновлено {n} ч. назад",), "updated_at": ("Обновлено {t}",),
    },
}

_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def human_date(dt: datetime, lang: str) -> str:
    if lang == "ru":
        return f"{dt.day} {_RU_MONTHS[dt.month - 1]} {dt.year}, {dt:%H:%M} (UTC)"
    return f"{dt.day} {dt:%B %Y, %H:%M} UTC"


def _say(c: Churn, lang: str, key: str) -> str:
    s = c.pick(_L10N[lang][key])
    return s.format(n=c.rng.randint(2, 30), m=c.rng.randint(1, 9), d=c.rng.randint(1, 9),
                    k=c.rng.randint(1000, 9000), s=c.pick(("+", "−")))


def author_path(name: str) -> str:
    return "/authors/" + quote(name.lower().replace(" ", "-"), safe="") + "/"


def _head(site: Site, c: Churn, title: str, charset: str, extra: str = "") -> str:
    v = c.token(8) if c.now else "1"
    return (f"<head>{c.gap()}<meta charset=\"{charset}\">{c.gap()}"
            + c.tag("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"))
            + f"{c.gap()}<title>{c.text(title, wrap=False)}</title>{c.gap()}{extra}"
            + c.tag("link", ("rel", "stylesheet"), ("href", f"/static/site.css?v={v}"))
            + c.gap() + c.tag("link", ("rel", "alternate"), ("type", "application/rss+xml"),
                              ("title", site.name), ("href", "/rss.xml"))
            + c.gap() + c.tag("script", ("src", f"/static/app.js?v={v}"), ("defer", "defer"))
            + f"</script>{c.gap()}{_state_blob(c)}{c.gap()}</head>")


def _state_blob(c: Churn) -> str:
    state = {"requestId": c.token(16), "abBucket": c.pick(("a", "b", "control")),
             "renderedAt": iso(c.now) if c.now else None, "pageviews": c.rng.randint(1, 90000),
             "user": {"loggedIn": False, "region": c.pick(("EU", "UK", "GE", "LV"))}}
    blob = json.dumps(state, sort_keys=c.rng.random() < 0.5)
    return f"<script nonce=\"{c.token(22)}\">window.__GAZETTE_STATE__ = {blob};</script>"


def _site_header(site: Site, c: Churn, lang: str) -> str:
    ticker = " · ".join(html.escape(_say(c, lang, "ticker")) for _ in range(2))
    clock = (f"<p class=\"site-date\">{c.now:%A %d %B %Y · %H:%M:%S} UTC</p>" if c.now else "")
    nav = "".join(f"<li>{c.tag('a', ('href', href))}{label}</a></li>" for href, label in (
        ("/", "Home"), ("/news/", "News"), ("/tags/press-freedom/", "Press freedom"),
        ("/tags/economy/", "Economy"), ("/about", "About us"), ("/login", "Log in")))
    return (f"<header class=\"site-header\">{c.gap()}<div class=\"ticker\" aria-live=\"polite\">"
            f"<span class=\"ticker-label\">LIVE</span> {ticker}</div>{c.gap()}"
            f"<a class=\"logo\" href=\"/\">{html.escape(site.name)}</a>{clock}{c.gap()}"
            f"<nav class=\"main-nav\"><ul>{nav}</ul></nav>{c.gap()}</header>")


def _site_footer(site: Site, c: Churn) -> str:
    links = "".join(f"{c.tag('a', ('href', h))}{t}</a> " for h, t in (
        ("/about", "About"), ("/about#privacy", "Privacy"), ("/rss.xml", "RSS"),
        ("/private/staff", "Staff"), ("/login", "Log in")))
    return (f"<footer class=\"site-footer\">{c.gap()}<p>© {site.updated.year} "
            f"{html.escape(site.name)}. {links}</p>{c.gap()}</footer>")


def _most_read(site: Site, c: Churn, lang: str, exclude: str = "") -> str:
    items = "".join(f"<li>{c.tag('a', ('href', s.path))}{c.text(s.headline, wrap=False)}</a> "
                    f"<span class=\"reads\">{c.rng.randint(1, 40)}.{c.rng.randint(0, 9)}K</span></li>"
                    for s in c.sample([s for s in site.stories if s.path != exclude], 5))
    return (f"<aside class=\"sidebar most-read\">{c.gap()}<h2>{_say(c, lang, 'most_read')}</h2>"
            f"<ol>{items}</ol>{c.gap()}</aside>")


def _newsletter(c: Churn, lang: str) -> str:
    return (c.tag("aside", ("class", "newsletter-signup"), ("data-variant", c.token(4)))
            + f"<h2>{c.text(_say(c, lang, 'news_head'))}</h2><p>{c.text(_say(c, lang, 'news_text'))}</p>"
            + "<form action=\"/newsletter\" method=\"post\"><input type=\"email\" name=\"email\">"
            + f"<button type=\"submit\">{c.text(_say(c, lang, 'news_btn'))}</button></form></aside>")


def _appeal(site: Site, c: Churn, lang: str) -> str:
    src = c.token(6)
    return (c.tag("aside", ("class", "support-banner contributions-appeal"), ("data-campaign", src))
            + f"{c.gap()}<h2>{c.text(_say(c, lang, 'give_head'))}</h2>{c.gap()}"
            + f"<p>{c.text(_say(c, lang, 'give_text'))}</p>{c.gap()}"
            + f"{c.tag('a', ('class', 'button'), ('href', f'/support?src={src}'))}"
            + f"{c.text(_say(c, lang, 'give_btn'))}</a></aside>")


def _ad(c: Churn, lang: str) -> str:
    return (c.tag("div", ("class", "ad-slot"), ("id", f"ad-{c.token(10)}"),
                  ("data-refresh", str(c.rng.randint(15, 90))))
            + f"<span class=\"ad-label\">{_say(c, lang, 'ad')}</span></div>")


def _share(site: Site, story: Story, c: Churn) -> str:
    u = quote(site.url(story.path), safe="")
    links = "".join(f"{c.tag('a', ('class', f'share-{k}'), ('href', href))}{label}</a>" for k, href, label in (
        ("facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}", "Facebook"),
        ("x", f"https://x.com/intent/post?url={u}", "X"),
        ("telegram", f"https://t.me/share/url?url={u}", "Telegram"),
        ("email", f"mailto:?subject={quote(story.headline)}&body={u}", "Email")))
    return (f"<div class=\"share-tools\">{links}<span class=\"share-count\">"
            f"{c.rng.randint(10, 4000)} {_say(c, story.lang, 'share')}</span></div>")


def _json_ld(site: Site, story: Story, c: Churn, ascii_only: bool) -> str:
    url = site.url(story.path)
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": story.headline,
        "description": story.text.standfirst, "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(story.published), "dateModified": iso(story.modified),
        "author": [{"@type": "Person", "name": a, "url": site.url(author_path(a))}
                   for a in story.authors],
        "publisher": {"@type": "NewsMediaOrganization", "name": site.name,
                      "logo": {"@type": "ImageObject", "url": site.url("/static/logo.svg")}},
        "image": [site.url(f"/static/img/{story.text.slug}.svg")],
        "inLanguage": story.lang, "articleSection": story.text.section,
        "articleBody": "\n\n".join(story.paragraphs),
    }
    indent = c.rng.choice((None, 2))
    text = json.dumps(data, ensure_ascii=ascii_only or c.rng.random() < 0.5, indent=indent)
    return "<script type=\"application/ld+json\">" + text.replace("</", "<\\/") + "</script>"


def _updated_line(story: Story, c: Churn) -> str:
    if c.now is None:
        return c.pick(_L10N[story.lang]["updated_at"]).format(t=human_date(story.modified, story.lang))
    minutes = max(0, int((c.now - story.modified).total_seconds() // 60))
    key, n = ("updated", minutes) if minutes < 120 else ("updated_h", minutes // 60)
    return c.pick(_L10N[story.lang][key]).format(n=n)


def article_page(site: Site, story: Story, c: Churn) -> str:
    """The full article page; only the headline, byline, dates and paragraphs are stable."""
    t, lang, url = story.text, story.lang, site.url(story.path)
    meta = [("name", "description", t.standfirst), ("property", "og:type", "article"),
            ("property", "og:title", story.headline), ("property", "og:description", t.standfirst),
            ("property", "og:url", url), ("property", "og:site_name", site.name),
            ("property", "og:image", site.url(f"/static/img/{t.slug}.svg")),
            ("property", "article:published_time", iso(story.published)),
            ("property", "article:modified_time", iso(story.modified)),
            ("property", "article:section", t.section), ("name", "author", story.author),
            ("name", "twitter:card", "summary_large_image")]
    extra = "".join(c.tag("meta", (k, n), ("content", v)) + c.gap() for k, n, v in meta)
    extra += c.tag("link", ("rel", "canonical"), ("href", url)) + c.gap()
    extra += _json_ld(site, story, c, ascii_only=t.charset != "utf-8") + c.gap()
    others = [s for s in site.stories if s.path != story.path]
    paras = [c.tag("p", *c.rng.choice(((), (("class", "paragraph"),), (("data-pid", str(i)),))))
             + c.text(p) + "</p>" for i, p in enumerate(story.paragraphs)]
    # boilerplate lands between paragraphs, at positions that move from request to request
    n = len(paras)
    blocks = [(c.rng.randint(1, max(1, n - 2)), _newsletter(c, lang)),
              (c.rng.randint(2, max(2, n - 1)), _ad(c, lang))]
    if others:
        link = c.rng.choice(others)
        blocks.append((c.rng.randint(1, max(1, n - 1)),
                       f"<aside class=\"read-more\"><p><strong>{_say(c, lang, 'read_more')}</strong> "
                       f"{c.tag('a', ('href', link.path))}{c.text(link.headline)}</a></p></aside>"))
    body = "".join(c.gap() + p + "".join(c.gap() + b for k, b in blocks if k == i + 1 < n)
                   for i, p in enumerate(paras))
    related = "".join(f"<li>{c.tag('a', ('href', s.path))}{c.text(s.headline)}</a></li>"
                      for s in c.sample(others, 3))
    byline = ", ".join(f"{c.tag('a', ('rel', 'author'), ('href', author_path(a)))}{c.text(a)}</a>"
                       for a in story.authors)
    tags = "".join(f"<li><a href=\"/tags/{g}/\">{g.replace('-', ' ')}</a></li>" for g in t.tags)
    h1 = c.text(story.headline) if c.rng.random() < 0.7 else f"\n    {c.text(story.headline)}\n  "
    article = (
        f"<article class=\"story\" itemscope itemtype=\"https://schema.org/NewsArticle\">{c.gap()}"
        f"<header class=\"story-header\">{c.gap()}<p class=\"kicker\"><a href=\"/news/\">"
        f"{c.text(t.section)}</a></p>{c.gap()}{c.tag('h1', ('itemprop', 'headline'))}{h1}</h1>"
        f"{c.gap()}<p class=\"standfirst\">{c.text(t.standfirst)}</p>{c.gap()}"
        f"<p class=\"byline\">{_say(c, lang, 'by')} {byline}</p>{c.gap()}"
        f"{c.tag('time', ('datetime', iso(story.published)), ('itemprop', 'datePublished'))}"
        f"{human_date(story.published, lang)}</time>{c.gap()}"
        f"<p class=\"timestamp updated\">{_updated_line(story, c)}</p>{c.gap()}</header>{c.gap()}"
        f"<figure class=\"lead-image\">{c.gap()}"
        + c.tag("img", ("src", f"/static/img/{t.slug}.svg"), ("alt", t.caption),
                ("width", "1200"), ("height", "675"), ("loading", "eager"))
        + f"{c.gap()}<figcaption>{c.text(t.caption)} <span class=\"credit\">{c.text(t.credit)}"
        f"</span></figcaption>{c.gap()}</figure>{c.gap()}{_share(site, story, c)}{c.gap()}"
        f"<div class=\"article-body\" itemprop=\"articleBody\">{body}{c.gap()}</div>{c.gap()}"
        f"{_appeal(site, c, lang)}{c.gap()}<aside class=\"related-stories\"><h2>"
        f"{_say(c, lang, 'related')}</h2><ul>{related}</ul></aside>{c.gap()}"
        f"<footer class=\"story-footer\"><ul class=\"tag-list\">{tags}</ul></footer>{c.gap()}</article>")
    return _document(site, c, story.headline, lang, t.charset, "article-page", article,
                     extra=extra, exclude=story.path)


def _document(site: Site, c: Churn, title: str, lang: str, charset: str, body_class: str,
              main: str, extra: str = "", exclude: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\">{c.gap()}"
            + _head(site, c, f"{title} | {site.name}", charset, extra) + c.gap()
            + f"<body class=\"{body_class}\">{c.gap()}{_site_header(site, c, lang)}{c.gap()}"
            + f"<main id=\"content\">{c.gap()}{main}{c.gap()}{_most_read(site, c, lang, exclude)}"
            + f"{c.gap()}</main>{c.gap()}{_site_footer(site, c)}{c.gap()}</body>\n</html>\n")


def listing_page(site: Site, c: Churn, title: str, stories: list[Story], pick: Story | None) -> str:
    """A front/section/tag page: article links plus the usual non-article links."""
    cards = "".join(
        f"<li class=\"story-card\">{c.tag('a', ('href', s.path))}<h2>{c.text(s.headline)}</h2></a>"
        f"<p class=\"standfirst\">{c.text(s.text.standfirst)}</p>"
        f"{c.tag('time', ('datetime', iso(s.published)))}{human_date(s.published, s.lang)}</time>"
        f"</li>{c.gap()}" for s in stories)
    pick_html = (f"<p class=\"editors-pick\">Editor’s pick: <a href=\"/redirect/{pick.text.slug}\">"
                 f"{c.text(pick.headline)}</a></p>" if pick else "")
    main = (f"<h1 class=\"section-title\">{html.escape(title)}</h1>{c.gap()}{pick_html}"
            f"<ul class=\"story-list\">{c.gap()}{cards}</ul>{c.gap()}{_ad(c, 'en')}{c.gap()}"
            f"{_newsletter(c, 'en')}{c.gap()}<p class=\"pagination\"><a href=\"/news/?page=2\">"
            f"Load more</a></p>")
    return _document(site, c, title, "en", "utf-8", "section-page", main)


def simple_page(site: Site, c: Churn, title: str, inner: str) -> str:
    """About, login, staff, author and error pages: real chrome, little content."""
    main = f"<div class=\"page\"><h1>{html.escape(title)}</h1>{c.gap()}{inner}</div>"
    return _document(site, c, title, "en", "utf-8", "static-page", main)


# --- feeds and sitemaps: stable bytes, updated by the script ---------------------------------

def rss(site: Site) -> str:
    items = "".join(
        f"<item><title>{xml_escape(s.headline)}</title><link>{site.url(s.path)}</link>"
        f"<guid isPermaLink=\"true\">{site.url(s.path)}</guid>"
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<dc:creator>{xml_escape(s.author)}</dc:creator><category>{xml_escape(s.text.section)}"
        f"</category><description>{xml_escape(s.text.standfirst)}</description></item>\n"
        for s in site.stories)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
            "xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            f"\n<channel><title>{xml_escape(site.name)}</title><link>{site.url('/')}</link>"
            f"<description>Latest news from {xml_escape(site.name)}</description><language>en</language>"
            f"<atom:link href=\"{site.url('/rss.xml')}\" rel=\"self\" type=\"application/rss+xml\"/>"
            f"<lastBuildDate>{format_datetime(site.updated)}</lastBuildDate>\n{items}</channel></rss>\n")


def atom(site: Site) -> str:
    entries = "".join(
        f"<entry><id>{site.url(s.path)}</id><title>{xml_escape(s.headline)}</title>"
        f"<link rel=\"alternate\" type=\"text/html\" href=\"{site.url(s.path)}\"/>"
        f"<published>{iso(s.published)}</published><updated>{iso(s.modified)}</updated>"
        + "".join(f"<author><name>{xml_escape(a)}</name></author>" for a in s.authors)
        + f"<summary>{xml_escape(s.text.standfirst)}</summary></entry>\n" for s in site.stories)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"\n<id>{site.url('/')}</id><title>{xml_escape(site.name)}</title>"
            f"<updated>{iso(site.updated)}</updated><link rel=\"self\" href=\"{site.url('/atom.xml')}\"/>"
            f"<link rel=\"alternate\" type=\"text/html\" href=\"{site.url('/news/')}\"/>"
            f"<author><name>{xml_escape(site.name)}</name></author>\n{entries}</feed>\n")


def sitemap(site: Site) -> str:
    urls = [(site.url("/news/"), site.updated)] + [(site.url(s.path), s.modified) for s in site.stories]
    body = "".join(f"<url><loc>{xml_escape(u)}</loc><lastmod>{iso(m)}</lastmod></url>\n" for u, m in urls)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{body}</urlset>\n")


def news_sitemap(site: Site) -> str:
    body = "".join(
        f"<url><loc>{site.url(s.path)}</loc><lastmod>{iso(s.modified)}</lastmod><news:news>"
        f"<news:publication><news:name>{xml_escape(site.name)}</news:name>"
        f"<news:language>{s.lang}</news:language></news:publication>"
        f"<news:publication_date>{iso(s.published)}</news:publication_date>"
        f"<news:title>{xml_escape(s.headline)}</news:title></news:news></url>\n" for s in site.stories)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
            f"xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n{body}</urlset>\n")


def robots(site: Site) -> str:
    return (f"User-agent: *\nDisallow: /private/\n\nSitemap: {site.url('/sitemap.xml')}\n"
            f"Sitemap: {site.url('/news-sitemap.xml')}\n")


STYLESHEET = ("body{font-family:Georgia,serif;margin:0 auto;max-width:72rem}"
              ".ticker{background:#111;color:#fff}.article-body p{line-height:1.6}"
              ".ad-slot{min-height:250px;background:#eee}\n")
SCRIPT_JS = "document.documentElement.classList.add('js');\n"


def placeholder_image(caption: str) -> str:
    return ("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"675\">"
            f"<rect width=\"100%\" height=\"100%\" fill=\"#8a9ba8\"/><title>{xml_escape(caption)}"
            "</title></svg>\n")
