"""``redline alerts`` (list, send, test, retry) and ``redline feed``: arguments in, output out."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from redline import render
from redline.alerts import message, rules, sender
from redline.alerts.deliver import deliver_due
from redline.config import Config
from redline.context import Context, pass_context
from redline.errors import NotFoundError, RedlineError, UsageError
from redline.storage import outbox
from redline.storage.articles import require_article
from redline.storage.clock import now_iso
from redline.storage.db import translate_errors
from redline.storage.differ import excerpt, word_diff

#: Time one `redline alerts send` (or one round of --loop) may spend starting attempts: a
#: minute covers dozens of webhook calls; what is left waits for the next round.
SEND_BUDGET_S = 60.0

#: Pause between rounds of `redline alerts send --loop`: alerts go out within ~10 s of a crawl
#: storing a change, at the cost of one small query when there is nothing to do.
LOOP_EVERY_S = 10.0

#: Entries in a feed by default: what feed readers keep anyway, and a file of a few hundred kB.
FEED_ENTRIES = 50


@click.group(invoke_without_command=True)
@click.option("--state", type=click.Choice(outbox.STATES), help="Only alerts in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest N alerts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def alerts(click_ctx: click.Context, state: str | None, limit: int, as_json: bool) -> None:
    """List alert messages: pending (waiting for a first try or a retry), sent, failed (given up).

    Alerts are configured with [[alerts]] rules in redline.toml and sent by `redline alerts send`
    (and at the end of `redline crawl --once`). A failed alert keeps its last error.

    \b
    Examples:
      redline alerts
      redline alerts --state failed
      redline alerts --json | jq '.alerts[] | select(.state == "pending")'
      redline alerts test
      redline alerts send --loop
      redline alerts retry
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.find_object(Context)
    db = ctx.open()
    with translate_errors(ctx.db_path):
        listing = {"counts": outbox.counts(db), "alerts": outbox.listing(db, state, limit)}
    render.emit(listing, as_json, _show_alerts)


@alerts.command()
@click.option("--loop", is_flag=True, help="Keep sending until interrupted (instead of one round).")
@click.option("--every", type=click.FloatRange(min=0.1), default=LOOP_EVERY_S, show_default=True,
              metavar="SECONDS", help="With --loop: pause between rounds.")
@click.option("--budget", type=click.FloatRange(min=0), default=SEND_BUDGET_S, show_default=True,
              metavar="SECONDS", help="Start no attempt after this long in one round.")
@pass_context
def send(ctx: Context, loop: bool, every: float, budget: float) -> None:
    """Send the alerts that are due: each pending alert gets one attempt per round; failures are
    retried with growing pauses until the rule's give_up_after has passed.

    Safe to run alongside crawls and other senders, and to kill at any moment: an alert cut off
    mid-send is sent again later with the same idempotency key.

    \b
    Examples:
      redline alerts send
      redline alerts send --loop --every 30
      */5 * * * *  cd /srv/redline && .venv/bin/redline alerts send   (crontab)
    """
    config = _alerting_config(ctx)
    while True:
        report = deliver_due(ctx.db_path, config, time_budget=budget)
        if report.busy or not loop:
            click.echo(report.summary())
        if not loop:
            return
        time.sleep(every)


@alerts.command(name="test")
@pass_context
def test_targets(ctx: Context) -> None:
    """Send a test message to every notify URL of the configuration and say how each went.

    Nothing is written to the database. Exits 1 when any target failed.

    \b
    Examples:
      redline alerts test
      redline --config /etc/redline.toml alerts test
    """
    config = _alerting_config(ctx)
    targets = rules.targets(config).values()
    failures = 0
    for target in targets:
        error = sender.send(target.url, f"redline-test-{uuid.uuid4()}", message.TEST_TITLE, message.TEST_BODY)
        failures += error is not None
        click.echo(f"ok      {target.label}" if error is None else f"failed  {target.label}: {error}")
    if failures:
        raise RedlineError(f"{failures} of {len(targets)} notify target(s) failed")


