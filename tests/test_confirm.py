"""crawler/confirm.py: a candidate change is confirmed against both pages' visible text.

Each case is two small pages and what an extractor read from each; the extractions are written
by hand to model a boundary that moved (or a real edit), so the rules are tested one at a time.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from redline.core.errors import NoArticle
from redline.crawler.extract.normalize import squash
from redline.crawler.confirm import headline as headline_of, page, reconcile as reconcile_pages
from redline.crawler.pipelines import confirmed, extract_page
from redline.storage.record import content_digest

P1 = "The council voted on Tuesday to approve the new budget after a long debate."
P2 = "Opposition members said the plan cut too deeply into local services and schools."
P3 = "The mayor said the vote would let the city hire 120 more teachers next year."
P4 = "A final reading is planned for the first week of December, officials said."
CHROME = "Trending: Storm closes mountain roads as snow arrives early in the north."


def reconcile(old_body: str, new_body: str, old_html: str, new_html: str) -> str:
    return reconcile_pages(old_body, new_body, page(old_html), page(new_html))


def html(*paragraphs: str, before: str = "", after: str = "", outside: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>Budget</title></head><body><header>{outside}</header>"
            f"<article><h1>Budget passes</h1>{before}{body}{after}</article>"
            f"<footer><p>Contact us</p></footer></body></html>")


def body(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def test_a_paragraph_the_extraction_lost_but_the_page_still_shows_is_kept() -> None:
    page_html = html(P1, P2, P3)
    old = body(P1, P2, P3)
    assert reconcile(old, body(P1, P3), page_html, page_html) == old


def test_text_the_old_page_already_showed_is_not_an_addition() -> None:
    old_html = html(P1, P2, after="<p>By Jane Doe</p>")
    new_html = html(P1, P2, after="<p>By Jane Doe</p>")
    old = body(P1, P2)
    assert reconcile(old, body(P1, P2, "By Jane Doe"), old_html, new_html) == old


def test_new_chrome_outside_the_article_region_is_not_an_addition() -> None:
    old_html = html(P1, P2, P3)
    new_html = html(P1, P2, P3, outside=f"<p>{CHROME}</p>")
    old = body(P1, P2, P3)
    assert reconcile(old, body(CHROME, P1, P2, P3), old_html, new_html) == old


def test_whitespace_and_case_only_differences_return_the_stored_body_verbatim() -> None:
    page_html = html(P1, P2)
    old = body(P1, P2)
    assert reconcile(old, body(P1.upper(), "  " + P2), page_html, page_html) == old


def test_a_sentence_appended_to_a_paragraph_is_an_edit() -> None:
    """The old paragraph is a prefix of the new one: it is not "still shown" as a whole."""
    extra = P2 + " A spokesperson later confirmed the figures."
    new = reconcile(body(P1, P2, P3), body(P1, P3), html(P1, P2, P3), html(P1, extra, P3))
    assert P2 not in new.split("\n\n")
    new = reconcile(body(P1, P2, P3), body(P1, extra, P3), html(P1, P2, P3), html(P1, extra, P3))
    assert new == body(P1, extra, P3)


def test_a_removed_paragraph_is_an_edit_wherever_it_was() -> None:
    old = body(P1, P2, P3, P4)
    for gone in (P1, P2, P4):
        rest = [p for p in (P1, P2, P3, P4) if p != gone]
        assert reconcile(old, body(*rest), html(P1, P2, P3, P4), html(*rest)) == body(*rest)


def test_a_changed_number_and_an_appended_correction_are_edits() -> None:
    changed = P3.replace("120", "121")
    correction = "Correction: an earlier version misstated the date of the vote."
    new_html = html(P1, P2, changed, correction)
    got = reconcile(body(P1, P2, P3), body(P1, P2, changed, correction), html(P1, P2, P3), new_html)
    assert got == body(P1, P2, changed, correction)


def test_an_edit_survives_a_boundary_move_in_the_same_fetch() -> None:
    """The extractor lost P1 (still shown) while the outlet changed P3: only the edit remains."""
    changed = P3.replace("120", "121")
    got = reconcile(body(P1, P2, P3), body(P2, changed), html(P1, P2, P3), html(P1, P2, changed))
    assert got == body(P1, P2, changed)


def test_a_paragraph_split_in_two_by_new_markup_is_no_change() -> None:
    first, second = P1.split(" after ")
    new_html = html(first, "after " + second, P2)
    old = body(P1, P2)
    assert reconcile(old, body(first, "after " + second, P2), html(P1, P2), new_html) == old


def test_page_keeps_only_visible_text() -> None:
    shown = page("<html><head><title>T</title><script>var a = 'secret';</script></head><body>"
                 "<p>Seen</p><p hidden>Unseen</p><div style='display: none'>Gone</div></body></html>")
    assert shown.keys == ["seen"]
    assert shown.shows("seen") and not shown.shows("secret") and not shown.shows("unseen")


def test_an_edit_in_the_stretch_the_extraction_lost_is_read_anchored_on_the_old_version() -> None:
    """The extractor lost the story's end (still shown); a correction appeared right under it."""
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    old_html = html(P1, P2, P3, P4)
    new_html = html(P1, P2, P3, P4, correction)
    got = reconcile(body(P1, P2, P3, P4), body(P1, P2), old_html, new_html)
    assert got == body(P1, P2, P3, P4, correction)


