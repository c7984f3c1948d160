"""``redline alerts``: list, send, test and retry alert messages."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from redline.cli import render
from redline.cli.context import Context, pass_context
from redline.core.errors import DeliveryFailed, InvalidInput
from redline.storage.outbox import STATES

#: Time one `redline alerts send` (or one round of --loop) may spend starting attempts: a
#: minute covers dozens of webhook calls; what is left waits for the next round.
SEND_BUDGET_S = 60.0

#: Pause between rounds of `redline alerts send --loop`: alerts go out within ~10 s of a crawl
#: storing a change, at the cost of one small query when there is nothing to do.
LOOP_EVERY_S = 10.0

@click.group(invoke_without_command=True)
@click.option("--state", type=click.Choice(STATES), help="Only alerts in this state.")
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
    render.emit(ctx.app.alerts(state=state, limit=limit), as_json, _show_alerts)


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
    app = _alerting(ctx)
    while True:
        report = app.deliver(time_budget=budget)
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
    results = _alerting(ctx).test_alert_targets()
    for label, error in results:
        click.echo(f"ok      {label}" if error is None else f"failed  {label}: {error}")
    failures = sum(error is not None for _, error in results)
    if failures:
        raise DeliveryFailed(f"{failures} of {len(results)} notify target(s) failed")


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
    app = _alerting(ctx)
    requeued = app.retry_alerts(ids)
    if ids and requeued != len(ids):
        click.echo(f"{len(ids) - requeued} of the IDs given are not pending or failed alerts", err=True)
    click.echo(f"retrying {requeued} alert(s)")
    click.echo(app.deliver(time_budget=budget).summary())


def _alerting(ctx: Context):  # noqa: ANN202 - the Redline facade
    """The application, once it is clear that the configuration has alert rules."""
    config = ctx.config
    if not config.alerts:
        where = config.path or "redline.toml (none found)"
        raise InvalidInput(f"{where} has no [[alerts]] rule: add one with notify = [\"<Apprise URL>\"]")
    return ctx.app


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


COMMANDS = (alerts,)
