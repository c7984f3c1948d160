"""The ``redline`` command: the click group and the entry point that reports errors (``words``).

Every command is a thin shell over :class:`redline.Redline`: it parses arguments, calls the
facade, prints. Every command's help carries examples (a test fails when one lacks them).
"""

from __future__ import annotations

import sys

import click

from redline.cli import logs
from redline.cli.context import Context
from redline.cli.words import EXIT_INTERRUPTED, exit_code, words
from redline.core import errors
from redline.core.version import __version__


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


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn redline's errors into one line and an exit code."""
    logs.configure()
    try:
        code = cli.main(args=argv, prog_name="redline", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("redline: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except errors.RedlineError as exc:
        click.echo(f"redline: error: {words(exc)}", err=True)
        sys.exit(exit_code(exc))
    except BrokenPipeError:
        sys.exit(0)


def _register() -> None:
    """Commands live in modules by topic; each module defines click commands, added here."""
    from redline.cli import alerts, archive, articles, service

    for module in (articles, service, alerts, archive):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