def test_new_text_just_before_a_lost_paragraph_is_read_in_page_order() -> None:
    """The extractor lost the story's last paragraph (still shown) and a correction was put
    just above it: new text is looked for on both sides of a restored paragraph, in page order;
    new text between two paragraphs the reading kept is left to the reading."""
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    old_html = html(P1, P2, P3, P4)
    got = reconcile(body(P1, P2, P3, P4), body(P1, P2, P3), old_html, html(P1, P2, P3, correction, P4))
    assert got == body(P1, P2, P3, correction, P4)
    got = reconcile(body(P1, P2, P3, P4), body(P1, P2, P4), old_html, html(P1, correction, P2, P3, P4))
    assert got == body(P1, P2, P3, P4)


def test_a_lone_shared_paragraph_does_not_narrow_the_article_region() -> None:
    """Each paragraph in its own wrapper: one anchor's parent is its wrapper, not the story."""
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    old_html = html(before=f'<div class="x"><p>{P1}</p></div>')
    new_html = html(before=f'<div class="x"><p>{P1}</p></div><div class="x"><p>{correction}</p></div>')
    assert reconcile(body(P1), body(P1, correction), old_html, new_html) == body(P1, correction)


def paywalled(main: list[str], boxed: list[str]) -> str:
    """A story whose last paragraphs stand in a box beside the main column (a paywall teaser)."""
    column = "".join(f"<p>{p}</p>" for p in main)
    box = "".join(f"<p>{p}</p>" for p in boxed)
    return (f"<html><head><title>Budget</title></head><body><div class='section'><h1>Budget passes</h1>"
            f"<div class='text'>{column}</div><div class='regist'>{box}</div></div>"
            f"<footer><p>Contact us</p></footer></body></html>")


def test_an_edited_paragraph_outside_the_main_column_is_an_edit_not_chrome() -> None:
    """The story's own paragraph is edited where it stands (a box next to the column the other
    paragraphs share): the edited form is the story's, not new chrome, and so is a correction
    added under it."""
    changed = P3.replace("120", "121")
    old_html = paywalled([P1, P2], [P3])
    got = reconcile(body(P1, P2, P3), body(P1, P2, changed), old_html, paywalled([P1, P2], [changed]))
    assert got == body(P1, P2, changed)
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    got = reconcile(body(P1, P2, P3), body(P1, P2, P3, correction), old_html,
                    paywalled([P1, P2], [P3, correction]))
    assert got == body(P1, P2, P3, correction)


def test_a_collapsed_extraction_keeps_every_paragraph_the_page_still_shows() -> None:
    """The extractor found nothing (or only furniture) on a page that still shows the story."""
    page_html = html(P1, P2, P3)
    old = body(P1, P2, P3)
    assert reconcile(old, "", page_html, page_html) == old
    assert reconcile(old, body("Contact us"), page_html, page_html) == old


def test_an_edit_in_a_collapsed_extraction_is_still_an_edit() -> None:
    """A changed number or an appended sentence in the stretch the extraction lost is the
    paragraph edited, not removed; a removed paragraph is still removed."""
    changed = P2.replace("deeply", "far")
    extra = P3 + " A spokesperson later confirmed the figures."
    got = reconcile(body(P1, P2, P3, P4), "", html(P1, P2, P3, P4), html(P1, changed, extra, P4))
    assert got == body(P1, changed, extra, P4)
    got = reconcile(body(P1, P2, P3, P4), "", html(P1, P2, P3, P4), html(P1, P3, P4))
    assert got == body(P1, P3, P4)


