"""JavaScript-rendered outlets (``render = "browser"``) through Debian's Chromium: a page whose
headline and paragraphs a script inserts is no article to a plain fetch, is one to the browser
outlet, and a later edit of the script's text is flagged; images and fonts are never loaded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from redline.storage import blobs
from testkit.pages import STORY, STORY_HEADLINE
from testkit.proxies import HttpProxy
from testkit.site import LocalSite, Redline

CHROMIUM = Path("/usr/bin/chromium")
pytest.importorskip("scrapy_playwright", reason="scrapy-playwright is not installed (pip install -e .[browser])")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: install Debian's chromium (python3 dev.py test does as root)")

ARTICLE = "/news/2026/12/01/scripted"
SECRET = "s3cret-Pw-7d1f"
SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Daily Script</title>
<link rel="preload" href="/fonts/serif.woff2" as="font" crossorigin>
<script src="/static/story.js" defer></script></head>
<body><main id="app"></main><img src="/photos/lead.jpg" alt=""></body></html>"""


def story_js(headline: str, paragraphs: list[str]) -> str:
    """A script that builds the article: what single-page news sites do."""
    return f"""document.addEventListener("DOMContentLoaded", function () {{
  var app = document.getElementById("app"), article = document.createElement("article");
  document.title = {json.dumps(headline)} + " | Daily Script";
  var h1 = document.createElement("h1"); h1.textContent = {json.dumps(headline)}; article.appendChild(h1);
  {json.dumps(paragraphs)}.forEach(function (text) {{
    var p = document.createElement("p"); p.textContent = text; article.appendChild(p);
  }});
  app.replaceChildren(article);
}});"""


def configure(tmp_path: Path, render: str) -> Path:
    path = tmp_path / f"{render}.toml"
    path.write_text(f'[[outlets]]\nname = "Script"\nrender = "{render}"\n')
    return path


def run(redline: Redline, config: Path, *args: str):
    return redline(*args, env={"REDLINE_CONFIG": str(config)})


def test_a_scripted_page_is_read_only_by_the_browser_outlet_and_its_edits_are_flagged(tmp_path, site: LocalSite, redline):
    url = site.set(ARTICLE, SHELL)
    site.set("/static/story.js", story_js(STORY_HEADLINE, STORY), content_type="application/javascript")

    plain = configure(tmp_path, "plain")
    run(redline, plain, "track", "--outlet", "Script", url)
    run(redline, plain, "crawl", "--once", "--all")
    with sqlite3.connect(redline.db) as conn:
        [(outcome,)] = conn.execute("SELECT outcome FROM checks").fetchall()
    assert outcome == "error"  # no article in what the server sent

    browser = configure(tmp_path, "browser")
    run(redline, browser, "crawl", "--once", "--all")
    history = run(redline, browser, "history", url, "--json").json()
    [version] = history["versions"]
    assert version["headline"] == STORY_HEADLINE
    assert version["body"] == "\n\n".join(STORY)
    assert version["rendered"] is True
    with sqlite3.connect(redline.db) as conn:
        conn.row_factory = sqlite3.Row
        [row] = conn.execute("SELECT raw_html, headline, byline, body, rendered FROM versions").fetchall()
        assert row["rendered"] == 1 and STORY_HEADLINE.encode() in blobs.page_of(conn, row)  # the rendered DOM

    edited = STORY_HEADLINE.replace("approves", "rejects")
    site.set("/static/story.js", story_js(edited, STORY), content_type="application/javascript")
    run(redline, browser, "crawl", "--once", "--all")
    [change] = run(redline, browser, "changes", "--json").json()
    assert change["kinds"] == ["headline"]
    assert (change["headline_before"], change["headline_after"]) == (STORY_HEADLINE, edited)

    fetched = {path for path, _ in site.requests}
    assert "/static/story.js" in fetched
    assert not fetched & {"/photos/lead.jpg", "/fonts/serif.woff2"}  # heavy resources blocked


def test_a_browser_outlet_goes_through_its_proxy_with_its_cookie(tmp_path, site: LocalSite, redline):
    wall = "<html><body><h1>Before you continue</h1><p>We use cookies.</p></body></html>"
    url = site.set(ARTICLE, SHELL, wall=("consent=yes", wall))
    site.set("/static/story.js", story_js(STORY_HEADLINE, STORY), content_type="application/javascript")
    with HttpProxy("desk", SECRET) as proxy:
        config = tmp_path / "redline.toml"
        config.write_text('[[outlets]]\nname = "Script"\nrender = "browser"\nproxy = "env:REDLINE_PROXY_TEST"\n'
                          'cookies = { consent = "yes" }\n')
        env = {"REDLINE_CONFIG": str(config), "REDLINE_PROXY_TEST": proxy.url.replace("http://", f"http://desk:{SECRET}@")}
        redline("track", "--outlet", "Script", url, env=env)
        crawl = redline("crawl", "--once", "--all", env=env)
        [version] = redline("history", url, "--json", env=env).json()["versions"]
        assert version["headline"] == STORY_HEADLINE and version["rendered"] is True
        # the page, its script and robots.txt all came through the proxy; nothing went direct
        assert sorted(proxy.paths()) == sorted(path for path, _ in site.requests)
        assert {"/robots.txt", ARTICLE, "/static/story.js"} <= set(proxy.paths())
    assert SECRET not in crawl.stdout + crawl.stderr


def test_the_browser_is_renewed_every_n_pages_and_no_page_is_lost(tmp_path, site: LocalSite, redline):
    site.set("/static/story.js", story_js(STORY_HEADLINE, STORY), content_type="application/javascript")
    urls = [site.set(f"{ARTICLE}-{n}", SHELL) for n in range(5)]
    config = configure(tmp_path, "browser")
    env = {"REDLINE_CONFIG": str(config), "REDLINE_BROWSER_RESTART_PAGES": "2"}
    redline("track", "--outlet", "Script", *urls, env=env)
    crawl = redline("crawl", "--once", "--all", env=env)
    assert crawl.stderr.count("browser closed after 2 rendered pages") == 2  # after pages 2 and 4
    with sqlite3.connect(redline.db) as conn:
        assert conn.execute("SELECT count(*) FROM versions WHERE rendered = 1").fetchone() == (5,)
