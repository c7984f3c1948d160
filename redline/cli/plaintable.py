"""A table printed the way Rich prints it to a pipe or a file, written directly when that is simple.

Why: Rich lays a table out at ~0.5 ms a row here, so ``redline history --all`` spent 4.7 s printing
a 5,000-version live blog (10,000 rows in two tables) that took 40 ms to read. Off a terminal the
CLI's console has no colours and never wraps (:data:`redline.cli.render.UNWRAPPED_WIDTH`), so
such a table is plain text: every column as wide as its widest cell, one line per row, the
``HEAVY_HEAD`` box, title and caption above and below. :func:`print_table` writes exactly what Rich
would (tests/test_plaintable.py compares the two on varied tables) when the table is that simple:
no cell holds a control character, tab or line break, and the table fits the console. Anything
else, and every terminal, goes to Rich itself.

Cells are given as Rich takes them: a ``str`` is console markup (``[bold]``, ``:emoji:``), which
Rich's own parser reads here too, so a cell prints the same either way; a ``Text`` is literal, and
so is a :class:`Literal` (a ``str``, which costs less to make: a ``Text`` for Rich only if it prints).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.markup import render as render_markup
from rich.table import Table
from rich.text import Text


class Literal(str):
    """A cell's text as it is (not markup): ``Text(cell)`` to Rich."""


Cell = str | Text
#: Characters Rich changes or lays out otherwise (control characters it strips, tabs it expands,
#: line breaks it splits a cell at): a table holding one is left to Rich.
_UNSIMPLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def print_table(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]],
                caption: str | None = None) -> None:
    """Print a table with a left-justified title and caption (Rich's ``Table`` otherwise defaults)."""
    text = None if console.is_terminal else plain_text(console, title, columns, rows, caption)
    if text is not None:
        console.file.write(text)
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(cell) if type(cell) is Literal else cell for cell in row))
    if caption is not None:
        table.caption, table.caption_justify = caption, "left"
    console.print(table)


def plain_text(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]],
               caption: str | None = None) -> str | None:
    """What ``console.print`` writes for this table on a console without colours that does not
    wrap (``soft_wrap``), or None when it is not that simple."""
    if console.options.ascii_only or not console.soft_wrap or console.color_system is not None:
        return None
    cells = []
    for n, header in enumerate(columns):
        column = _column([row[n] for row in rows])
        if column is None:
            return None
        cells.append([_markup(header), *column])
    if any(_UNSIMPLE.search(" ".join(column)) for column in cells):
        return None
    lengths = [[len(cell) if cell.isascii() else _width(cell) for cell in column] for column in cells]
    widths = [max(column) for column in lengths]
    if sum(widths) + 3 * len(widths) + 1 > console.width:
        return None
    padded = [[cell.ljust(width) if cell.isascii() else cell + " " * (width - length)
               for cell, length in zip(column, column_lengths)]
              for column, column_lengths, width in zip(cells, lengths, widths)]
    above, below = _annotation(title), _annotation(caption) if caption is not None else None
    if _UNSIMPLE.search(above) or (below is not None and _UNSIMPLE.search(below)):
        return None
    lines = [above, "┏" + "┳".join("━" * (w + 2) for w in widths) + "┓",
             "┃ " + " ┃ ".join(column[0] for column in padded) + " ┃",
             "┡" + "╇".join("━" * (w + 2) for w in widths) + "┩"]
    lines += ["│ " + " │ ".join(row) + " │" for row in zip(*(column[1:] for column in padded))]
    lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    if below is not None:
        lines.append(below)
    return "\n".join(lines) + "\n"


_CELL_TYPES = (str, Literal)
_ASCII_RUNS = re.compile(r"[\x20-\x7e]+")


def _width(cell: str) -> int:
    """``cell_len(cell)``: Rich sums its characters' widths (an ASCII one is 1) unless a zero-width
    joiner or variation selector makes a sequence one glyph, so only the others are measured
    (``12 → 13`` is one ``→``, whose width Rich remembers, not seven characters)."""
    if "\u200d" in cell or "\ufe0f" in cell:
        return cell_len(cell)
    wide = _ASCII_RUNS.sub("", cell)
    return len(cell) - len(wide) + cell_len(wide)


def _literal(cell: Cell) -> bool:
    """A ``Text`` laid out as the table's defaults say (no justification, overflow or no-wrap of its own)."""
    return type(cell) is Text and cell.justify is None and cell.overflow is None and not cell.no_wrap


def _column(column: list[Cell]) -> list[str] | None:
    """A column's cells as Rich prints them: ``Text`` as it is, ``str`` as markup (read, with
    ``:emoji:`` codes replaced: Rich's defaults, which the CLI's console keeps).

    Markup without ``[`` only has emoji codes replaced, which never reach across a line break:
    those cells are read in one call, joined by line breaks (a column of 5,000 timestamps costs one
    parse, not 5,000). None when a cell is not that simple."""
    if not all(type(cell) in _CELL_TYPES or _literal(cell) for cell in column):
        return None
    raw = [cell.plain if type(cell) is Text else cell for cell in column]
    if _UNSIMPLE.search(" ".join(raw)):
        return None
    out = [None if type(cell) is str else text for cell, text in zip(column, raw)]
    simple = [n for n, cell in enumerate(column) if type(cell) is str and "[" not in cell and "\n" not in cell]
    if simple:
        for n, text in zip(simple, render_markup("\n".join(column[n] for n in simple)).plain.split("\n")):
            out[n] = text
    return [text if text is not None else _markup(column[n]) for n, text in enumerate(out)]


@functools.lru_cache(maxsize=1024)
def _markup(cell: str) -> str:
    return render_markup(cell).plain


def _annotation(text: str) -> str:
    """A title or caption: markup read; on this console it is never wrapped, cut or padded."""
    return _markup(text)