def test_restored_and_gained_paragraphs_keep_the_page_order() -> None:
    """A correction under the story's last paragraph, with a label after it that the extractor
    lost: the rebuilt stretch reads as the page does, so the next fetch (which reads both in
    document order) is no reordering."""
    label = "Exclusive story for subscribers of the city desk newsletter."
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    old = body(P1, P2, label)
    got = reconcile(old, body(P1, P2, correction), html(P1, P2, label), html(P1, P2, correction, label))
    assert got == body(P1, P2, correction, label)


def test_a_correction_after_a_standing_box_in_a_collapsed_extraction_is_an_edit() -> None:
    """The extraction found nothing (a template wrapped every paragraph in a furniture-classed
    ``<div>``) and the page shows the story, a box the old page showed too between two of its
    paragraphs, and a correction under that box: the box does not end the story's stretch, so
    the correction above the next restored paragraph is read."""
    standing = "<section><p>Our reporters checked every figure in this story with the city.</p></section>"
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    old_html = html(P1, P2).replace("</article>", f"{standing}<p>{P3}</p></article>")
    new_html = html(P1, P2).replace("</article>", f"{standing}<p>{correction}</p><p>{P3}</p></article>")
    assert reconcile(body(P1, P2, P3), "", old_html, new_html) == body(P1, P2, correction, P3)
    assert reconcile(body(P1, P2, P3), "", old_html, old_html) == body(P1, P2, P3)


def test_a_correction_under_standing_embeds_is_an_edit_when_the_reading_did_not_move() -> None:
    """The story's last paragraph was a quoted tweet, since removed; a correction now stands in
    the embed's box under an earlier tweet, a date line and a related list the old page showed
    too.  The reading equals the stored one; the standing text neither ends the story's stretch
    nor makes the correction's box hold something else.  A new comment among old ones in a list
    below the story is not the story's."""
    from redline.crawler.confirm import with_unread

    tweet = ("<blockquote class='twitter-tweet'><p>Senate resolves to observe a minute of silence today.</p>"
             "<p>— The Senate (@Senate) October 9, 2018</p></blockquote>")
    related = "<div class='related'><h3>Related stories</h3><ul><li><a href='/b'>Other news</a></li></ul></div>"
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    comments = "<ul class='comments'><li>Ann: I was there and the vote was long and fair.</li>{}</ul>"
    old_html = html(P1, P2, P3, after=tweet + f"<blockquote>{related}<p>— The Senate, 9 October</p></blockquote>"
                    + comments.format(""))
    new_html = html(P1, P2, P3, after=tweet + f"<blockquote><p><em>{correction}</em></p>{related}"
                    "<p>— The Senate, 9 October</p></blockquote>" + comments.format(""))
    stored = body(P1, P2, P3)
    assert with_unread(stored, page(old_html), page(new_html)) == body(P1, P2, P3, correction)
    assert with_unread(stored, page(old_html), page(old_html)) == stored
    commented = html(P1, P2, P3, after=tweet + f"<blockquote>{related}<p>— The Senate, 9 October</p></blockquote>"
                     + comments.format("<li>Bob: The council should have waited for the audit first.</li>"))
    assert with_unread(stored, page(old_html), page(commented)) == stored
    # a sign-up form elsewhere in that box is the sign-up's, not the correction's
    signup = "<div class='signup'><p>Get our morning briefing.</p><form><input name='e'></form></div>"
    old_html = html(P1, P2, P3, after=tweet + f"<blockquote>{signup}<p>— The Senate, 9 October</p></blockquote>")
    new_html = html(P1, P2, P3, after=tweet + f"<blockquote><div class='article-correction'><p>{correction}</p></div>"
                    f"{signup}<p>— The Senate, 9 October</p></blockquote>")
    assert with_unread(stored, page(old_html), page(new_html)) == body(P1, P2, P3, correction)


