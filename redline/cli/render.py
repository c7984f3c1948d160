"""Printing for people and for machines: every command's output goes through here.

``--json`` prints the query results as they are (UTF-8, not ASCII-escaped); otherwise Rich
renders tables and coloured diffs, which it reduces to plain text when stdout is not a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from redline.cli.plaintable import Literal, print_table
from redline.storage.differ import Segment, render_plain, render_rich, word_diff

if TYPE_CHECKING:
    from redline.scheduler.report import PassReport

#: Console width used when stdout is not a terminal: wide enough that no table cell wraps.
UNWRAPPED_WIDTH = 4000
#: Versions and changes ``redline history`` lists without ``--all``: a screenful each. Rich lays a
#: table out at ~1.4 ms a row here (bench/scale.py), so a 5,000-version live blog took 7 s to print.
HISTORY_ROWS = 50

#: Order in which a crawl summary lists outcomes.
_OUTCOME_ORDER = ("new_version", "unchanged", "same_bytes", "not_modified", "missing", "not_found", "removed",
                  "restored", "blocked", "error")


def emit(value: Any, as_json: bool, human: Callable[[Any, Console], None]) -> None:
    """Print ``value`` as JSON, or through ``human`` on a Rich console."""
    if as_json:  # one write: json.dump writes every token on its own (600,000 writes for a long history)
        sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    else:
        human(value, _console())


def _console() -> Console:
    """A terminal console, or for pipes and files one that never wraps (lines stay greppable)."""
    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=UNWRAPPED_WIDTH, soft_wrap=True)


def crawl_summary(report: PassReport) -> str:
    """What a pass did: ``checked 12: 2 new version, 9 unchanged, 1 error`` (and discoveries)."""
    outcomes = report.outcomes
    total = sum(outcomes.values())
    known = [o for o in _OUTCOME_ORDER if outcomes.get(o)]
    others = sorted(o for o in outcomes if o not in _OUTCOME_ORDER)
    parts = [f"{outcomes[o]} {_outcome_words(o, outcomes[o])}" for o in known + others]
    line = f"checked {total}: {', '.join(parts) if parts else 'nothing due'}"
    if report.discovered:
        line = f"discovered {report.discovered.get('new', 0)} new article(s); {line}"
    if report.interrupted:
        line += " (interrupted)"
    return line


#: How outcomes read in a summary, singular and plural (others: the name, spaced).
_OUTCOME_WORDS = {"new_version": ("new version", "new versions"), "error": ("error", "errors"),
                  "not_found": ("not found", "not found"), "blocked": ("blocked", "blocked")}


def _outcome_words(outcome: str, count: int) -> str:
    one, many = _OUTCOME_WORDS.get(outcome, (outcome.replace("_", " "),) * 2)
    return one if count == 1 else many


@contextmanager
def progress(label: str, total: Callable[[], int]) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr when it is a terminal; yields the ``advance`` callback (or None)."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total())
        yield lambda: bar.advance(task)


def history(record: dict, console: Console, limit: int | None = None) -> None:
    """The article, then its versions and changes, the newest ``limit`` of each (None: all)."""
    console.print(Text(record["url"], style="bold"))
    for alias in record["aliases"]:
        if alias != record["url"]:
            console.print(Text(f"  also: {alias}", style="dim"))
    console.print(f"state: {record['state']}, last checked {record['last_checked_at'] or 'never'}")
    versions = [(str(version["version"]), version["first_seen"], version["last_seen"], Literal(version["headline"]),
                 str(len(version["body"].split()))) for version in _newest(record["versions"], limit)]
    _print_cut(console, "versions", ("#", "first seen", "last seen", "headline", "words"), versions,
               record["version_count"], limit)
    if record["changes"]:
        columns, rows = _change_rows(_newest(record["changes"], limit), with_url=False, terminal=console.is_terminal)
        _print_cut(console, "changes", columns, rows, record["change_count"], limit)
    else:
        console.print("no changes recorded")


def _newest(rows: list[dict], limit: int | None) -> list[dict]:
    return rows if limit is None else rows[-limit:]


def _print_cut(console: Console, what: str, columns: tuple[str, ...], rows: list[tuple], total: int,
               limit: int | None) -> None:
    """Print a table, saying how many older rows were left out of it."""
    cut = limit is not None and total > limit
    print_table(console, what, columns, rows, f"the newest {limit} of {total} {what}: --all lists every one" if cut
                else None)


def changes(rows: list[dict], console: Console) -> None:
    if not rows:
        console.print("no changes recorded")
        return
    print_table(console, "changes", *_change_rows(rows, with_url=True, terminal=console.is_terminal))


def _change_rows(rows: list[dict], *, with_url: bool, terminal: bool) -> tuple[tuple[str, ...], list[tuple]]:
    """Changes as a table's columns and rows; the headline cell is a coloured word diff on a
    terminal, "A → B" elsewhere."""
    columns = ("detected", *(["article"] if with_url else []), "versions", "kinds", "words +/-", "headline")
    cells = []
    for row in rows:
        kinds = ", ".join(row["kinds"]) + (f" (back to v{row['reverts_to']})" if row.get("reverts_to") else "")
        if row.get("reextraction"):
            kinds += " [re-extraction]"
        versions = f"{row['from_version'] or '–'} → {row['to_version'] or '–'}"
        headline: Text | str = Literal(row.get("headline_after") or row.get("headline_before") or "")
        if "headline" in row["kinds"] and row.get("headline_before") and row.get("headline_after"):
            headline = (render_rich(word_diff(row["headline_before"], row["headline_after"])) if terminal
                        else Literal(f"{row['headline_before']} → {row['headline_after']}"))
        cells.append((row["detected_at"], *([Literal(row["url"])] if with_url else []), versions, Literal(kinds),
                      f"+{row['words_added']} −{row['words_removed']}", headline))
    return columns, cells


def diff_record(article: dict, before: dict, after: dict) -> dict:
    """The JSON form of ``redline diff``: segments per field, plus plain renderings."""
    fields = {}
    for field in ("headline", "byline", "body"):
        segments = word_diff(before[field], after[field])
        fields[field] = {
            "changed": before[field] != after[field],
            "segments": [{"op": s.op, "text": s.text} for s in segments],
            "plain": render_plain(segments),
        }
    return {
        "url": article["url"],
        "from_version": before["number"],
        "to_version": after["number"],
        "from_first_seen": before["first_seen"],
        "to_first_seen": after["first_seen"],
        **fields,
    }


def diff(record: dict, console: Console) -> None:
    console.print(Text(f"{record['url']}  v{record['from_version']} → v{record['to_version']}", style="bold"))
    for field in ("headline", "byline", "body"):
        part = record[field]
        if field != "body" and not part["changed"]:
            continue
        segments = [Segment(s["op"], s["text"]) for s in part["segments"]]
        console.print(Text(f"\n{field}:", style="underline"))
        if console.is_terminal:
            console.print(render_rich(segments))
        else:
            console.print(Text(render_plain(segments)))


def _age(seconds: float | None) -> str:
    """``discover_max_age`` as the config writes it: ``90d``, ``36h``, ``90m``, ``45s`` (– when none applies)."""
    if seconds is None:
        return "–"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def status(summary: dict, console: Console) -> None:
    console.print(
        f"{summary['articles']} articles, {summary['versions']} versions, {summary['changes']} changes, "
        f"{summary['checks']} checks; last check {summary['last_check'] or 'never'}, "
        f"next due {summary['next_check'] or 'now'}"
    )
    table = Table(title="outlets", title_justify="left")
    for column in ("outlet", "articles", "active", "removed", "retired", "blocked", "last discovery",
                   "discovers back to", "last check", "next check"):
        table.add_column(column)
    max_ages = summary.get("discover_max_age", {})
    seen = set()
    for row in summary["outlets"]:
        seen.add(row["outlet"])
        table.add_row(Text(row["outlet"] or "(tracked by hand)"), *(str(row[k] or 0) for k in
                      ("articles", "active", "removed", "retired", "blocked")), row["last_discovery"] or "–",
                      _age(max_ages.get(row["outlet"])), row["last_check"] or "never", row["next_check"] or "–")
    for name in summary.get("configured_outlets", []):
        if name not in seen:
            table.add_row(Text(name), "0", "0", "0", "0", "0", "never", _age(max_ages.get(name)), "never", "–")
    console.print(table)
    if summary.get("chain_heads"):
        heads = Table(title="chain heads (keep a copy: `redline verify --head HASH` proves the history up to it)",
                      title_justify="left")
        for column in ("chain", "records", "head", "at"):
            heads.add_column(column)
        for row in summary["chain_heads"]:
            heads.add_row(Text(row["chain"]), str(row["seq"]), row["hash"], row["at"])
        console.print(heads)
    if summary.get("routes"):
        routes = Table(title="how outlets are reached", title_justify="left")
        for column in ("outlet", "proxy", "render", "headers", "cookies", "user agent"):
            routes.add_column(column)
        for name, route in summary["routes"].items():
            routes.add_row(Text(name), Text(route["proxy"] or "direct"), route["render"],
                           Text(", ".join(route["headers"]) or "–"), Text(", ".join(route["cookies"]) or "–"),
                           Text(route["user_agent"] or "(default)"))
        console.print(routes)
    if summary["failing_sources"]:
        sources = Table(title="failing feeds, sitemaps and sections", title_justify="left")
        for column in ("outlet", "source", "failing since", "times", "error"):
            sources.add_column(column)
        for row in summary["failing_sources"]:
            sources.add_row(Text(row["outlet"]), Text(row["url"]), row["last_ok_at"] or "never worked",
                            str(row["streak"]), Text(row["error"] or ""))
        console.print(sources)
    if summary["recent_failures"]:
        failures = Table(title="recent failures", title_justify="left")
        for column in ("time", "article", "status", "error"):
            failures.add_column(column)
        for row in summary["recent_failures"]:
            failures.add_row(row["checked_at"], Text(row["url"]), str(row["status"] or "–"), Text(row["error"] or ""))
        console.print(failures)
    if summary.get("blocked"):
        blocked = Table(title="blocked (the outlet refused redline; the answer is kept)", title_justify="left")
        for column in ("time", "article", "status", "why"):
            blocked.add_column(column)
        for row in summary["blocked"]:
            blocked.add_row(row["checked_at"], Text(row["url"]), str(row["status"] or "–"), Text(row["reason"]))
        console.print(blocked)
