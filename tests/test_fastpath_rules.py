"""crawler/fastpath.py rule by rule: which text in the article region the fast path may pass over
(what the extractor is sure to cut, or what the previous page already showed) and which it must
not (anything the full read could record).  Each case extracts the first page with the real
extractor, as the pipeline stores it, and asks :func:`recognise` about a second page."""

from __future__ import annotations

import pytest

from redline.crawler.extract import EXTRACTOR_VERSION
from redline.crawler import fastpath
from redline.crawler.fastpath import NeedsPage, recognise, shown_texts
from redline.crawler.pipelines import extract_page
from testkit.pages import STORY, STORY_HEADLINE

URL = "https://news.example/2026/11/25/budget"
#: Longer than ``rules.PROSE_CHARS``: two of these make a container prose, whatever its class says.
LONG = ("A paragraph that reads like prose and is long enough to count as one of the story's own paragraphs "
        "for the furniture rules of the extractor, with a full stop at its end.")


#: Text in the region that the extractor leaves out and no furniture rule of the fast path cuts.
LEFT_OUT = "<h3>Trending News</h3>"


def page(*inside: str, title: str = STORY_HEADLINE, og: bool = True, after: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    meta = f'<meta property="og:title" content="{title}">' if og else ""
    return (f"<html><head><title>{title} | The Daily Record</title>{meta}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}{''.join(inside)}</article>"
            f"{after}<footer><p>Contact us</p></footer></body></html>")


def latest(html: str) -> dict:
    article = extract_page(html.encode(), "text/html; charset=utf-8", URL)
    return {"headline": article.headline, "byline": article.byline, "body": article.body,
            "extractor_version": EXTRACTOR_VERSION, "raw_html": html.encode(), "encoding": "utf-8",
            "shown_texts": shown_texts(html.encode(), "utf-8", article.headline, article.body)}


def verdict(first: str, second: str) -> str:
    """The fast path's verdict on ``second`` after ``first``, the same whether it reads the first
    page itself or the shown texts kept with its version (and then it never needs the page)."""
    stored = latest(first)
    from_page = recognise(second, URL, {**stored, "shown_texts": None}).reason
    without_page = {key: value for key, value in stored.items() if key != "raw_html"}
    assert recognise(second, URL, without_page).reason == from_page
    return from_page


def test_shown_texts_made_for_another_text_or_by_other_code_are_never_used():
    aside = LEFT_OUT
    stored = latest(page(aside))
    without_page = {key: value for key, value in stored.items() if key != "raw_html"}
    other = latest(page(aside).replace("31 to 18", "31 to 19"))["shown_texts"]
    blob = stored["shown_texts"]
    size = fastpath._DIGEST_BYTES
    digests = 1 + fastpath._KEY_BYTES + 1  # format, key, "a region": then the digests
    damaged = blob[:digests] + bytes(b ^ 1 if (i % size) == 0 else b for i, b in enumerate(blob[digests:]))
    for blob in (other, damaged[:digests + size // 2], None):
        with pytest.raises(NeedsPage):  # not usable: the stored page is asked for
            recognise(page(aside), URL, {**without_page, "shown_texts": blob})
    # A damaged digest is a text never shown: the page is read in full, never taken as unchanged.
    assert recognise(page(aside), URL, {**without_page, "shown_texts": damaged}).reason == "region"
    assert recognise(page(aside), URL, without_page).reason == "same"


def test_the_same_story_in_new_chrome_is_recognised():
    ad = '<div class="ad-slot"><span>Advertisement</span> <a href="/x?{n}">Try our puzzles</a></div>'
    assert verdict(page(ad.format(n=1)), page(ad.format(n=2), '<p class="stamp">Updated 25 Nov 2026, 06:00</p>'),
                   ) == "same"


def test_text_the_previous_page_showed_in_the_region_is_not_new():
    aside = "<p>Share this article with a friend who follows the city budget.</p>"
    assert verdict(page(aside), page(aside)) == "same"
    # A heading the extractor leaves out, which no furniture rule cuts: new text unless the
    # previous page showed it too.
    assert verdict(page(LEFT_OUT), page(LEFT_OUT)) == "same"
    assert verdict(page(), page(LEFT_OUT)) == "region"


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


def test_hidden_elements_are_those_the_style_xpath_selects():
    """``rules.HIDDEN`` tests styles in Python; it must pick exactly what the one XPath did."""
    from lxml import etree

    from redline.crawler.extract import parse, rules

    xpath = etree.XPath("//*[@hidden or contains(translate(@style, ' ', ''), 'display:none')"
                        " or contains(translate(@style, ' ', ''), 'visibility:hidden')]")
    styles = ["display:none", "display : none", "DISPLAY:NONE", "display:\tnone", "color:red; visibility: hidden",
              "visibility:visible", "", "display:none-ish", "display:noneX", "display:block"]
    spans = "".join(f'<span style="{style}">{n}</span>' for n, style in enumerate(styles))
    html = (f'<html><head><style>p {{}}</style></head><body><div hidden>a<p style="display: none">b</p></div>'
            f'<p hidden="">c</p><p hidden="hidden" style="x">d</p>{spans}{page(LEFT_OUT)}</body></html>')
    tree = parse(html)
    assert rules.HIDDEN(tree) == xpath(tree)
    assert len(rules.HIDDEN(tree)) == 9


def test_a_boxed_correction_after_embeds_the_old_page_showed_falls_through():
    """A correction in a furniture-classed box below an embed the previous page showed too (a
    tweet whose attribution line is no sentence, a captioned photo): the full read's confirmation
    passes over the standing embed and records the correction, so the fast path must not call the
    page unchanged; the same page without the correction still is."""
    from redline.crawler.reading import read_page
    from redline.storage.record import content_digest

    correction = "Correction: an earlier version of this article misstated the date of the vote."
    embeds = ("<blockquote class='twitter-tweet'><p>The council votes on the budget tonight</p>"
              "<p>— City Hall (@cityhall) November 25, 2026</p></blockquote>",
              "<figure><img src='/chamber.jpg'><figcaption>The council chamber, Tuesday</figcaption></figure>")
    for embed in embeds:
        boxed = page(embed, f"<div class='teaser'><p>{correction}</p></div>")
        assert verdict(page(embed), page(embed)) == "same"
        assert verdict(page(embed), boxed) == "region"
        stored = latest(page(embed))
        stored["content_digest"] = content_digest(stored["headline"], stored["byline"], stored["body"])
        full = read_page(boxed.encode(), "text/html; charset=utf-8", URL, None, stored, fast_path=False)
        assert full.article is not None and full.article.body.endswith(correction)