def test_prose_beside_paragraphs_each_in_its_own_wrapper_is_an_edit() -> None:
    """A redeploy put every paragraph in its own ``<div class="body-copy">``: the element holding
    the story's paragraphs is the one around those wrappers, so a correction in a furniture-
    classed box beside them is still beside the story."""
    from redline.crawler.confirm import with_unread

    correction = "Correction: an earlier version of this article misstated the date of the vote."
    wrapped = [f"</p><div class='body-copy'><p>{p}</p></div><p>" for p in (P1, P2, P3)]
    old_html = html(*wrapped).replace("<p></p>", "")
    new_html = html(*wrapped, after=f"<div class='teaser'><p>{correction}</p></div>").replace("<p></p>", "")
    stored = body(P1, P2, P3)
    assert with_unread(stored, page(old_html), page(new_html)) == body(P1, P2, P3, correction)


def test_a_lost_paragraph_edited_in_a_box_outside_the_region_is_edited_not_removed() -> None:
    """The story's last paragraph is a paywall note in a box of its own after the article
    element; a sentence appended to it, and the fresh extraction loses it.  The region drawn by
    the other paragraphs does not hold it, yet the one new block of the page that is that
    paragraph edited is its edited form: an edit, not a removal."""
    note = "Subscribers can read the full council report on our website."
    edited = note + " It runs to forty pages."
    old_html = html(P1, P2, P3).replace("</article>", f"</article><section class='paywall'><p>{note}</p></section>")
    new_html = html(P1, P2, P3).replace("</article>", f"</article><section class='paywall'><p>{edited}</p></section>")
    assert reconcile(body(P1, P2, P3, note), body(P1, P2, P3), old_html, new_html) == body(P1, P2, P3, edited)


def test_a_long_caption_rewrapped_over_many_lines_is_still_one_line_of_furniture() -> None:
    """The visible page drops a short inline furniture element inside a longer block (a gallery
    caption's text span beside its date and credit); "short" is measured as a reader sees it, so
    a rewrite that breaks the caption over many indented lines leaves it dropped."""
    caption = "One of the many mosaics for which the museum is famous; gunmen attacked it in March."
    def gallery(text: str) -> str:
        return (f"<div class='gallery'><div class='gal-caption'><span class='caption-title'>May 17</span> "
                f"<span class='caption-text'>{text}</span> <span class='caption-credit'>AFP</span></div></div>")
    flat = page(html(P1, P2, after=gallery(caption)))
    rewrapped = page(html(P1, P2, after=gallery(("\n" + " " * 40).join(caption.split()))))
    assert squash(caption) not in flat.joined
    assert squash(caption) not in rewrapped.joined


WATCH = "Where to watch: Netflix"


def test_a_repeated_line_is_placed_at_its_copy_after_the_stretch_before_it() -> None:
    """A line the page shows under several items ("Where to watch: Netflix") that the extractor
    lost is put back at its copy after the paragraph before it, not at its first copy in the page
    (under an earlier item): the rebuilt body reads as the page does."""
    page_html = html(P1, WATCH, P2, P3, WATCH)
    old = body(P1, WATCH, P2, P3, WATCH)
    edited = P3 + " A spokesman confirmed the figures on Wednesday."
    got = reconcile(old, body(P1, WATCH, P2, edited), page_html, html(P1, WATCH, P2, edited, WATCH))
    assert got == body(P1, WATCH, P2, edited, WATCH)
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    got = reconcile(old, body(P1, WATCH, P2, P3, correction), page_html,
                    html(P1, WATCH, P2, P3, correction, WATCH))
    assert got == body(P1, WATCH, P2, P3, correction, WATCH)


def test_a_repeated_line_read_at_another_of_its_copies_is_no_change() -> None:
    """A reading that holds a repeated line at another of the places the page shows it (one
    place later under a markup rewrite) is no edit: which identical copy an extraction holds is
    the extractor's choice.  A line the page shows once, moved, is still a difference."""
    old_html = html(P1, WATCH, P2, P3, WATCH)
    new_html = html(P1, WATCH, P2, P3, WATCH).replace("<p>", "<p class='x'>")
    old = body(P1, WATCH, P2, P3)
    assert reconcile(old, body(P1, P2, P3, WATCH), old_html, new_html) == old
    once = html(P1, P2, P3, P4)
    assert reconcile(body(P1, P2, P3, P4), body(P1, P3, P2, P4), once, once) != body(P1, P2, P3, P4)


def titled(title: str, h1: str, *paragraphs: str, wrap: str = "") -> str:
    text = "".join(f"<{wrap or 'p'}>{p}</{wrap or 'p'}>" for p in paragraphs)
    return (f"<html><head><title>{title}</title><meta property='og:title' content='{title}'></head>"
            f"<body><article><h1>{h1}</h1>{text}</article></body></html>")


