"""The command-line contract end to end: track → crawl → history/changes/diff, against a real
local HTTP server whose pages change between crawls, with a real SQLite file."""

from __future__ import annotations

import sqlite3

from testkit.pages import RUSSIAN_HEADLINE, RUSSIAN_STORY, STORY, STORY_HEADLINE, article_page


def _crawl(redline) -> str:
    return redline("crawl", "--once", "--all").stdout


def _changes(redline, *extra: str) -> list[dict]:
    return redline("changes", "--json", *extra).json()


def test_edits_are_flagged_and_churn_is_not(site, redline):
    url = site.set("/news/2026/11/25/budget", article_page(STORY_HEADLINE, STORY, churn=0))
    redline("track", url)
    _crawl(redline)

    # churn only: rotating newsletter block, timestamp, reshuffled related links, new ad id, re-wrapped markup
    for churn in (1, 2, 3):
        site.set("/news/2026/11/25/budget", article_page(STORY_HEADLINE, STORY, churn=churn))
        _crawl(redline)
    assert _changes(redline) == []
    history = redline("history", url, "--json").json()
    assert [v["version"] for v in history["versions"]] == [1]
    assert history["versions"][0]["headline"] == STORY_HEADLINE
    assert history["versions"][0]["body"] == "\n\n".join(STORY)

    # a headline edit
    new_headline = "City council narrowly approves budget after marathon session"
    site.set("/news/2026/11/25/budget", article_page(new_headline, STORY, churn=4))
    _crawl(redline)
    # a body edit: one number changed
    edited = list(STORY)
    edited[1] = edited[1].replace("31 to 18", "29 to 20")
    site.set("/news/2026/11/25/budget", article_page(new_headline, edited, churn=5))
    _crawl(redline)

    changes = _changes(redline)
    assert [c["kinds"] for c in changes] == [["headline"], ["body"]]
    first, second = changes
    assert first["url"] == url
    assert (first["from_version"], first["to_version"]) == (1, 2)
    assert first["headline_before"] == STORY_HEADLINE and first["headline_after"] == new_headline
    assert (second["from_version"], second["to_version"]) == (2, 3)
    assert second["detected_at"].endswith("Z")

    history = redline("history", url, "--json").json()
    assert [v["version"] for v in history["versions"]] == [1, 2, 3]
    assert set(history["versions"][0]) >= {"version", "first_seen", "last_seen", "headline", "body"}
    assert [c["kinds"] for c in history["changes"]] == [["headline"], ["body"]]

    plain = redline("diff", url).stdout
    assert "[-31-]" in plain and "{+29+}" in plain and "[-18-]" in plain


