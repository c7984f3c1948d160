"""Text normalisation: the last step before text reaches the differ.

Everything that is a property of the markup rather than of the words must disappear here, so
that a publisher re-serialising its templates (attribute order, ``&nbsp;`` vs U+00A0, a ``<b>``
added, lines re-wrapped, NFD vs NFC from a different CMS) never shows up as an edit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Characters that render as nothing: soft hyphen, zero-width space/joiners, word joiner, BOM,
# bidi marks and isolates (CMSes sprinkle them around numbers and quotes in RTL/LTR mixing).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\u180e"),
    None,
)
# Every Unicode space separator (nbsp, narrow nbsp, thin, ideographic, ...) plus control
# whitespace becomes one ASCII space.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# C1 controls come from ``&#147;``-style references written for windows-1252; browsers show
# the windows-1252 character (HTML5 numeric-reference rule), so do we.
_C1 = {c: bytes([c]).decode("cp1252", errors="ignore") or None for c in range(0x80, 0xA0)}
_INVISIBLE.update(_C1)
# Remaining C0 control characters other than whitespace never carry meaning.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: Any character :data:`_INVISIBLE` maps: ``str.translate`` with a dict looks up every character
#: (60 % of this module's time on corpus paragraphs), and 7 % of paragraphs hold one.
_ANY_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_INVISIBLE)) + "]")


def clean_text(text: str) -> str:
    """One paragraph's text: NFC, invisible characters removed, whitespace collapsed.

    The whitespace :data:`_SPACES` names is exactly what ``str.split`` splits on (both are
    ``str.isspace``), so a split and a join collapse it, at C speed."""
    if not text:
        return ""
    if _ANY_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def collapse_spaces(text: str) -> str:
    """Every run of whitespace (any Unicode space) as one ASCII space; nothing else touched."""
    return _SPACES.sub(" ", text)


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Paragraphs cleaned, empties dropped, joined by exactly one blank line."""
    cleaned = (clean_text(p) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def split_paragraphs(text: str) -> list[str]:
    """Split free text (e.g. JSON-LD ``articleBody``) on line breaks into cleaned paragraphs."""
    return [p for p in (clean_text(line) for line in re.split(r"\n|\r|\u2029", text)) if p]


#: Ideographs, kana and Hangul carry about a word each: a Chinese sentence of 40 characters says
#: what an English one says in ~120.  Length thresholds are in Latin-equivalent characters.
_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
WIDE_CHAR_WEIGHT = 3


def text_size(text: str) -> int:
    """Length in Latin-equivalent characters (each CJK/Hangul character counts ``WIDE_CHAR_WEIGHT``)."""
    return len(text) + (WIDE_CHAR_WEIGHT - 1) * len(_WIDE.findall(text))


def squash(text: str) -> str:
    """A comparison key: case-folded with all whitespace (and cell rules ``|``) removed.

    Extractors disagree about spaces at inline-tag boundaries (``foo<b>bar</b>``) and about how
    to draw table cells; comparing squashed keys makes block/candidate matching blind to both.
    """
    return "".join(clean_text(text).casefold().split()).replace("|", "")