def test_a_different_reading_of_an_unchanged_headline_is_not_an_edit() -> None:
    """Nothing a headline is read from changed (title, og:title, h1): a new reading (a heading
    picked from re-wrapped markup, or none at all) keeps the stored headline."""
    old_html = titled("Budget passes", "Budget passes", P1, P2)
    new_html = titled("Budget passes", "Budget passes", P1, P2, wrap="div")
    for reading in ("", "Opposition members said", "Budget"):
        assert headline_of("Budget passes", reading, page(old_html), page(new_html)) == "Budget passes"


def test_a_reworded_headline_is_an_edit() -> None:
    old_html = titled("Budget passes", "Budget passes", P1, P2)
    new_html = titled("Budget passes narrowly", "Budget passes narrowly", P1, P2)
    got = headline_of("Budget passes", "Budget passes narrowly", page(old_html), page(new_html))
    assert got == "Budget passes narrowly"
    h1_only = titled("Budget passes", "Budget passes narrowly", P1, P2)
    assert headline_of("Budget passes", "Budget passes narrowly", page(old_html), page(h1_only)) == \
        "Budget passes narrowly"


def test_a_page_the_extractor_finds_no_article_on_is_read_from_the_latest_version() -> None:
    """The pipeline's path: no article found (``allow_empty``), yet the page still shows the
    stored story with one number changed: the edit is what comes out, not a failed check."""
    ctype = "text/html; charset=utf-8"
    old_html = html(P1, P2, P3).encode()
    old = extract_page(old_html, ctype, "http://127.0.0.1/a")
    latest = {"raw_html": old_html, "body": old.body, "headline": old.headline, "encoding": "utf-8",
              "content_digest": content_digest(old.headline, old.byline, old.body)}
    changed = P3.replace("120", "121")
    # Every paragraph in a furniture box the extractor cuts: it finds no article text at all.
    boxed = (f"<html><head><title>Budget</title></head><body><h1>Budget passes</h1>"
             f"<aside class='related'><p>{P1}</p><p>{P2}</p><p>{changed}</p></aside></body></html>").encode()
    with pytest.raises(NoArticle):
        extract_page(boxed, ctype, "http://127.0.0.1/a")
    fresh = extract_page(boxed, ctype, "http://127.0.0.1/a", allow_empty=True)
    assert fresh.body == ""
    got = confirmed(latest, fresh, boxed, ctype)
    assert got.body == body(P1, P2, changed)
    assert got.headline == old.headline


def latest_of(page_bytes: bytes) -> dict:
    """The latest version as the store hands it to the pipeline, read from ``page_bytes``."""
    old = extract_page(page_bytes, "text/html; charset=utf-8", "http://127.0.0.1/a")
    return {"raw_html": page_bytes, "body": old.body, "headline": old.headline, "encoding": "utf-8",
            "byline": old.byline, "content_digest": content_digest(old.headline, old.byline, old.body)}


def test_a_correction_in_a_furniture_box_is_an_edit_when_the_reading_did_not_move() -> None:
    """A correction put under the story in ``<div class="teaser">``: the extractor skips it as
    furniture, nothing else moved, so the fresh reading equals the stored one; the new page's
    article region gained prose next to the story, and that is the edit.  A box the old page
    showed as well, a short label, and the summaries of a "Most read" rail are not."""
    ctype = "text/html; charset=utf-8"
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    standing = "<div class='teaser'><p>Our reporters checked every figure in this story with the city.</p></div>"
    old_html = html(P1, P2, P3, after=standing).encode()
    latest = latest_of(old_html)
    assert latest["body"] == body(P1, P2, P3)
    new_html = html(P1, P2, P3, after=standing + f"<div class='teaser'><p>{correction}</p></div>").encode()
    fresh = extract_page(new_html, ctype, "http://127.0.0.1/a")
    assert fresh.body == latest["body"]  # the extractor alone does not see it
    assert confirmed(latest, fresh, new_html, ctype).body == body(P1, P2, P3, correction)
    unchanged = extract_page(old_html, ctype, "http://127.0.0.1/a")
    assert confirmed(latest, unchanged, old_html, ctype).body == latest["body"]
    rail = ("<aside class='most-read'><h3>Most read</h3><ul><li><a href='/b'>Storm closes roads</a>"
            "<p>Snow arrived early in the north and closed three mountain passes overnight.</p></li>"
            "<li><a href='/c'>Schools reopen</a><p>Pupils returned on Monday after a week of repairs.</p></li></ul></aside>")
    for extra in ("<div class='teaser'><p>Share this story</p></div>", rail):
        labelled = html(P1, P2, P3, after=standing + extra).encode()
        fresh = extract_page(labelled, ctype, "http://127.0.0.1/a")
        assert confirmed(latest, fresh, labelled, ctype).body == latest["body"]


