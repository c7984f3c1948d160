"""The ``redline`` command: a thin layer that parses arguments, calls the packages, prints.

Every command's help text carries examples (a test fails when one lacks them). User mistakes
raise :class:`~redline.errors.RedlineError` and end as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from redline.crawler.urls import canonicalize_url, lookup_names
from redline import __version__, logs, render
from redline.context import Context, pass_context
from redline.errors import RedlineError, UsageError
from redline.storage import articles, queries
from redline.storage.clock import parse_user_time
from redline.storage.db import translate_errors


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
@click.option("--outlet", metavar="NAME", help="File the articles under this configured outlet (its selectors "
              "and schedule then apply).")
@pass_context
def track(ctx: Context, urls: tuple[str, ...], outlet: str | None) -> None:
    """Start tracking article URLs (nothing is fetched until the next crawl).

    Tracking parameters (utm_*, fbclid …) and fragments are dropped, so one article is one row
    however it was linked. Every URL is checked before anything is written.

    \b
    Examples:
      redline track https://example.com/news/2026/11/25/budget-vote
      redline --db watch.db track URL1 URL2 URL3
      redline --config redline.toml track --outlet "Example Daily" URL
    """
    canonical = [canonicalize_url(url) for url in urls]
    if outlet is not None and ctx.config.outlet(outlet) is None:
        known = ", ".join(repr(o.name) for o in ctx.config.outlets) or "none configured"
        raise UsageError(f"--outlet {outlet!r} is not an outlet in the config (outlets: {known})")
    db = ctx.open(create=True)
    with translate_errors(ctx.db_path):
        results = articles.track(db, canonical, outlet=outlet)
    for result in results:
        click.echo(f"{'tracking' if result.created else 'already tracked'}: {result.url}")


#: Seconds ``crawl --once`` spends at its end giving each pending alert one delivery attempt;
#: what fails waits for the next run. Bounded so a dead receiver cannot stall a cron schedule.
ALERT_BUDGET = 30.0


@cli.command()
@click.option("--once", is_flag=True, help="Run one pass and exit (for cron and scripts).")
@click.option("--all", "check_all", is_flag=True, help="Recheck every tracked article, ignoring the schedule.")
@click.option("--delay", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Pause between requests to one host (default 0.5, adapted by AutoThrottle; "
                   "0 turns AutoThrottle off, for your own or local servers).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, metavar="N",
              help="Parallel requests per host (default 2).")
@pass_context
def crawl(ctx: Context, once: bool, check_all: bool, delay: float | None, concurrency: int | None) -> None:
    """One pass for cron: discover new articles of the configured outlets, then recheck the
    articles that are due (every tracked article with --all), and exit.

    A new version is stored only when the extracted headline, body or byline changed; every
    fetch, failed or not, is recorded as a check. Pages that fail (network errors, non-HTML,
    empty pages) are logged and the crawl goes on; it exits 0 unless the database fails or
    another redline process is working on the same database.

    \b
    Examples:
      redline crawl --once
      redline crawl --once --all
      redline --db watch.db crawl --once --all --delay 2
      */15 * * * *  cd /srv/redline && .venv/bin/redline crawl --once   (crontab)
    """
    from redline.scheduler.lock import exclusive
    from redline.scheduler.passes import count_targets, crawl_once  # Scrapy loads only for commands that crawl

    if not once:
        raise UsageError("crawl needs --once (run it from cron); the continuous daemon is `redline run`")
    from redline.alerts import deliver_due, validate_rules

    config = ctx.config
    validate_rules(config)
    ctx.open(create=True).close()
    overrides: dict[str, Any] = {}
    if delay is not None:
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    with exclusive(ctx.db_path, "a crawl"), render.progress(
        "checking", lambda: count_targets(ctx.db_path, check_all=check_all)
    ) as advance:
        report = crawl_once(ctx.db_path, config, check_all=check_all, overrides=overrides, on_checked=advance)
        delivered = deliver_due(ctx.db_path, config, time_budget=ALERT_BUDGET) if config.alerts else None
    click.echo(render.crawl_summary(report))
    if delivered is not None:
        click.echo(delivered.summary())
    if report.interrupted:
        raise click.exceptions.Exit(130)


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
    record = queries.history(ctx.open(), *lookup_names(url))
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
    article, before, after = queries.version_pair(ctx.open(), lookup_names(url), from_version, to_version)
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
    from redline.crawler.reextract import reextract as run_reextract

    if bool(urls) == every:
        raise UsageError("name article URLs or pass --all (not both)")
    db = ctx.open()
    with translate_errors(ctx.db_path):
        ids = (queries.article_ids(db) if every
               else [articles.require_article(db, *lookup_names(url))["id"] for url in urls])
        stored = run_reextract(db, ids, ctx.config.selectors_by_outlet())
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
    click.echo(f"  redline --db {db_path} serve        (then open http://127.0.0.1:8080/ in a browser)")


# Commands defined in their own modules (they import this one's Context, so they come last).
from redline.alerts.commands import alerts, feed  # noqa: E402
from redline.service import init, run, status  # noqa: E402
from redline.web.command import serve  # noqa: E402

for _command in (init, run, status, alerts, feed, serve):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn user errors into one line and an exit code."""
    logs.configure()
    try:
        code = cli.main(args=argv, prog_name="redline", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
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
