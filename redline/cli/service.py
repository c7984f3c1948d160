"""Commands that run redline as a service: ``init``, ``run``, ``status``, ``serve`` and ``demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from redline.cli import logs, render
from redline.cli.context import Context, pass_context
from redline.core.errors import CannotWrite

#: 8080: the customary unprivileged HTTP port for a local tool; ``--port 0`` takes any free port.
DEFAULT_PORT = 8080

EXAMPLE_CONFIG = '''\
# redline configuration. Every section is optional; durations are written like 30s, 15m, 6h, 2d, 1w.
# Check it with `redline status`; `redline run` refuses to start on a bad value and names it.

db = "redline.db"                 # the SQLite file, relative to this file (--db and $REDLINE_DB win)
# user_agent = "redline (newsroom of Example Weekly; +mailto:desk@example.org)"
# delay = "1s"                    # pause between requests to one host (default 0.5s, AutoThrottle adapts it)
# concurrency = 2                 # parallel requests per host
# discover_every = "15m"          # how often outlets' feeds, sitemaps and sections are read
# discover_max_age = "90d"        # feed/sitemap entries dated longer ago are skipped (default: stop_after)

# When to recheck an article, by its age (the time since it was first seen or last changed).
# [schedule]
# fresh = "15m"                   # under 3 hours
# day = "1h"                      # under 24 hours
# week = "6h"                     # under 7 days
# month = "1d"                    # under 30 days
# later = "1w"                    # after that, until stop_after
# stop_after = "90d"              # then the article is retired

# Alerts: any Apprise URL (email, Slack, Telegram, Matrix, ntfy, JSON webhooks …).
# [[alerts]]
# notify = ["mailtos://user:password@mail.example.org?to=desk@example.org", "json://127.0.0.1:9000/hook"]
# kinds = ["headline", "body", "removed"]           # default: all (also byline, restored)
# outlets = ["Example Daily"]                       # default: all, including URLs added with `track`
# min_words = 3                                     # ignore body edits smaller than this
# keywords = []                                     # only changes whose text mentions one of these
# flip_flops = true                                 # false: skip A → B → A headline tests
# digest = "1h"                                     # one message per interval instead of one per change

# [[outlets]]
# name = "Example Daily"
# feeds = ["https://example.com/rss.xml"]            # RSS 0.9x/1.0/2.0, Atom, JSON Feed
# sitemaps = ["https://example.com/news-sitemap.xml"] # XML, news, index, plain text, robots.txt (gzipped too)
# sections = ["https://example.com/news/"]           # front/section pages to scan for links
# article_pattern = "/news/\\\\d{4}/"                  # which links are articles (a regular expression)
# language = "en"
# delay = "2s"                                       # politeness for this outlet only
# concurrency = 1
# discover_every = "10m"
# discover_max_age = "365d"                          # read this outlet's archive further back
# proxy = "socks5h://127.0.0.1:9050"                 # hard to reach: http(s)://, socks5h:// (Tor); or "env:NAME"
# headers = { "Accept-Language" = "ru" }             # extra request headers (values may be "env:NAME")
# cookies = { consent = "yes" }                      # e.g. a consent wall's cookie
# render = "browser"                                 # JavaScript-built pages: rendered in Chromium (apt-get install chromium)
# [outlets.selectors]                                # optional, when the general extractor needs help
# headline = "h1.article-title"
# body = "div.article-body"
# drop = [".newsletter", ".related"]
# [outlets.schedule]                                 # optional: this outlet's own recheck intervals
# fresh = "5m"
'''


@click.command()
@click.argument("path", default="redline.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented example configuration file (default ./redline.toml).

    \b
    Examples:
      redline init
      redline init /etc/redline/redline.toml
    """
    if path.exists() and not force:
        raise CannotWrite(f"{path} already exists: edit it, or pass --force to overwrite it")
    try:
        path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    except OSError as exc:
        raise CannotWrite(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"wrote {path}: add your outlets, then run `redline run` (or `redline crawl --once` from cron)")


@click.command()
@click.option("--log-json", is_flag=True, help="Log one JSON object per line (for journald, Loki, jq).")
@pass_context
def run(ctx: Context, log_json: bool) -> None:
    """Run the daemon: discover articles of the configured outlets and recheck tracked
    articles on an age-based back-off schedule until stopped (SIGTERM or Ctrl-C).

    Only one redline process may work on a database at a time; a second one exits with a
    message. A status line is logged every minute.

    \b
    Examples:
      redline run
      redline --config /etc/redline/redline.toml run --log-json
    """
    logs.configure(json_lines=log_json)
    ctx.app.run()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """Show outlets, counts, the last and next checks, how far back discovery reads feeds and
    sitemaps (discover_max_age), the feeds, sitemaps and sections that fail, and recent failures.

    \b
    Examples:
      redline status
      redline --config redline.toml status --json
    """
    render.emit(ctx.app.status(), as_json, render.status)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address lets others read the database.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0: any free port; the address is printed).")
@pass_context
def serve(ctx: Context, host: str, port: int) -> None:
    """Browse the edit histories in a web browser: recent changes, each article's versions with
    word diffs, archived copies of every version, per-outlet stats, search and Atom feeds.

    Read-only: it never changes the database, and it can run while a crawl or the daemon writes
    to the same file. It listens on 127.0.0.1 unless told otherwise.

    \b
    Examples:
      redline serve
      redline --db watch.db serve --port 8000
      redline serve --host 0.0.0.0 --port 8080    # reachable from the local network
    """
    from redline.web import serve as serve_web  # Starlette and uvicorn load only for this command

    serve_web(ctx.app, host, port, click.echo)


@click.command()
@click.option("--duration", type=click.FloatRange(min=5), default=60, show_default=True, metavar="SECONDS",
              help="How long to run.")
@pass_context
def demo(ctx: Context, duration: float) -> None:
    """Watch redline work: a simulated outlet on 127.0.0.1 edits and pulls stories while the
    real crawler checks it. Its pages churn on every request; only real edits are reported.

    Without --db a fresh database is made in a temporary folder and its path printed.

    \b
    Examples:
      redline demo
      redline --db demo.db demo --duration 45
    """
    from redline.demo import run_demo

    db_path = Path(ctx.db_path) if ctx.db_given else Path(tempfile.mkdtemp(prefix="redline-demo-")) / "demo.db"
    click.echo(f"database: {db_path}")
    detected = run_demo(db_path, duration, click.echo)
    click.echo(f"\n{detected} change(s) detected. Look at them with:")
    click.echo(f"  redline --db {db_path} changes")
    click.echo(f"  redline --db {db_path} history URL")
    click.echo(f"  redline --db {db_path} diff URL")
    click.echo(f"  redline --db {db_path} serve        (then open http://127.0.0.1:8080/ in a browser)")


COMMANDS = (init, run, status, serve, demo)
