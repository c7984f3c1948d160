"""Extraction on old-markup pages: no og:title, no JSON-LD, table layouts, ``<title>`` with the site.

Hand-built pages in the shapes the 2008-era corpus folder shows (``../shared/corpus-gn1``): the
headline has to be found in the page, ``<title>`` carries the site or section name (or only it),
comments follow the story, time stamps and rights notices sit around it.
"""

from __future__ import annotations

import pytest

from redline.crawler.extract import extract
from redline.crawler.extract.headline import TitleTemplate, title_parts

URL = "http://www.argus.example/news/story.php?id=4711"
HEADLINE = "Storm closes schools across the valley"
PARAGRAPHS = [
    "VALLEY CITY -- Every school in the valley stayed shut on Tuesday after a winter storm dropped "
    "more than a foot of snow overnight and left several roads impassable.",
    "The district said buses could not reach the outlying villages safely and that classes would "
    "resume only once the county had cleared the main routes, probably on Thursday.",
    "Parents scrambled to arrange care for younger children, and the public library opened two "
    "hours early to give families somewhere warm to go during the day.",
    "County crews worked through the night with every plough available, the roads department said, "
    "and asked drivers to stay at home unless their journey was essential.",
]


def old_page(title: str, heading: str = f"<b>{HEADLINE}</b>", *, above: str = "", after: str = "",
             section: str = "Local News") -> str:
    """A table-layout page: masthead, section menu, a bold headline line, the story, a sidebar."""
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<html><head><title>{title}</title></head><body>
<table width="100%"><tr><td><img src="/logo.gif" alt="logo"> <font size="2">Tuesday, January 8, 2008</font></td></tr>
<tr><td><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sports">Sports</a></td></tr></table>
<table><tr><td width="160" valign="top"><h2>{section}</h2>
<ul><li><a href="/n/1">Council passes the budget</a></li><li><a href="/n/2">Bridge repairs delayed again</a></li></ul>
</td><td valign="top"><div>{above}</div>
{heading}<br>
<font size="1">By Jane Reporter, Staff Writer</font><br>
{story}{after}
</td></tr></table>
<p><font size="1">Copyright 2008 The Example Argus</font></p>
</body></html>"""


@pytest.mark.parametrize("title", [
    f"ExampleTimes.com: {HEADLINE}",
    f"Tech Sneak: {HEADLINE}",
    f"{HEADLINE}: film review",
    f"{HEADLINE} - Local News | The Example Argus",
    f"The Example Argus » Local News » {HEADLINE}",
    f"The Example Argus :: {HEADLINE}",
    f"{HEADLINE} (from The Example Argus)",
    HEADLINE,
])
def test_site_and_section_names_cut_from_the_title(title: str) -> None:
    article = extract(old_page(title), URL)
    assert article.headline == HEADLINE
    assert article.body == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize("heading", [f"<b>{HEADLINE}<br></b>", f"<h3><a href='/s/1'>{HEADLINE}</a></h3>",
                                     f'<td class="topstory">{HEADLINE}</td>'])
def test_headline_markup_of_old_layouts(heading: str) -> None:
    if heading.startswith("<td"):
        heading = f"<table><tr>{heading}<td><a href='#'>Print</a></td></tr></table>"
    assert extract(old_page("The Example Argus", heading), URL).headline == HEADLINE


def test_the_page_writes_the_headline_its_own_way() -> None:
    """``<title>`` lower-cases and drops an apostrophe; readers see the page's heading."""
    shown = "Storm Closes Valley's Schools"
    html = old_page("Storm closes valleys schools - The Example Argus", f'<font size="4">{shown}</font>')
    assert extract(html, URL).headline == shown


@pytest.mark.parametrize("title", ["The Example Argus", "Local Sports Desk",
                                   "Example Daily – the region's top-selling English daily - World"])
def test_title_naming_only_the_site_takes_the_heading_above_the_story(title: str) -> None:
    heading = f'<span class="storytitle">{HEADLINE}</span>'
    article = extract(old_page(title, heading, section="Entertainment"), URL)
    assert article.headline == HEADLINE
    assert article.body == "\n\n".join(PARAGRAPHS)


def test_visible_headline_reworded_after_the_title_was_written() -> None:
    """The SEO ``<title>`` kept the first wording; the page's heading was edited since."""
    reworded = "Storm closes every school across the valley for a second day"
    html = old_page(f"{HEADLINE} - The Example Argus",
                    f'<div class="headline-wrap"><h1>{reworded}</h1><h2>Buses cannot reach the villages</h2></div>')
    assert extract(html, URL).headline == reworded


def test_a_date_heading_between_headline_and_story_is_passed_over() -> None:
    heading = f"<h1>{HEADLINE}</h1><h2>Thursday, January 17th, 2008</h2>"
    assert extract(old_page("Brandon Example Online", heading), URL).headline == HEADLINE


def test_a_section_heading_agreeing_with_the_title_is_not_the_headline() -> None:
    """"Site - Section" titles agree with the section's heading at the top; the story's is
    the one right above the story."""
    scores = "".join(f"<li>Team {i}: {i} wins</li>" for i in range(12))
    html = old_page("The Example Argus - Local Sports Desk", f"<h3>{HEADLINE}</h3>",
                    section="Local Sports Desk").replace("<ul>", f"<ul>{scores}", 1)
    assert extract(html, URL).headline == HEADLINE


