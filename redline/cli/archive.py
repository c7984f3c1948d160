"""``redline export``, ``verify`` and ``compact``: the record leaves redline, proves it is intact,
and is kept small.

Thin shells over :mod:`redline.app.archive`, in their own module so the archive's commands grow
without touching the other command modules.
"""

from __future__ import annotations

from pathlib import Path

import click

from redline.app import archive
from redline.cli import render
from redline.cli.context import Context, pass_context
from redline.core.errors import InvalidInput


@click.command()
@click.option("--warc", "warc_path", metavar="FILE", type=click.Path(path_type=Path),
              help="Write a WARC 1.1 file (gzip per record; name it .warc.gz): request, response and "
                   "redline's reading of every version, replayable in pywb.")
@click.option("--jsonl", "jsonl_path", metavar="FILE", type=click.Path(path_type=Path),
              help="Write one JSON line per article: its versions and sentence-level changes (see README).")
@click.option("--url", "article_url", metavar="URL", help="Only this article (any URL it is known under).")
@click.option("--outlet", metavar="NAME", help="Only this outlet (articles tracked without one: their host).")
@click.option("--since", metavar="ISO8601", help="Only what was captured at or after this time (inclusive).")
@click.option("--until", metavar="ISO8601", help="Only what was captured before this time (exclusive).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_context
def export(ctx: Context, warc_path: Path | None, jsonl_path: Path | None, article_url: str | None,
           outlet: str | None, since: str | None, until: str | None, force: bool) -> None:
    """Export the record: WARC for archives and replay, JSONL for research.

    The file is written under a temporary name and renamed when complete, so an error or Ctrl-C
    never leaves half a file; an existing file is replaced only with --force. Exports stream
    (memory stays flat on large databases) and read one consistent snapshot, so they can run
    while the crawler writes. The WARC's warcinfo record carries every chain head.

    \b
    Examples:
      redline export --warc archive.warc.gz
      redline export --warc budget.warc.gz --url https://example.com/news/2026/11/25/budget-vote
      redline export --warc november.warc.gz --outlet "Example Daily" --since 2026-11-01 --until 2026-12-01
      redline export --jsonl edits.jsonl --force
    """
    if (warc_path is None) == (jsonl_path is None):
        raise InvalidInput("pass --warc FILE or --jsonl FILE (one of them)")
    kind, path = ("warc", warc_path) if warc_path is not None else ("jsonl", jsonl_path)
    assert path is not None
    done = archive.export(ctx.app, kind, path, force=force, url=article_url, outlet=outlet, since=since,
                          until=until, progress=lambda total: render.progress("exporting", total))
    what = "record(s) (versions, removals, restorations)" if kind == "warc" else "article(s)"
    click.echo(f"wrote {done.count} {what} to {done.path}")
    for head in done.heads:
        click.echo(f"chain head {head['chain']}: record {head['seq']} {head['hash']}")


@click.command()
@click.option("--url", "article_url", metavar="URL", help="Check only this article's records and their links.")
@click.option("--head", "heads", metavar="HASH", multiple=True,
              help="A chain head kept earlier (from `redline status`, the feed or an export): check that "
                   "it is still in an intact chain. Repeatable.")
@pass_context
def verify(ctx: Context, article_url: str | None, heads: tuple[str, ...]) -> None:
    """Recompute the hash chains from the stored data and name the first record that does not match.

    Every stored body, text, header and time is read again and hashed; a record edited, inserted
    or deleted behind redline's back is found. Exits 0 when everything matches, 1 otherwise.

    \b
    Examples:
      redline verify
      redline verify --url https://example.com/news/2026/11/25/budget-vote
      redline verify --head 3f0c9a…e41d   (a head someone kept: is the history up to it unchanged?)
    """
    result = archive.verify(ctx.app, url=article_url, heads=heads,
                            progress=lambda total: render.progress("verifying", total))
    for report in result.reports:
        if report.mismatch:
            click.echo(f"FAILED {report.mismatch.describe()}")
        else:
            click.echo(f"ok {report.chain}: {report.records} record(s) match, head {report.head}")
    for head in sorted(set(h.strip().lower() for h in heads)):
        if head in result.missing_heads:
            click.echo(f"FAILED head {head} is not in any intact chain: the history it summed up was changed "
                       "or it belongs to another database")
        else:
            click.echo(f"ok head {head} is in an intact chain: the history up to it is unchanged")
    if not result.reports:
        click.echo("nothing to verify: no versions recorded yet")
    archive.require_ok(result)


@click.command()
@click.option("--vacuum", is_flag=True, help="Then rewrite the file so the space goes back to the disk "
                                               "(stop the daemon first; needs free space for a copy).")
@pass_context
def compact(ctx: Context, vacuum: bool) -> None:
    """Repack pages stored as zlib (by redline before storage migration 0008) to a few hundred bytes each.

    New versions are packed as they are stored; this rewrites the older rows, one batch per
    transaction, so it can run beside the daemon and be stopped and started again. The file keeps
    its size until it is vacuumed (--vacuum, or later: `sqlite3 DB VACUUM`).

    \b
    Examples:
      redline compact
      redline compact --vacuum
    """
    done = archive.compact(ctx.app, vacuum=vacuum, progress=lambda total: render.progress("repacking", total))
    repacked = done.repacked
    click.echo(f"repacked {repacked.versions} page(s), {repacked.exchanges} response body(ies), "
               f"{repacked.blocked} blocked answer(s): {repacked.bytes_before / 1e6:.1f} MB -> "
               f"{repacked.bytes_after / 1e6:.1f} MB")
    if done.vacuumed:
        click.echo(f"vacuumed: the file went from {done.size_before / 1e6:.1f} MB to {done.size_after / 1e6:.1f} MB")
    elif repacked.versions or repacked.exchanges:
        click.echo("the file keeps its size until vacuumed: `redline compact --vacuum` (with the daemon stopped)")


COMMANDS = (export, verify, compact)
