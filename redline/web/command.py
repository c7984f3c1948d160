"""``redline serve``: the click command. Starlette and uvicorn are imported only when it runs, so
every other command starts as fast as before."""

from __future__ import annotations

import click

from redline.context import Context, pass_context

#: 8080: the customary unprivileged HTTP port for a local tool; ``--port 0`` takes any free port.
DEFAULT_PORT = 8080


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
    from redline.web.server import run

    run(ctx.db_path, host, port, click.echo)
