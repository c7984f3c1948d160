"""An outlet's ``<title>`` template, learned from its pages as redline fetches them (crawler/titles.py).

A real local site serves one outlet whose pages declare no og:title or JSON-LD: the ``<title>``
is ``Valley Courier: <headline>`` and the masthead ``<h1>`` says "Valley Courier", so a page read
alone takes the site's name for the headline.  Tracked and crawled through the CLI, redline
learns the outlet's template from its other pages and stores the right headlines; neither the
learning nor a later redesign of the outlet's titles is ever reported as a headline edit.
"""

from __future__ import annotations

import sqlite3

import pytest

from redline.crawler.extract import extract
from redline.crawler.extract.headline import TitleTemplate
from redline.crawler.titles import KEEP_SHARE, MIN_SAMPLE, host_of, learn

HEADLINES = [
    "Council passes the budget after a long night",
    "Bridge repairs delayed again by the flood",
    "Mayor opens the new library on Main Street",
    "School board hires a new superintendent",
    "Farmers count the cost of the late frost",
]
STORY = [
    "VALLEY CITY -- The town council passed its budget on Tuesday after a debate that ran past "
    "midnight, with eleven votes to four.",
    "The plan raises spending on roads and schools while holding the property tax rate where it "
    "was last year, the treasurer said.",
    "Opponents said the council had not explained how it would pay for the new fire station "
    "promised in the spring.",
]


def courier_page(number: int, headline: str, clock: int, *, redesigned: bool = False) -> str:
    """One story of the outlet; ``clock`` rotates the "Updated" line (the bytes change every crawl)."""
    site = "The Valley Courier" if redesigned else "Valley Courier"
    title = f"{headline} - {site}" if redesigned else f"{site}: {headline}"
    story = "".join(f"<p>{p} (story {number})</p>" for p in STORY)
    return f"""<html><head><title>{title}</title></head><body>
<table><tr><td><h1>{site}</h1><font size="1">Updated {clock:02d}:00</font></td></tr>
<tr><td><a href="/">Home</a> | <a href="/news">News</a></td></tr></table>
<div>{story}</div><p><font size="1">Copyright 2008 {site}</font></p></body></html>"""


def _serve(site, clock: int, *, redesigned: bool = False, headlines: list[str] = HEADLINES) -> list[str]:
    return [site.set(f"/story/{i}", courier_page(i, h, clock, redesigned=redesigned))
            for i, h in enumerate(headlines)]


def _latest_headlines(redline, urls: list[str]) -> list[str]:
    return [redline("history", url, "--json").json()["versions"][-1]["headline"] for url in urls]


def test_outlet_template_learned_and_never_an_edit(site, redline) -> None:
    urls = _serve(site, clock=0)
    redline("track", *urls)
    redline("crawl", "--once", "--all")
    # The first pages are read before the outlet's template is known (it takes MIN_SAMPLE titles).
    assert _latest_headlines(redline, urls).count("Valley Courier") == MIN_SAMPLE

    _serve(site, clock=1)
    redline("crawl", "--once", "--all")
    assert _latest_headlines(redline, urls) == HEADLINES
    assert redline("changes", "--json").json() == []
    with sqlite3.connect(redline.db) as db:
        (keys,) = db.execute("SELECT site_keys FROM title_templates WHERE host = ?", [host_of(urls[0])]).fetchone()
        rereads = db.execute("SELECT count(*) FROM changes WHERE reextraction = 1").fetchone()[0]
    assert keys == '["valleycourier"]'
    assert rereads == MIN_SAMPLE  # each corrected page: a re-extraction, hidden from changes

    # The outlet redesigns its titles ("<headline> - The Valley Courier"): the learned template
    # follows, and no headline changes.
    for clock in (2, 3):
        _serve(site, clock=clock, redesigned=True)
        redline("crawl", "--once", "--all")
    assert _latest_headlines(redline, urls) == HEADLINES
    assert redline("changes", "--json").json() == []
    with sqlite3.connect(redline.db) as db:
        (keys,) = db.execute("SELECT site_keys FROM title_templates").fetchone()
    assert keys == '["thevalleycourier"]'

    # A real headline edit is still one.
    edited = ["Council passes the budget after a night of debate", *HEADLINES[1:]]
    _serve(site, clock=4, redesigned=True, headlines=edited)
    redline("crawl", "--once", "--all")
    changes = redline("changes", "--json").json()
    assert [(c["url"], c["kinds"]) for c in changes] == [(urls[0], ["headline"])]
    assert (changes[0]["headline_before"], changes[0]["headline_after"]) == (HEADLINES[0], edited[0])


def test_learning_waits_for_enough_titles_and_is_slow_to_forget() -> None:
    old = [f"Valley Courier: {h}" for h in HEADLINES]
    assert learn(frozenset(), old[:MIN_SAMPLE - 1]) == frozenset()
    assert learn(frozenset(), old) == {"valleycourier"}
    # A redesign under way: the old name is in fewer than half of the newest titles but more than
    # KEEP_SHARE of them, so it stays learned beside the new one.
    new = [f"{h} - The Valley Courier" for h in HEADLINES]
    mixed = new[:3] + old[:2]
    assert 2 / len(mixed) >= KEEP_SHARE
    assert learn(frozenset({"valleycourier"}), mixed) == {"valleycourier", "thevalleycourier"}
    assert learn(frozenset(), mixed) == {"thevalleycourier"}


@pytest.mark.parametrize("headline", [
    "Why politics matters to the valley",
    "Politics is back in the valley",
    "Valley Courier editor retires after forty years",
])
def test_a_learned_part_inside_a_headline_names_nothing(headline: str) -> None:
    """Learned parts are whole title parts ("Politics", "Valley Courier"); a headline that holds
    one as a word is still the headline."""
    template = TitleTemplate.learn([f"Valley Courier | Politics | {h}" for h in HEADLINES])
    assert template.site_keys == {"valleycourier", "politics"}
    story = "".join(f"<p>{p}</p>" for p in STORY)
    html = (f"<html><head><title>Valley Courier | Politics | {headline}</title></head><body>"
            f"<h2>Politics</h2><b>{headline}</b>{story}</body></html>")
    assert extract(html, "http://127.0.0.1:9/story", template=template).headline == headline


def test_a_renamed_outlet_is_learned_within_a_few_articles() -> None:
    old = [f"Valley Courier: story {i} of the old days" for i in range(40)]
    new = [f"Hill Gazette: story {i} of the new days" for i in range(MIN_SAMPLE)]
    keys = learn(frozenset(), old)
    assert keys == {"valleycourier"}
    assert learn(keys, (new[:MIN_SAMPLE - 1] + old)[:40]) == {"valleycourier"}
    assert learn(keys, (new + old)[:40]) == {"valleycourier", "hillgazette"}


def test_host_of() -> None:
    assert host_of("http://www.Courier.example/a") == "courier.example"
    assert host_of("http://127.0.0.1:8123/story/1") == "127.0.0.1:8123"