def test_a_correction_without_spaces_in_a_furniture_box_is_an_edit() -> None:
    """The same in a language written without spaces: sentence-like is measured in characters
    (CJK counting double) and a full stop is ``。``."""
    ctype = "text/html; charset=utf-8"
    story = ["市議会は火曜日、長い議論の末に新しい予算案を承認した。野党は学校への影響を懸念している。",
             "市長は、この決定により来年は百二十人の教員を新たに採用できると述べた。",
             "最終的な審議は十二月の第一週に予定されていると当局者は語った。"]
    correction = "訂正：この記事の以前の版では会議の日付を誤って記載していました。会議は月曜日ではなく火曜日に開かれました。"
    old_html = html(*story).encode()
    latest = latest_of(old_html)
    assert latest["body"] == body(*story)
    new_html = html(*story, after=f"<div class='teaser'><p>{correction}</p></div>").encode()
    fresh = extract_page(new_html, ctype, "http://127.0.0.1/a")
    assert fresh.body == latest["body"]
    assert confirmed(latest, fresh, new_html, ctype).body == body(*story, correction)


def test_the_recheck_fast_path_leaves_a_boxed_correction_to_the_full_read() -> None:
    """The fast path (crawler/fastpath.py) calls a page unchanged only when the full read could
    not conclude otherwise: a correction in a furniture box beside the story is what the full
    read's confirmation looks for, so that page is read in full and the correction recorded,
    while the same page with only a new script nonce is still recognised."""
    from redline.crawler.extract import EXTRACTOR_VERSION
    from redline.crawler.fastpath import SAME
    from redline.crawler.reading import read_page

    ctype = "text/html; charset=utf-8"
    correction = "Correction: an earlier version of this article misstated the date of the vote."
    standing = "<div class='teaser'><p>Our reporters checked every figure in this story with the city.</p></div>"

    def served(extra: str) -> bytes:
        return html(P1, P2, P3, P4, after=standing + extra).replace(
            "<title>Budget</title>", "<title>Budget</title><meta property='og:title' content='Budget passes'>").encode()

    latest = {**latest_of(served("")), "extractor_version": EXTRACTOR_VERSION}
    churned = read_page(served("<script>var nonce = 'a1';</script>"), ctype, "http://127.0.0.1/a", None, latest)
    assert churned.fast_path == SAME and churned.article is not None and churned.article.body == latest["body"]
    boxed = read_page(served(f"<div class='teaser'><p>{correction}</p></div>"), ctype, "http://127.0.0.1/a", None, latest)
    assert boxed.fast_path != SAME
    assert boxed.article is not None and boxed.article.body == body(P1, P2, P3, P4, correction)


def test_an_edited_h1_that_tips_the_reading_to_the_declared_title_is_a_headline_edit() -> None:
    """An outlet's og:title says other words than its visible ``<h1>``; the extractor reads the
    ``<h1>`` while the two share enough words.  An edit of the ``<h1>`` that changes one of the
    shared words tips the reading to the declared title (which did not change) and puts the
    edited ``<h1>`` into the body: for a reader the headline was edited, the body was not."""
    ctype = "text/html; charset=utf-8"

    def titled(h1: str, declared: str = "Council approves budget after debate") -> bytes:
        return (f"<html><head><title>{declared}</title><meta property='og:title' content='{declared}'></head>"
                f"<body><article><h1>{h1}</h1>" + "".join(f"<p>{p}</p>" for p in (P1, P2, P3))
                + "</article></body></html>").encode()

    latest = latest_of(titled("Council approves budget, schools win"))
    assert latest["headline"] == "Council approves budget, schools win"
    edited = titled("Council passes budget, schools win")
    fresh = extract_page(edited, ctype, "http://127.0.0.1/a")
    assert fresh.headline == "Council approves budget after debate"  # the extractor's reading tipped
    got = confirmed(latest, fresh, edited, ctype)
    assert (got.headline, got.body) == ("Council passes budget, schools win", latest["body"])
    # the declared title rewritten as well: the extractor's reading stands
    rewritten = titled("Council passes budget, schools win", declared="Budget passes after a long night")
    fresh = extract_page(rewritten, ctype, "http://127.0.0.1/a")
    assert confirmed(latest, fresh, rewritten, ctype).headline == fresh.headline


