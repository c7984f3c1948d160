"""``redline.cli.plaintable`` prints a table exactly as Rich prints it off a terminal."""

from __future__ import annotations

import io
import random

from rich.console import Console
from rich.table import Table
from rich.text import Text

from redline.cli import plaintable
from redline.cli.render import UNWRAPPED_WIDTH

PIECES = ["", " ", "a", "word", "two words", "  padded  ", "2026-11-01T01:07:00Z", "12 → 13", "+12 −0", "議会",
          "予算案を可決", "🎉", "e\u0301", "Conseil : adopté", ":smile:", ":100:", "a :thumbs_up: b", "[bold]x[/bold]",
          "body [re-extraction]", "[1]", "\\[escaped]", "x" * 30, "tab\there", "line\nbreak", "cr\rx",
          "bell\x07", "del\x7f", "zero\u200bwidth", "👩\u200d💻 dev",
          "❤\ufe0f love", "1\ufe0f\u20e3 keycap", "½ → ¾ — «»"]


def _console(width: int = UNWRAPPED_WIDTH) -> Console:
    return Console(highlight=False, width=width, soft_wrap=True, file=io.StringIO())


def _rich(width: int, title: str, columns, rows, caption) -> str:
    console = _console(width)
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:  # a Literal is the text as it is: a Text to Rich
        table.add_row(*(Text(cell) if isinstance(cell, plaintable.Literal) else cell for cell in row))
    if caption is not None:
        table.caption, table.caption_justify = caption, "left"
    console.print(table)
    return console.file.getvalue()


def _ours(width: int, title: str, columns, rows, caption) -> str:
    console = _console(width)
    plaintable.print_table(console, title, columns, rows, caption)
    return console.file.getvalue()


def _random_table(rng: random.Random, pieces: list[str]):
    columns = [rng.choice(["#", "first seen", "headline", "words", "kinds", "議会", ":smile:"]) for _ in
               range(rng.randrange(1, 6))]
    rows = [[rng.choice([Text, plaintable.Literal])(text) if rng.random() < 0.5 else text
             for text in (" ".join(rng.choice(pieces) for _ in range(rng.randrange(0, 3))) for _ in columns)]
            for _ in range(rng.randrange(0, 8))]
    caption = rng.choice([None, "the newest 50 of 5,000 versions: --all lists every one", "[i]note[/i] :smile:",
                          "a caption far longer than any table it could ever be under " * 3])
    return rng.choice(["versions", "changes", "議会 :smile:"]), columns, rows, caption


def test_same_text_as_rich_on_random_tables():
    rng = random.Random(13)
    simple = [p for p in PIECES if not any(c in p for c in "\t\n\r\x07\x7f")]
    fast = 0
    for attempt in range(600):
        title, columns, rows, caption = _random_table(rng, simple if attempt % 2 else PIECES)
        width = rng.choice([UNWRAPPED_WIDTH, UNWRAPPED_WIDTH, 40])  # narrow: Rich wraps, so Rich prints it
        assert _ours(width, title, columns, rows, caption) == _rich(width, title, columns, rows, caption), (
            title, columns, rows, caption, width)
        fast += plaintable.plain_text(_console(width), title, columns, rows, caption) is not None
    assert fast > 200  # most simple tables took the direct way


def test_a_terminal_gets_rich():
    console = Console(highlight=False, width=80, file=io.StringIO(), force_terminal=True)
    assert console.is_terminal
    plaintable.print_table(console, "versions", ["#"], [["1"]])
    assert "\x1b[" in console.file.getvalue()  # Rich's styles: the title is italic on a terminal
