"""The ``redline`` command: a thin layer that parses arguments, calls the packages, prints.

Every command's help text carries examples (a test fails when one lacks them). User mistakes
raise :class:`~redline.errors.RedlineError` and end as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import click
import sqlite_utils

from crawler.urls import canonicalize_url
from redline import __version__, render
from redline.config import Config
from redline.config import load as load_config
from redline.config import locate as locate_config
from redline.errors import RedlineError, UsageError
from storage import articles, queries
from storage.clock import parse_user_time
from storage.db import open_database, translate_errors


DEFAULT_DB = "redline.db"


class Context:
    """What the global options decide, handed to every subcommand.

    The database is ``--db``, else ``$REDLINE_DB``, else ``db`` in the config file, else
    ``./redline.db``; the config file is ``--config``, else ``$REDLINE_CONFIG``, else
    ``./redline.toml`` when it exists. Both are resolved on first use.
    """

    def __init__(self, db_option: str | None, config_option: str | None) -> None:
        self._db_option = db_option or os.environ.get("REDLINE_DB") or None
        self._config_option = config_option

    @cached_property
    def config(self) -> Config:
        return load_config(locate_config(self._config_option))

    @cached_property
    def db_path(self) -> str:
        return self._db_option or str(self.config.db or DEFAULT_DB)

    @property
    def db_given(self) -> bool:
        """True when the user chose a database (option, environment or config), not the default."""
        return self.db_path != DEFAULT_DB

    def open(self, *, create: bool = False) -> sqlite_utils.Database:
        return open_database(self.db_path, create=create)


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_option", metavar="PATH",
              help="SQLite file to use (default: $REDLINE_DB, then `db` in the config, then ./redline.db).")
@click.option("--config", "config_option", metavar="PATH",
              help="Config file (default: $REDLINE_CONFIG, then ./redline.toml if it exists).")
@click.version_option(__version__, prog_name="redline")
@click.pass_context
def cli(ctx: click.Context, db_option: str | None, config_option: str | None) -> None:
    """redline keeps every version of every news article it sees and tells you when a
    published story is quietly changed.

    \b
    Examples:
      redline track https://example.com/news/2026/11/some-story
      redline crawl --once --all
      redline changes
      redline history https://example.com/news/2026/11/some-story
      redline diff https://example.com/news/2026/11/some-story
    """
    ctx.obj = Context(db_option, config_option)


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@pass_context
def track(ctx: Context, urls: tuple[str, ...]) -> None:
    """Start tracking article URLs (nothing is fetched until the next crawl).

    Tracking parameters (utm_*, fbclid …) and fragments are dropped, so one article is one row
    however it was linked. Every URL is checked before anything is written.

    \b
    Examples:
      redline track https://example.com/news/2026/11/25/budget-vote
      redline --db watch.db track URL1 URL2 URL3
    """
    canonical = [canonicalize_url(url) for url in urls]
    db = ctx.open(create=True)
    with translate_errors(ctx.db_path):
        results = articles.track(db, canonical)
    for result in results:
        click.echo(f"{'tracking' if result.created else 'already tracked'}: {result.url}")


@cli.command()
@click.option("--once", is_flag=True, help="Run one pass and exit (for cron and scripts).")
@click.option("--all", "check_all", is_flag=True, help="Recheck every tracked article, ignoring any schedule.")
@click.option("--delay", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Pause between requests to one host (default 0.5, adapted by AutoThrottle).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, metavar="N",
              help="Parallel requests per host (default 2).")
@pass_context
def crawl(ctx: Context, once: bool, check_all: bool, delay: float | None, concurrency: int | None) -> None:
    """Fetch tracked articles and record what changed.

    A new version is stored only when the extracted headline, body or byline changed; every
    fetch, failed or not, is recorded as a check. Pages that fail (network errors, non-HTML,
    empty pages) are logged and the crawl goes on; it exits 0 unless the database fails.

    \b
    Examples:
      redline crawl --once --all
      redline --db watch.db crawl --once --all --delay 2
    """
    from crawler.runner import crawl_once  # Scrapy is imported only by the commands that crawl

    if not once:
        raise UsageError("crawl needs --once (run it from cron); the continuous daemon is `redline run`")
    db = ctx.open(create=True)
    db.close()
    overrides: dict[str, Any] = {}
    if delay is not None:
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    reader = ctx.open()
    try:
        outcomes = crawl_once(ctx.db_path, articles.fetch_targets(reader), overrides)
    finally:
        reader.close()
    click.echo(render.crawl_summary(outcomes))


@cli.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def history(ctx: Context, url: str, as_json: bool) -> None:
    """Show one article's versions and changes.

    The article can be named by any URL it was tracked or seen under: the tracked URL, the URL
    it redirected to, or its canonical URL.

    \b
    Examples:
      redline history https://example.com/news/2026/11/25/budget-vote
      redline history https://example.com/news/2026/11/25/budget-vote --json | jq '.changes'
    """
    record = queries.history(ctx.open(), *_lookup_names(url))
    render.emit(record, as_json, render.history)


@cli.command()
@click.option("--since", metavar="ISO8601", help="Only changes detected at or after this time (inclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def changes(ctx: Context, since: str | None, as_json: bool) -> None:
    """List every flagged change, oldest first.

    Re-extractions (stored by `redline reextract`) are not changes by the outlet and are left out.

    \b
    Examples:
      redline changes
      redline changes --since 2026-11-25 --json
      redline changes --since 2026-11-25T22:00:00Z
    """
    rows = list(queries.changes(ctx.open(), since=parse_user_time(since) if since else None))
    render.emit(rows, as_json, render.changes)


@cli.command()
@click.argument("url")
@click.option("--from", "from_version", type=click.IntRange(min=1), metavar="N", help="Older version (default: the one before --to).")
@click.option("--to", "to_version", type=click.IntRange(min=1), metavar="M", help="Newer version (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON segments.")
@pass_context
def diff(ctx: Context, url: str, from_version: int | None, to_version: int | None, as_json: bool) -> None:
    """Show a word-level diff between two versions of an article (default: the last two).

    Deletions and insertions are coloured on a terminal and written as [-removed-]{+added+}
    otherwise.

    \b
    Examples:
      redline diff https://example.com/news/2026/11/25/budget-vote
      redline diff https://example.com/news/2026/11/25/budget-vote --from 1 --to 3
      redline diff https://example.com/news/2026/11/25/budget-vote --json
    """
    article, before, after = queries.version_pair(ctx.open(), _lookup_names(url), from_version, to_version)
    render.emit(render.diff_record(article, before, after), as_json, render.diff)


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Re-extract every tracked article.")
@pass_context
def reextract(ctx: Context, urls: tuple[str, ...], every: bool) -> None:
    """Re-run the current extractor over the stored HTML of articles' latest versions.

    Where the new extraction differs, it is stored as a new version marked as a re-extraction,
    so an extractor upgrade is never reported as an edit by the outlet.

    \b
    Examples:
      redline reextract --all
      redline reextract https://example.com/news/2026/11/25/budget-vote
    """
    from crawler.reextract import reextract as run_reextract

    if bool(urls) == every:
        raise UsageError("name article URLs or pass --all (not both)")
    db = ctx.open()
    with translate_errors(ctx.db_path):
        ids = (queries.article_ids(db) if every
               else [articles.require_article(db, *_lookup_names(url))["id"] for url in urls])
        stored = run_reextract(db, ids)
    click.echo(f"re-extracted {len(stored)} article(s) whose extraction changed")


@cli.command()
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
    from redline.demo.walkthrough import run_demo

    db_path = Path(ctx.db_path) if ctx.db_given else Path(tempfile.mkdtemp(prefix="redline-demo-")) / "demo.db"
    click.echo(f"database: {db_path}")
    detected = run_demo(db_path, duration, click.echo)
    click.echo(f"\n{detected} change(s) detected. Look at them with:")
    click.echo(f"  redline --db {db_path} changes")
    click.echo(f"  redline --db {db_path} history URL")
    click.echo(f"  redline --db {db_path} diff URL")


def _lookup_names(url: str) -> tuple[str, ...]:
    """The names to look an article up under: the URL as given, then its canonical form."""
    names = [url.strip()]
    try:
        names.append(canonicalize_url(url))
    except UsageError:
        pass
    return tuple(dict.fromkeys(names))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn user errors into one line and an exit code."""
    _configure_logging()
    try:
        cli.main(args=argv, prog_name="redline", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("redline: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RedlineError as exc:
        click.echo(f"redline: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)


class _RedlineOrWarnings(logging.Filter):
    """redline's own INFO lines, and only warnings from libraries (Scrapy resets its loggers' levels)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith("redline") or record.levelno >= logging.WARNING


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(_RedlineOrWarnings())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)