def test_summaries_in_a_rail_of_cards_are_not_the_storys() -> None:
    """A "Trending now" list inside the article region: each item a linked headline and its
    summary, rotated by the page's chrome.  Its new summaries are not paragraphs of the story,
    whether the extractor took them in or they follow a paragraph the fresh reading lost; a new
    item of a list the story itself holds is an edit."""
    def rail(*items: str) -> str:
        cards = "".join(f"<li><a href='/story/{n}'><h3>Other story {n}</h3></a><div><p>{t}</p></div></li>"
                        for n, t in enumerate(items))
        return f"<div><h2>Trending now</h2><ul>{cards}</ul></div>"

    one = "A New York man pleaded guilty on Monday to threatening a member of Congress, prosecutors said."
    two = "Two former officials testified side by side before the committee about the events of July."
    three = "It was the shot heard round the world in the closing seconds of last week's game."
    old_html = html(P1, P2, P3, after=rail(three))
    new_html = html(P1, P2, P3, after=rail(one, two))
    stored = body(P1, P2, P3)
    assert reconcile(stored, body(P1, P2, P3, one, two), old_html, new_html) == stored  # taken in
    assert reconcile(stored, body(P1, P2), old_html, new_html) == stored  # after a lost paragraph
    own = "<ul><li><a href='/f/1'>Film one</a><p>Where to watch: Netflix.</p></li>{}</ul>"
    added = "<li><a href='/f/2'>Film two</a><p>Where to watch: Hulu.</p></li>"
    story_list = body(P1, P2, "Film one", "Where to watch: Netflix.")
    assert reconcile(story_list, body(P1, P2, "Film one", "Where to watch: Netflix.", "Film two", "Where to watch: Hulu."),
                     html(P1, P2, after=own.format("")), html(P1, P2, after=own.format(added))) != story_list


def test_one_line_of_a_two_line_headline_is_not_a_paragraph() -> None:
    """The ``<h1>`` holds the headline and its writer on two lines; after an A/B test wrote it on
    one line, the page puts the two lines back and the fresh reading takes the first for a
    paragraph.  It is a piece of the headline, not the story's text; a paragraph of the story
    gained beside it is still gained."""
    two_lines = "<h1><span>Budget passes after debate</span><br><span>By the city desk</span></h1>"
    old_html = html(P1, P2, P3).replace("<h1>Budget passes</h1>", "<h1>Watch: Budget passes after debate By the city desk</h1>")
    new_html = html(P1, P2, P3, P4).replace("<h1>Budget passes</h1>", two_lines)
    stored = body(P1, P2, P3)
    assert reconcile(stored, body("Budget passes after debate", P1, P2, P3), old_html, new_html) == stored
    assert reconcile(stored, body("Budget passes after debate", P1, P2, P3, P4), old_html, new_html) == body(P1, P2, P3, P4)


def test_a_stored_paragraph_that_repeats_the_headline_stays_when_the_reading_moves() -> None:
    """A stored story may hold a paragraph that says its headline again (a lead line, or an
    articleBody that begins with it). When a fresh reading of the unchanged page picks another
    headline, the stored headline is kept, and so is that paragraph: only a *new* headline
    (an edited ``<h1>`` the reading took for a paragraph) is taken out of the body."""
    ctype = "text/html; charset=utf-8"
    latest = latest_of(titled("Budget passes", "Budget passes", P1, P2, P3).encode())
    latest["body"] = "Budget passes\n\n" + latest["body"]
    rewrapped = titled("Budget passes", "Budget passes", "Budget passes", P1, P2, P3, wrap="div").encode()
    moved = replace(extract_page(rewrapped, ctype, "http://127.0.0.1/a"), headline="Opposition members said",
                    body=latest["body"])
    got = confirmed(latest, moved, rewrapped, ctype)
    assert (got.headline, got.body) == ("Budget passes", latest["body"])