def test_title_template_learned_from_the_outlets_other_titles() -> None:
    siblings = ["Council passes the budget - Valley Desk News Service - Example Argus",
                "Bridge repairs delayed again - Valley Desk News Service - Example Argus",
                "Mayor opens new library - Valley Desk News Service - Example Argus"]
    template = TitleTemplate.learn(siblings)
    assert template.site_keys == {"valleydesknewsservice", "exampleargus"}
    assert TitleTemplate.learn(siblings[:1]).site_keys == frozenset()  # one title shows no template
    # The section's heading agrees with the title; only the outlet's other titles show that
    # "Valley Desk News Service" is the template, not this story's headline.
    html = old_page("Example Argus - Valley Desk News Service", f'<span class="storytitle">{HEADLINE}</span>',
                    section="Valley Desk News Service")
    url = "http://www.other.example/x"
    assert extract(html, url).headline == "Valley Desk News Service"
    assert extract(html, url, sibling_titles=siblings).headline == HEADLINE


def test_title_parts() -> None:
    assert title_parts("CANOE -- SLAM! Sports - Columnists - Unkle: Home woes for Flyers") == [
        "CANOE", "SLAM! Sports", "Columnists", "Unkle", "Home woes for Flyers"]
    assert title_parts("Pace Star (from The Bolton News)") == ["Pace Star", "(from The Bolton News)"]


def test_heading_date_tail_left_out() -> None:
    html = old_page(f"{HEADLINE} - Security Park news", f"<h1>{HEADLINE} (14/01/2008)</h1>")
    assert extract(html, URL).headline == HEADLINE


def test_page_whose_markup_never_leaves_head() -> None:
    """An unknown tag before ``<body>`` makes libxml2 keep the page in ``<head>``; browsers don't."""
    html = old_page(HEADLINE).replace("</head><body>", "<mbox>").replace("</body>", "")
    article = extract(html, URL)
    assert article.headline == HEADLINE
    assert article.body == "\n\n".join(PARAGRAPHS)


COMMENTS = "".join(
    f'<div class="comments-body"><p>{text}</p><span class="comments-post">Posted by: reader{i} on '
    f"January 8, 2008 0{i}:15 PM</span></div>"
    for i, text in enumerate([
        "I drove through the valley this morning and the main road was clear by nine, so I do not "
        "see why the schools could not open at least for the children who live in town.",
        "The district made the right call. The village roads were a sheet of ice and the buses have "
        "no business being out there until the county has gritted every one of them properly.",
        "Every winter the same story. The county should buy more ploughs instead of another study "
        "about buying more ploughs, and then we would not lose three school days a year.",
    ], start=1))


def test_reader_comments_after_the_story_are_not_body() -> None:
    thread = f'<div class="comments-head"><a name="comments"></a>Comments</div>{COMMENTS}'
    article = extract(old_page(HEADLINE, after=thread), URL)
    assert article.body == "\n\n".join(PARAGRAPHS)


def test_a_comment_anchor_above_the_story_cuts_nothing() -> None:
    """A "comments" box under the headline is not where the story ends."""
    box = '<div id="comments"><a href="#c">3 comments</a></div>'
    article = extract(old_page(HEADLINE, f"<b>{HEADLINE}</b><p>Schools shut again.</p>{box}"), URL)
    assert article.body.endswith(PARAGRAPHS[-1])
    assert all(p in article.body for p in PARAGRAPHS)


def test_time_stamps_and_rights_notices_are_not_body() -> None:
    stamps = "<p>Created: 1/10/2008 4:09:14 PM</p><p>Updated:1/10/2008 4:11:27 PM</p><p>01/09 18:48:47 ET</p>"
    notice = ("<p>This material may not be published, broadcast, rewritten or redistributed.</p>"
              "<p>The copying or redistribution of Example News content is expressly prohibited without "
              "the prior written consent of Example News.</p>")
    schedule = "<p>Tuesday's clinic</p><p>2:00 – 8:00 pm</p><p>10.00 – 3.30</p>"
    article = extract(old_page(HEADLINE, above=stamps, after=notice), URL)
    assert article.body == "\n\n".join(PARAGRAPHS)
    court = "<p>The files may not be published until 2030, the court said.</p>"
    assert "may not be published until 2030" in extract(old_page(HEADLINE, after=court), URL).body
    with_schedule = extract(old_page(HEADLINE, after=schedule), URL)
    assert "2:00 – 8:00 pm\n\n10.00 – 3.30" in with_schedule.body  # times without a date are story text


def test_a_heading_over_a_list_of_links_ends_the_story() -> None:
    teasers = "<h2>Breaking News</h2>" + "".join(
        f'<p><a href="/b/{i}">Another headline from the wire number {i}</a><br>Wire | Jan 16 2008, 07:{i}0 GMT</p>'
        for i in range(5))
    article = extract(old_page(HEADLINE, after=teasers), URL)
    assert article.body == "\n\n".join(PARAGRAPHS)
