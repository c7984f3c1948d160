"""Commands about articles and their changes: ``track``, ``crawl``, ``history``, ``changes``, ``diff``,
``feed``, ``reextract``."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import click

from redline.cli import render
from redline.cli.context import Context, pass_context
from redline.cli.words import EXIT_INTERRUPTED
from redline.core.errors import CannotWrite, InvalidInput


@click.command()
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
    for result in ctx.app.track(urls, outlet=outlet):
        click.echo(f"{'tracking' if result.created else 'already tracked'}: {result.url}")


@click.command()
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
    if not once:
        raise InvalidInput("crawl needs --once (run it from cron); the continuous daemon is `redline run`")
    app = ctx.app
    with render.progress("checking", lambda: app.count_due(check_all=check_all)) as advance:
        report = app.crawl_once(check_all=check_all, delay=delay, concurrency=concurrency, on_checked=advance)
    click.echo(render.crawl_summary(report.checks))
    if report.alerts is not None:
        click.echo(report.alerts.summary())
    if report.interrupted:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)


@click.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every version and change) instead of a table.")
@click.option("--all", "show_all", is_flag=True,
              help=f"List every version and change, not only the newest {render.HISTORY_ROWS} of each.")
@pass_context
def history(ctx: Context, url: str, as_json: bool, show_all: bool) -> None:
    """Show one article's versions and changes.

    The article can be named by any URL it was tracked or seen under: the tracked URL, the URL
    it redirected to, or its canonical URL. The tables show the newest versions and changes
    (a live blog may have thousands); --all or --json gives all of them.

    \b
    Examples:
      redline history https://example.com/news/2026/11/25/budget-vote
      redline history https://example.com/news/2026/11/25/budget-vote --json | jq '.changes'
    """
    limit = None if show_all or as_json else render.HISTORY_ROWS
    render.emit(ctx.app.history(url, newest=limit), as_json, functools.partial(render.history, limit=limit))


@click.command()
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
    render.emit(ctx.app.changes(since=since), as_json, render.changes)


@click.command()
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
    article, before, after = ctx.app.diff(url, from_version, to_version)
    render.emit(render.diff_record(article, before, after), as_json, render.diff)


@click.command()
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
    if bool(urls) == every:
        raise InvalidInput("name article URLs or pass --all (not both)")
    stored = ctx.app.reextract(urls, every=every)
    click.echo(f"re-extracted {len(stored)} article(s) whose extraction changed")


@click.command()
@click.option("--outlet", metavar="NAME", help="Only changes at this outlet.")
@click.option("--url", "article_url", metavar="URL", help="Only changes to this article.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Newest N changes.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write the feed to FILE (replaced atomically) instead of printing it.")
@pass_context
def feed(ctx: Context, outlet: str | None, article_url: str | None, limit: int, output: str | None) -> None:
    """Print an Atom feed of changes (all, one outlet's, or one article's), newest first.

    Entries keep stable ids, so feed readers never show a change twice. Re-extractions are left
    out, as in `redline changes`.

    \b
    Examples:
      redline feed > changes.atom
      redline feed --outlet "Example Daily" -o /var/www/example-daily.atom
      redline feed --url https://example.com/news/2026/11/25/budget-vote
    """
    if outlet and article_url:
        raise InvalidInput("pass --outlet or --url, not both")
    _write(ctx.app.feed(outlet=outlet, url=article_url, limit=limit), output)


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    path = Path(output)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CannotWrite(f"cannot write {path}: {exc.strerror}") from None


COMMANDS = (track, crawl, history, changes, diff, feed, reextract)
