"""Word diffs laid out for HTML: inline, or side by side with paragraphs aligned. Pure functions.

The diff itself is :func:`redline.storage.differ.word_diff`; this only arranges its segments. Side by side,
the left column is the old text with deletions marked and the right the new text with insertions
marked. Rows break at paragraph breaks ("\\n\\n") inside unchanged text, so an unchanged paragraph
sits level in both columns and an edit is seen next to what it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from redline.app.atom import diff_html
from redline.storage.differ import Segment, word_diff

PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class FieldDiff:
    """One compared field (headline, byline, body) ready for a template."""

    name: str
    changed: bool
    inline: Markup
    rows: list[tuple[Markup, Markup]]


def field_diff(name: str, before: str, after: str) -> FieldDiff:
    """The inline and side-by-side renderings of one field's word diff."""
    segments = word_diff(before, after)
    return FieldDiff(name, before != after, Markup(diff_html(segments)), side_by_side(segments))


def side_by_side(segments: list[Segment]) -> list[tuple[Markup, Markup]]:
    """(before, after) HTML per row; a row ends at each paragraph break in unchanged text.

    A whole paragraph deleted or inserted gets a row of its own (beside an empty cell), so the
    paragraphs after it stay level.
    """
    rows: list[tuple[list[Segment], list[Segment]]] = [([], [])]
    for segment in segments:
        if segment.op == "equal":
            for i, part in enumerate(segment.text.split(PARAGRAPH_BREAK)):
                if i:
                    rows.append(([], []))
                if part:
                    rows[-1][0].append(Segment("equal", part))
                    rows[-1][1].append(Segment("equal", part))
            continue
        side, other = (0, 1) if segment.op == "delete" else (1, 0)
        text = segment.text
        if text.startswith(PARAGRAPH_BREAK) and (rows[-1][0] or rows[-1][1]):
            rows.append(([], []))
            text = text[len(PARAGRAPH_BREAK):]
        ends_paragraph = text.endswith(PARAGRAPH_BREAK) and not rows[-1][other]
        if ends_paragraph:
            text = text[:-len(PARAGRAPH_BREAK)]
        rows[-1][side].append(Segment(segment.op, text))
        if ends_paragraph:
            rows.append(([], []))
    return [
        (Markup(diff_html(left, show=("delete",))), Markup(diff_html(right, show=("insert",))))
        for left, right in rows
        if left or right
    ]
