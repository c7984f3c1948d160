"""The web view in a real browser: headless Chromium (Debian's) driven by Playwright loads pages from
a running ``redline serve`` over a database filled by real crawls of a local site, checks the diff
marks against the stored versions, the escaping and the phone layout, and saves screenshots to
tests/artifacts/ (their paths are printed; run pytest with -s to see them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.site import Redline, running_site
from testkit.pages import RUSSIAN_HEADLINE, RUSSIAN_STORY, STORY, STORY_HEADLINE, article_page
from testkit.web_server import serving

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport

HOSTILE = "<script>alert('pwned')</script>"
HEADLINE_1 = f"{STORY_HEADLINE} {HOSTILE}"
HEADLINE_2 = HEADLINE_1.replace("approves", "rejects")
STORY_2 = [STORY[0], STORY[1].replace("31 to 18", "29 to 20"), STORY[2], STORY[4]]  # a vote changed, a paragraph cut

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: install Debian's chromium (python3 dev.py test does as root)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict]]:
    """Two articles crawled twice by the real crawler, with an edit in between (and churn throughout),
    then served by ``redline serve``: yields the server's address, the English URL and its history."""
    redline = Redline(tmp_path_factory.mktemp("browser") / "redline.db")
    with running_site("User-agent: *\nAllow: /\n") as site:
        english = site.set("/news/2026/11/25/budget", article_page(HEADLINE_1, STORY, churn=0))
        russian = site.set("/ru/2026/11/25/byudzhet", article_page(RUSSIAN_HEADLINE, RUSSIAN_STORY, churn=0, lang="ru"))
        redline("track", english, russian)
        redline("crawl", "--once", "--all")
        site.set("/news/2026/11/25/budget", article_page(HEADLINE_2, STORY_2, churn=1))
        site.set("/ru/2026/11/25/byudzhet", article_page(RUSSIAN_HEADLINE.replace("утвердил", "отклонил"),
                                                         RUSSIAN_STORY, churn=1, lang="ru"))
        redline("crawl", "--once", "--all")
        history = redline("history", english, "--json").json()
        assert [v["headline"] for v in history["versions"]] == [HEADLINE_1, HEADLINE_2]
        with serving(redline.db) as base:
            yield base, english, history


def _page(browser: object, viewport: dict) -> object:
    page = browser.new_page(viewport=viewport)
    page.problems = []  # console errors (a CSP violation is one) and dialogs (a script that ran)
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    return page


def _shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_recent_changes_and_history_in_a_real_browser(browser, crawled):
    base, _, history = crawled
    page = _page(browser, DESKTOP)
    page.goto(base + "/")
    first = page.locator("ol.changes > li").filter(has_text="council")
    assert HOSTILE in first.locator(".headline").inner_text()  # scraped markup shows as text
    assert page.locator("main script").count() == 0
    assert first.locator(".headline del").all_inner_texts() == ["approves"]
    assert first.locator(".headline ins").all_inner_texts() == ["rejects"]
    assert page.locator("ol.changes > li").count() == 2
    _shot(page, "recent_changes")

    page.keyboard.press("Tab")  # keyboard users land on the skip link first
    assert page.evaluate("document.activeElement.className") == "skip"

    first.locator(".headline a").click()
    page.wait_for_url("**/history?*#diff")
    before, after = history["versions"]
    # The inline diff without its insertions is version 1, without its deletions version 2.
    assert _text_without(page, ".field-body .inline", "ins") == before["body"]
    assert _text_without(page, ".field-body .inline", "del") == after["body"]
    assert _text_without(page, ".field-headline .inline", "ins") == HEADLINE_1
    deleted = " ".join(page.locator(".field-body .inline del").all_inner_texts())
    assert "31" in deleted and "18" in deleted and STORY[3][:40] in deleted
    inserted = " ".join(page.locator(".field-body .inline ins").all_inner_texts())
    assert "29" in inserted and "20" in inserted
    _shot(page, "history_inline")

    page.get_by_role("link", name="Side by side").click()
    assert page.locator(".sbs .old ins").count() == 0 and page.locator(".sbs .new del").count() == 0
    old_text = "\n\n".join(t for t in page.locator(".field-body .sbs .old").all_inner_texts() if t)
    new_text = "\n\n".join(t for t in page.locator(".field-body .sbs .new").all_inner_texts() if t)
    assert all(p in old_text for p in STORY) and all(p in new_text for p in STORY_2)
    assert STORY[3] not in new_text
    _shot(page, "history_side_by_side")

    archive = page.get_by_role("link", name="view v1")
    archive.click()
    assert "Archived copy kept by redline" in page.locator("[role=note]").inner_text()
    assert page.locator("script").count() == 0
    _shot(page, "archive_v1")
    assert page.problems == [], page.problems
    page.close()


def test_pages_fit_a_phone(browser, crawled):
    base, url, _ = crawled
    phone = _page(browser, PHONE)
    for name, path in (("phone_recent", "/"), ("phone_history", f"/history?url={url}&view=side"),
                       ("phone_outlets", "/outlets"), ("phone_search", "/search?q=budget")):
        phone.goto(base + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
        _shot(phone, name)
    phone.goto(base + "/history?url=https://nowhere.example/x")
    assert "is not tracked" in phone.locator(".message").inner_text()
    assert [p for p in phone.problems if "404" not in p] == []  # the 404 status is the only complaint
    phone.close()


def _text_without(page: object, selector: str, tag: str) -> str:
    """The text of ``selector`` with every ``tag`` element removed (what one side of the diff says)."""
    return page.evaluate(
        "([selector, tag]) => { const node = document.querySelector(selector).cloneNode(true);"
        " node.querySelectorAll(tag).forEach(e => e.remove()); return node.textContent; }",
        [selector, tag],
    )


def test_artifacts_are_not_committed():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().splitlines()
    assert "tests/artifacts/" in ignored, json.dumps(ignored)