@alerts.command()
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--budget", type=click.FloatRange(min=0), default=SEND_BUDGET_S, show_default=True,
              metavar="SECONDS", help="Start no attempt after this long.")
@pass_context
def retry(ctx: Context, ids: tuple[int, ...], budget: float) -> None:
    """Try failed and waiting alerts again now (all of them, or the IDs given), with a fresh
    give-up window, then send what is due.

    \b
    Examples:
      redline alerts retry
      redline alerts retry 12 15
    """
    config = _alerting_config(ctx)
    db = ctx.open()
    with translate_errors(ctx.db_path):
        requeued = outbox.requeue(db, now_iso(), list(ids))
    db.close()
    if ids and requeued != len(ids):
        click.echo(f"{len(ids) - requeued} of the IDs given are not pending or failed alerts", err=True)
    click.echo(f"retrying {requeued} alert(s)")
    click.echo(deliver_due(ctx.db_path, config, time_budget=budget).summary())


@click.command()
@click.option("--outlet", metavar="NAME", help="Only changes at this outlet.")
@click.option("--url", "article_url", metavar="URL", help="Only changes to this article.")
@click.option("--limit", type=click.IntRange(min=1), default=FEED_ENTRIES, show_default=True,
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
    from redline.atom import render_feed
    from redline.crawler.urls import lookup_names
    from redline.storage import queries

    if outlet and article_url:
        raise UsageError("pass --outlet or --url, not both")
    db = ctx.open()
    with translate_errors(ctx.db_path):
        article = require_article(db, *lookup_names(article_url)) if article_url else None
        rows = deque((row for row in queries.changes(db)
                      if (not outlet or row["outlet"] == outlet) and (not article or row["url"] == article["url"])),
                     maxlen=limit)
        newest_first = list(reversed(rows))
        bodies = {c["id"]: c for c in outbox.change_details(db, [row["id"] for row in newest_first])}
    if outlet and not rows and ctx.config.outlet(outlet) is None:
        raise NotFoundError(f"no outlet named {outlet!r} in the configuration or in the changes")
    for row in newest_first:
        row["excerpt"] = _excerpt(bodies[row["id"]])
    if article:
        feed_id, title = f"feed/article/{article['id']}", f"redline: changes to {article['url']}"
    elif outlet:
        feed_id, title = f"feed/outlet/{outlet}", f"redline: changes at {outlet}"
    else:
        feed_id, title = "feed/changes", "redline: changes"
    _write(render_feed(newest_first, feed_id=feed_id, title=title), output)


def _alerting_config(ctx: Context) -> Config:
    config = ctx.config
    if not config.alerts:
        where = config.path or "redline.toml (none found)"
        raise UsageError(f"{where} has no [[alerts]] rule: add one with notify = [\"<Apprise URL>\"]")
    rules.validate_rules(config)
    return config


def _excerpt(change: dict) -> list:
    before, after = change["body_before"], change["body_after"]
    return excerpt(word_diff(before, after)) if before and after and before != after else []


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
        raise RedlineError(f"cannot write {path}: {exc.strerror}") from None


def _show_alerts(listing: dict, console: Console) -> None:
    counts = listing["counts"]
    console.print(f"{counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed; "
                  f"{counts['in_digest']} change(s) waiting for a digest, {counts['unrouted']} not yet routed")
    if not listing["alerts"]:
        return
    table = Table(title="alerts", title_justify="left")
    for column in ("id", "state", "target", "tries", "when", "about", "last error"):
        table.add_column(column)
    for row in listing["alerts"]:
        when = row["sent_at"] if row["state"] == "sent" else (
            f"next {row['next_attempt_at']}" if row["state"] == "pending" else row["last_attempt_at"])
        about = row["urls"][0] + (f" (+{len(row['urls']) - 1} more)" if len(row["urls"]) > 1 else "")
        table.add_row(str(row["id"]), row["state"], Text(row["target"]), str(row["attempts"]), when or "",
                      Text(about), Text(row["last_error"] or ""))
    console.print(table)