def test_since_is_inclusive(site, redline):
    url = site.set("/a", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    _crawl(redline)
    site.set("/a", article_page("A different headline for the budget story", STORY, churn=1))
    _crawl(redline)
    [change] = _changes(redline)
    assert _changes(redline, "--since", change["detected_at"]) == [change]
    assert _changes(redline, "--since", "2999-01-01") == []


def test_removal_needs_two_404s_and_errors_do_not_count(site, redline):
    url = site.set("/news/gone", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    _crawl(redline)

    site.set("/news/gone", "<h1>Not found</h1>", status=404)
    _crawl(redline)
    assert _changes(redline) == []          # one 404 is not a removal
    site.set("/news/gone", "<h1>Server error</h1>", status=500)
    _crawl(redline)                          # a 5xx neither counts nor resets the streak
    assert _changes(redline) == []
    site.set("/news/gone", "<h1>Gone</h1>", status=410)
    _crawl(redline)
    [removed] = _changes(redline)
    assert removed["kinds"] == ["removed"]
    assert removed["to_version"] is None and removed["headline_after"] is None
    assert removed["from_version"] == 1 and removed["headline_before"] == STORY_HEADLINE
    _crawl(redline)                          # still gone: no second removal
    assert len(_changes(redline)) == 1

    site.set("/news/gone", article_page(STORY_HEADLINE, STORY, churn=7))
    _crawl(redline)
    restored = _changes(redline)[-1]
    assert restored["kinds"] == ["restored"]
    assert redline("history", url, "--json").json()["state"] == "active"


def test_a_404_streak_is_reset_by_the_page_answering(site, redline):
    url = site.set("/flaky", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    _crawl(redline)
    for status_sequence in (404, 200, 404):
        if status_sequence == 404:
            site.set("/flaky", "missing", status=404)
        else:
            site.set("/flaky", article_page(STORY_HEADLINE, STORY, churn=3))
        _crawl(redline)
    assert _changes(redline) == []


def test_windows_1251_page_reads_right(site, redline):
    page = article_page(RUSSIAN_HEADLINE, RUSSIAN_STORY, lang="ru", charset="windows-1251",
                        site_name="Вечерние новости")
    url = site.set("/ru/budget", page, charset="windows-1251", content_type="text/html")
    redline("track", url)
    _crawl(redline)
    [version] = redline("history", url, "--json").json()["versions"]
    assert version["headline"] == RUSSIAN_HEADLINE
    assert "31 депутат" in version["body"]


def test_redirect_final_url_and_canonical_find_the_article(site, redline):
    final = site.url("/news/2026/11/25/budget-final")
    site.set("/news/2026/11/25/budget-final",
             article_page(STORY_HEADLINE, STORY, canonical=site.url("/canonical/budget")))
    tracked = site.set("/short/b", "", status=301, headers={"Location": final})
    redline("track", tracked + "?utm_source=twitter")
    _crawl(redline)
    by_final = redline("history", final, "--json").json()
    by_canonical = redline("history", site.url("/canonical/budget"), "--json").json()
    assert by_final["url"] == tracked == by_canonical["url"]
    assert final in by_final["aliases"]


def test_canonical_on_another_host_is_ignored(site, redline):
    url = site.set("/x", article_page(STORY_HEADLINE, STORY, canonical="https://elsewhere.example/x"))
    redline("track", url)
    _crawl(redline)
    assert "https://elsewhere.example/x" not in redline("history", url, "--json").json()["aliases"]
    assert redline("history", "https://elsewhere.example/x", check=False).returncode == 1


def test_duplicates_merge_through_a_shared_canonical(site, redline):
    canonical = site.url("/news/story")
    site.set("/news/story", article_page(STORY_HEADLINE, STORY, canonical=canonical))
    site.set("/amp/story", article_page(STORY_HEADLINE, STORY, canonical=canonical, churn=2))
    redline("track", canonical)
    _crawl(redline)
    redline("track", site.url("/amp/story"))
    _crawl(redline)
    history = redline("history", site.url("/amp/story"), "--json").json()
    assert history["url"] == canonical and site.url("/amp/story") in history["aliases"]
    assert len(history["versions"]) == 1


def test_conditional_get_and_unchanged_bytes(site, redline):
    url = site.set("/etag", article_page(STORY_HEADLINE, STORY), etag='"v1"')
    redline("track", url)
    _crawl(redline)
    out = _crawl(redline)
    assert site.requests_for("/etag")[-1].get("If-None-Match") == '"v1"'
    assert "1 not modified" in out
    site.set("/etag", article_page(STORY_HEADLINE, STORY))      # no validators, same bytes
    _crawl(redline)
    assert "1 same bytes" in _crawl(redline)
    assert _changes(redline) == []


def test_flip_flop_names_the_version_it_reverts_to(site, redline):
    url = site.set("/ab", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    for headline in (STORY_HEADLINE, "Budget passes after twelve-hour session", STORY_HEADLINE):
        site.set("/ab", article_page(headline, STORY, churn=len(headline)))
        _crawl(redline)
    history = redline("history", url, "--json").json()
    assert [v["version"] for v in history["versions"]] == [1, 2, 3]
    assert [c["reverts_to"] for c in history["changes"]] == [None, 1]


def test_bad_pages_are_failed_checks_and_the_crawl_goes_on(site, redline, tmp_path):
    good = site.set("/good", article_page(STORY_HEADLINE, STORY))
    urls = [
        site.set("/report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf"),
        site.set("/empty", ""),
        site.set("/image", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png"),
        site.set("/loop-a", "", status=302, headers={"Location": "/loop-b"}),
        site.set("/private/secret", article_page(STORY_HEADLINE, STORY)),
        site.set("/boom", "<h1>Internal error</h1>", status=500),
        "http://127.0.0.1:9/refused",
    ]
    site.set("/loop-b", "", status=302, headers={"Location": "/loop-a"})
    redline("track", good, *urls)
    result = redline("crawl", "--once", "--all")
    assert "1 new version" in result.stdout and "7 error" in result.stdout
    log = result.stderr
    for reason in ("not an HTML page (application/pdf)", "empty response", "image/png", "too many redirects",
                   "robots.txt", "HTTP 500", "connection refused"):
        assert reason in log, reason
    with sqlite3.connect(redline.db) as conn:
        assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
        errors = conn.execute("SELECT count(*) FROM checks WHERE outcome = 'error' AND error != ''").fetchone()[0]
    assert errors == 7


def test_reextract_with_the_same_extractor_adds_nothing(site, redline):
    url = site.set("/re", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    _crawl(redline)
    assert "re-extracted 0" in redline("reextract", "--all").stdout
    assert "re-extracted 0" in redline("reextract", url).stdout


def test_honest_user_agent_and_people_readable_output(site, redline):
    url = site.set("/ua", article_page(STORY_HEADLINE, STORY))
    redline("track", url)
    _crawl(redline)
    assert site.requests_for("/ua")[0]["User-Agent"].startswith("redline/")
    assert site.requests_for("/robots.txt"), "robots.txt was not consulted"
    site.set("/ua", article_page("Budget approved", STORY, churn=1))
    _crawl(redline)
    history = redline("history", url).stdout
    assert STORY_HEADLINE in history and "Budget approved" in history and "headline" in history
    changes = redline("changes").stdout
    assert "headline" in changes and url in changes
    custom = redline("crawl", "--once", "--all", env={"REDLINE_USER_AGENT": "newsroom-bot/1.0 (+mailto:desk@example.org)"})
    assert custom.returncode == 0
    assert site.requests_for("/ua")[-1]["User-Agent"] == "newsroom-bot/1.0 (+mailto:desk@example.org)"


def test_a_page_over_the_size_limit_is_a_failed_check(site, redline):
    url = site.set("/huge", b"<html><body>" + b"<p>padding text</p>" * 600_000 + b"</body></html>")
    redline("track", url)
    result = redline("crawl", "--once", "--all")
    assert "1 error" in result.stdout and "10 MB limit" in result.stderr


def test_robots_txt_holds_for_every_concurrent_request(site, redline):
    private = [site.set(f"/private/{n}", article_page(STORY_HEADLINE, STORY)) for n in range(6)]
    public = [site.set(f"/public/{n}", article_page(STORY_HEADLINE, STORY)) for n in range(2)]
    redline("track", *public, *private)
    out = redline("crawl", "--once", "--all").stdout
    assert "2 new versions, 6 errors" in out
    assert not any(path.startswith("/private/") for path, _ in site.requests)


def test_outlet_selectors_from_the_config_apply(site, redline, tmp_path):
    page = article_page(STORY_HEADLINE, STORY).replace(
        "<h1>", '<p class="editor-note">Editor\'s note: this story is updated as the session goes on.</p><h1>')
    url = site.set("/sel", page)
    config = tmp_path / "redline.toml"
    config.write_text('[[outlets]]\nname = "Daily"\n[outlets.selectors]\ndrop = [".editor-note", ".byline"]\n')
    redline("--config", str(config), "track", "--outlet", "Daily", url)
    redline("--config", str(config), "crawl", "--once", "--all")
    [version] = redline("history", url, "--json").json()["versions"]
    assert "Editor's note" not in version["body"] and version["byline"] == ""
    bad = redline("--config", str(config), "track", "--outlet", "Nope", url, check=False)
    assert bad.returncode == 2 and "'Nope' is not an outlet" in bad.stderr


def test_a_meta_refresh_is_followed_and_a_page_without_one_is_read(site, redline):
    """Meta refreshes are looked for only in pages whose head can hold one (crawler/middlewares.py):
    the refresh is still followed, in UTF-8 and in a Cyrillic code page, and an article whose
    scripts say "refresh" further down is read as it stands."""
    target = site.set("/news/moved-here", article_page(STORY_HEADLINE, STORY))
    site.set("/news/old-address", f'<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; URL={target}">'
                                  "</head><body>Moved.</body></html>")
    russian = site.set("/news/ru-moved", article_page(RUSSIAN_HEADLINE, RUSSIAN_STORY), charset="windows-1251")
    site.set("/news/ru-old", f'<html><head><title>Перенесено</title><meta http-equiv="refresh" '
                             f'content="0;url={russian}"></head><body>Перенесено.</body></html>', charset="windows-1251")
    late = article_page(STORY_HEADLINE, STORY).replace("</body>", "<script>" + "x=1;" * 5000
                                                       + "autoRefresh();</script></body>")
    stays = site.set("/news/stays", late)
    redline("track", site.url("/news/old-address"), site.url("/news/ru-old"), stays)
    _crawl(redline)
    assert target in redline("history", site.url("/news/old-address"), "--json").json()["aliases"]
    moved = redline("history", site.url("/news/ru-old"), "--json").json()
    assert russian in moved["aliases"] and moved["versions"][0]["headline"] == RUSSIAN_HEADLINE
    assert redline("history", stays, "--json").json()["versions"][0]["headline"] == STORY_HEADLINE
