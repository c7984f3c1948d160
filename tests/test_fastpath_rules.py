"""crawler/fastpath.py rule by rule: which text in the article region the fast path may pass over
(what the extractor is sure to cut, or what the previous page already showed) and which it must
not (anything the full read could record).  Each case extracts the first page with the real
extractor, as the pipeline stores it, and asks :func:`recognise` about a second page."""

from __future__ import annotations

from redline.crawler.extract import EXTRACTOR_VERSION
from redline.crawler.fastpath import recognise
from redline.crawler.pipelines import extract_page
from testkit.pages import STORY, STORY_HEADLINE

URL = "https://news.example/2026/11/25/budget"
#: Longer than ``rules.PROSE_CHARS``: two of these make a container prose, whatever its class says.
LONG = ("A paragraph that reads like prose and is long enough to count as one of the story's own paragraphs "
        "for the furniture rules of the extractor, with a full stop at its end.")


def page(*inside: str, title: str = STORY_HEADLINE, og: bool = True, after: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    meta = f'<meta property="og:title" content="{title}">' if og else ""
    return (f"<html><head><title>{title} | The Daily Record</title>{meta}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}{''.join(inside)}</article>"
            f"{after}<footer><p>Contact us</p></footer></body></html>")


def latest(html: str) -> dict:
    article = extract_page(html.encode(), "text/html; charset=utf-8", URL)
    return {"headline": article.headline, "byline": article.byline, "body": article.body,
            "extractor_version": EXTRACTOR_VERSION, "raw_html": html.encode(), "encoding": "utf-8"}


def verdict(first: str, second: str) -> str:
    return recognise(second, URL, latest(first)).reason


def test_the_same_story_in_new_chrome_is_recognised():
    ad = '<div class="ad-slot"><span>Advertisement</span> <a href="/x?{n}">Try our puzzles</a></div>'
    assert verdict(page(ad.format(n=1)), page(ad.format(n=2), '<p class="stamp">Updated 25 Nov 2026, 06:00</p>'),
                   ) == "same"


def test_text_the_previous_page_showed_in_the_region_is_not_new():
    aside = "<p>Share this article with a friend who follows the city budget.</p>"
    assert verdict(page(aside), page(aside)) == "same"


def test_a_new_paragraph_in_the_region_falls_through():
    assert verdict(page(), page("<p>The council will meet again on Monday to vote on the schools plan.</p>")) == "region"


def test_a_hidden_paragraph_is_cut_like_the_extractor_cuts_it():
    assert verdict(page(), page('<p hidden>Draft: a paragraph the editors have not published yet.</p>')) == "same"


def test_a_furniture_class_holding_prose_is_not_taken_for_furniture():
    box = f'<div class="promo"><p>{LONG}</p><p>{LONG} Again.</p></div>'
    assert verdict(page(), page(box)) == "region"


def test_a_class_the_template_puts_on_many_elements_cannot_make_furniture():
    wrapped = "".join(f'<div class="promo-box">{p}</div>' for p in ("One.", "Two.", "Three."))
    new = '<div class="promo-box">The council will meet again on Monday to vote on the schools plan.</div>'
    assert verdict(page(wrapped), page(wrapped, new)) == "region"


def test_a_changed_headline_falls_through():
    assert verdict(page(), page(title="City council rejects budget after marathon session")) == "headline"


def test_a_page_that_declares_no_headline_is_always_read_in_full():
    assert verdict(page(og=False), page(og=False)) == "title-only"


def test_a_changed_word_falls_through():
    edited = page().replace("31 to 18", "31 to 19")
    assert verdict(page(), edited) == "paragraph"
