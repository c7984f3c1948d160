"""Hard-to-reach outlets with real parts on 127.0.0.1: an outlet's pages, feed and robots.txt
through its HTTP proxy or SOCKS5 server (and nothing of it direct), a proxy that is down, a
consent wall that needs a cookie, extra headers and User-Agent, and no secret anywhere it shows."""

from __future__ import annotations

import base64
import json
import re
import socket
import sqlite3
from pathlib import Path

import pytest

from redline.storage import exchange
from testkit.pages import STORY, STORY_HEADLINE, article_page
from testkit.proxies import HttpProxy, Socks5Server
from testkit.site import LocalSite, Redline
from testkit.web_server import get, serving

#: The proxy password; a test greps every output, the database and the web view for it.
SECRET = "s3cret-Pw-7d1f"
PROXY_ENV = "REDLINE_PROXY_TEST"
ARTICLE = "/news/2026/12/01/budget"


def rss(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'


def outlet_config(tmp_path: Path, site: LocalSite, **network: str) -> Path:
    """A config with one outlet, "Hard", whose feed lists the article; ``network`` adds its keys."""
    site.set("/feed.xml", rss(site.url(ARTICLE)), content_type="application/rss+xml")
    lines = ['[[outlets]]', 'name = "Hard"', f'feeds = ["{site.url("/feed.xml")}"]', 'article_pattern = "/news/"']
    lines += [f"{key} = {value}" for key, value in network.items()]
    path = tmp_path / "redline.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(redline: Redline, config: Path, *args: str, env: dict[str, str] | None = None, check: bool = True):
    return redline(*args, env={"REDLINE_CONFIG": str(config), **(env or {})}, check=check)


def checks(redline: Redline) -> list[dict]:
    with sqlite3.connect(redline.db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT outcome, error, url FROM checks ORDER BY id")]


def site_paths(site: LocalSite) -> list[str]:
    with site.lock:
        return [path for path, _ in site.requests]


@pytest.mark.parametrize("tls", [False, True], ids=["http-proxy", "https-proxy"])
def test_pages_feed_and_robots_go_through_the_http_proxy_with_its_password(tmp_path, site, redline, tls):
    site.set(ARTICLE, article_page(STORY_HEADLINE, STORY))
    with HttpProxy("desk", SECRET, tls_dir=tmp_path if tls else None) as proxy:
        proxied = proxy.url.replace("://", f"://desk:{SECRET}@")
        config = outlet_config(tmp_path, site, proxy=f'"env:{PROXY_ENV}"',
                               headers='{ "Accept-Language" = "ru", "X-Desk" = "env:REDLINE_DESK_TOKEN" }',
                               user_agent='"redline-test (desk@example.org)"')
        env = {PROXY_ENV: proxied, "REDLINE_DESK_TOKEN": "token-9f2c"}
        run(redline, config, "crawl", "--once", env=env)
        assert [c["outcome"] for c in checks(redline)] == ["new_version"]
        assert proxy.refused == 0
        # Everything of the outlet went through the proxy, robots.txt first; nothing direct.
        assert sorted(proxy.paths()) == sorted(site_paths(site))
        assert {"/robots.txt", "/feed.xml", ARTICLE} <= set(proxy.paths())
        for path, headers in proxy.seen:
            assert headers["User-Agent"] == "redline-test (desk@example.org)", path
            assert headers["Accept-Language"] == "ru" and headers["X-Desk"] == "token-9f2c", path


def test_pages_feed_and_robots_go_through_a_socks5_server(tmp_path, site, redline):
    site.set(ARTICLE, article_page(STORY_HEADLINE, STORY))
    with Socks5Server("tor", SECRET) as socks:
        config = outlet_config(tmp_path, site, proxy=f'"env:{PROXY_ENV}"')
        run(redline, config, "crawl", "--once", env={PROXY_ENV: f"socks5h://tor:{SECRET}@127.0.0.1:{socks.port}"})
        assert [c["outcome"] for c in checks(redline)] == ["new_version"]
        assert socks.refused == 0 and socks.targets
        assert sorted(socks.paths()) == sorted(site_paths(site))
        assert {"/robots.txt", "/feed.xml", ARTICLE} <= set(socks.paths())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["http", "socks5h"])
def test_a_proxy_that_is_down_is_a_failed_check_never_a_removal(tmp_path, site, redline, scheme):
    url = site.set(ARTICLE, article_page(STORY_HEADLINE, STORY))
    port = _closed_port()
    config = outlet_config(tmp_path, site, proxy=f'"env:{PROXY_ENV}"')
    env = {PROXY_ENV: f"{scheme}://desk:{SECRET}@127.0.0.1:{port}"}
    run(redline, config, "track", "--outlet", "Hard", url, env=env)
    outputs = [run(redline, config, "crawl", "--once", "--all", env=env) for _ in range(3)]
    found = checks(redline)
    assert [c["outcome"] for c in found] == ["error"] * 3
    assert all(c["error"] == f"proxy refused connection ({scheme}://desk:***@127.0.0.1:{port})" for c in found)
    status = run(redline, config, "status", "--json", env=env)
    assert site_paths(site) == []  # nothing went direct when the proxy was down
    [history] = [run(redline, config, "history", url, "--json", env=env).json()]
    assert history["state"] == "active"
    _assert_no_secret(redline, [*outputs, status])


def test_a_consent_wall_opens_with_the_outlets_cookie(tmp_path, site, redline):
    wall = "<html><body><h1>Before you continue</h1><p>We use cookies.</p></body></html>"
    url = site.set(ARTICLE, article_page(STORY_HEADLINE, STORY), wall=("consent=yes", wall))

    config = outlet_config(tmp_path, site)
    run(redline, config, "track", "--outlet", "Hard", url)
    run(redline, config, "crawl", "--once", "--all")
    assert checks(redline)[-1]["outcome"] == "error"  # the wall is no article

    config = outlet_config(tmp_path, site, cookies='{ consent = "yes", session = "env:REDLINE_SESSION" }')
    env = {"REDLINE_SESSION": "abc123"}
    run(redline, config, "crawl", "--once", "--all", env=env)
    assert checks(redline)[-1]["outcome"] == "new_version"
    assert run(redline, config, "history", url, "--json", env=env).json()["versions"][0]["headline"] == STORY_HEADLINE
    assert site.requests_for(ARTICLE)[-1]["Cookie"] == "consent=yes; session=abc123"


#: The password as HttpProxyMiddleware sends it (``Proxy-Authorization: Basic …``), which the archive's
#: record of each request would otherwise keep.
BASIC = base64.b64encode(f"desk:{SECRET}".encode()).decode()


def _assert_no_secret(redline: Redline, outputs: list) -> None:
    for result in outputs:
        for text in (result.stdout, result.stderr):
            assert SECRET not in text and BASIC not in text
    with sqlite3.connect(redline.db) as conn:
        dump = "\n".join(conn.iterdump())
    assert SECRET not in dump and BASIC not in dump
    with sqlite3.connect(redline.db) as conn:  # headers are stored packed: read them as redline does
        heads = [exchange.headers(stored, conn) for row in conn.execute("SELECT request_headers, response_headers "
                                                                  "FROM exchanges") for stored in row]
    assert SECRET not in json.dumps(heads) and BASIC not in json.dumps(heads)
    for path in redline.db.parent.glob(redline.db.name + "*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and BASIC.encode() not in data, path


def test_no_secret_in_logs_database_status_or_web_view(tmp_path, site, redline):
    site.set(ARTICLE, article_page(STORY_HEADLINE, STORY))
    with HttpProxy("desk", SECRET) as proxy:
        config = outlet_config(tmp_path, site, proxy=f'"env:{PROXY_ENV}"', cookies='{ consent = "env:REDLINE_COOKIE" }')
        env = {PROXY_ENV: proxy.url.replace("http://", f"http://desk:{SECRET}@"), "REDLINE_COOKIE": SECRET}
        outputs = [run(redline, config, "crawl", "--once", env=env),
                   run(redline, config, "status", env=env), run(redline, config, "status", "--json", env=env)]
    outputs.append(run(redline, config, "crawl", "--once", "--all", env=env))  # the proxy is gone now
    shown = outputs[2].json()["routes"]["Hard"]
    assert shown["proxy"] == proxy.url.replace("http://", "http://desk:***@") and shown["cookies"] == ["consent"]
    assert "http://desk:***@127.0.0.1" in outputs[1].stdout
    with sqlite3.connect(redline.db) as conn:  # the archive keeps which headers went out, not their secrets
        [(sent,)] = conn.execute("SELECT request_headers FROM exchanges").fetchall()
        sent_heads = exchange.headers(sent, conn)
    assert ["Proxy-Authorization", "***"] in sent_heads and ["Cookie", "***"] in sent_heads
    assert checks(redline)[-1]["error"].startswith("proxy refused connection (http://desk:***@127.0.0.1:")
    _assert_no_secret(redline, outputs)
    with serving(redline.db) as base:
        home = get(base + "/")
        pages = [home] + [get(base + link) for link in sorted(set(re.findall(r'href="(/[^"]*)"', home.text)))]
    assert all(SECRET not in page.text for page in pages)


@pytest.mark.parametrize(("lines", "problem"), [
    ('proxy = "ftp://127.0.0.1:21"', "outlets[0].proxy must be a URL like socks5h://127.0.0.1:9050"),
    (f'proxy = "http://desk:{SECRET}@proxy:3128:x"', "outlets[0].proxy is not a usable proxy URL"),
    ('proxy = "socks5h://127.0.0.1"', "outlets[0].proxy needs a port"),
    ('proxy = "env:REDLINE_UNSET_PROXY"', "outlets[0].proxy reads $REDLINE_UNSET_PROXY, which is not set"),
    ('headers = { "Bad Header" = "x" }', "outlets[0].headers.Bad Header is not a valid HTTP header name"),
    ('headers = { Cookie = "a=b" }', "outlets[0].headers.Cookie is set by redline itself: use outlets[0].cookies"),
    ('cookies = { consent = 1 }', "outlets[0].cookies.consent must be a string"),
    ('cookies = "consent=yes"', "outlets[0].cookies must be a table"),
    ('render = "chrome"', "outlets[0].render is 'chrome'; use 'plain' or 'browser'"),
])
def test_network_settings_are_checked_naming_the_key(tmp_path, lines, problem):
    from redline.app.config import load
    from redline.core.errors import ConfigError

    path = tmp_path / "redline.toml"
    path.write_text(f'[[outlets]]\nname = "Hard"\n{lines}\n')
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert problem in str(raised.value)
    assert SECRET not in str(raised.value)


def test_a_config_with_secrets_shows_them_masked(tmp_path, monkeypatch):
    from redline.app.config import load
    from redline.core.secrets import mask_url

    monkeypatch.setenv(PROXY_ENV, f"socks5h://tor:{SECRET}@127.0.0.1:9050")
    path = tmp_path / "redline.toml"
    path.write_text(f'[[outlets]]\nname = "Hard"\nproxy = "env:{PROXY_ENV}"\ncookies = {{ s = "{SECRET}" }}\n')
    config = load(path)
    assert config.outlets[0].network.proxy == f"socks5h://tor:{SECRET}@127.0.0.1:9050"
    assert SECRET not in repr(config) and "socks5h://tor:***@127.0.0.1:9050" in repr(config)
    assert mask_url("http://[::1]:3128") == "http://[::1]:3128"
    assert mask_url("http://u:p%40ss@[::1]:3128/") == "http://u:***@[::1]:3128/"


def test_headers_and_cookies_are_not_sent_on_to_another_site(tmp_path, site, redline):
    elsewhere = LocalSite()
    elsewhere.thread.start()
    try:
        target = elsewhere.set(ARTICLE, article_page(STORY_HEADLINE, STORY))
        elsewhere.set("/robots.txt", "User-agent: *\n", content_type="text/plain")
        url = site.set(ARTICLE, "", status=301, headers={"Location": target})
        config = outlet_config(tmp_path, site, cookies='{ session = "abc123" }', headers='{ "X-Desk" = "desk" }')
        run(redline, config, "track", "--outlet", "Hard", url)
        run(redline, config, "crawl", "--once", "--all")
        assert checks(redline)[-1]["outcome"] == "new_version"
        assert site.requests_for(ARTICLE)[-1]["Cookie"] == "session=abc123"
        followed = elsewhere.requests_for(ARTICLE)[-1]
        assert "Cookie" not in followed and "X-Desk" not in followed
    finally:
        elsewhere.server.shutdown()
        elsewhere.server.server_close()
