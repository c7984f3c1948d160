"""Tests for storage.differ: word-level diffs, change summaries, rendering and excerpts."""

from __future__ import annotations

import random

from rich.text import Text

from redline.storage.differ import (
    ELLIPSIS,
    REWRITE_THRESHOLD,
    ChangeSummary,
    Content,
    Segment,
    compare,
    count_words,
    excerpt,
    render_plain,
    render_rich,
    tokenize,
    word_diff,
)

LOREM = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()


def sides(segments: list[Segment]) -> tuple[str, str]:
    """The (before, after) texts a diff describes."""
    before = "".join(s.text for s in segments if s.op != "insert")
    after = "".join(s.text for s in segments if s.op != "delete")
    return before, after


def assert_well_formed(segments: list[Segment], before: str, after: str) -> None:
    assert sides(segments) == (before, after)
    assert all(s.text for s in segments), "no empty segments"
    assert all(a.op != b.op for a, b in zip(segments, segments[1:])), "same-op runs merged"


# --- word boundaries ------------------------------------------------------------------------


def test_word_replacement_keeps_whole_words() -> None:
    segments = word_diff("The minister resigns today.", "The minister refuses to resign today.")
    assert segments == [
        Segment("equal", "The minister "),
        Segment("delete", "resigns"),
        Segment("insert", "refuses to resign"),
        Segment("equal", " today."),
    ]


def test_number_change_is_one_delete_and_insert_of_whole_tokens() -> None:
    segments = word_diff("Police said 12 people were hurt.", "Police said 15 people were hurt.")
    assert [s for s in segments if s.op != "equal"] == [Segment("delete", "12"), Segment("insert", "15")]
    assert_well_formed(segments, "Police said 12 people were hurt.", "Police said 15 people were hurt.")


def test_sentence_added() -> None:
    before = "The fire started at noon. It was contained by evening."
    after = "The fire started at noon. Two people were injured. It was contained by evening."
    segments = word_diff(before, after)
    assert [s for s in segments if s.op != "equal"] == [Segment("insert", "Two people were injured. ")]
    assert_well_formed(segments, before, after)


def test_paragraph_removed() -> None:
    paragraphs = ["First paragraph stays.", "The contested claim goes away.", "Last paragraph stays."]
    before = "\n\n".join(paragraphs)
    after = "\n\n".join(paragraphs[::2])
    segments = word_diff(before, after)
    changes = [s for s in segments if s.op != "equal"]
    assert len(changes) == 1 and changes[0].op == "delete"
    assert changes[0].text.strip() == "The contested claim goes away."
    assert_well_formed(segments, before, after)


def test_cyrillic_words() -> None:
    before = "Путин заявил, что переговоры продолжатся."
    after = "Путин заявил в понедельник, что переговоры не продолжатся."
    segments = word_diff(before, after)
    assert render_plain(segments) == "Путин заявил{+ в понедельник+}, что переговоры {+не +}продолжатся."
    replaced = word_diff("Путин заявил о победе.", "Путин признал поражение.")
    assert [s.text for s in replaced if s.op == "delete"] == ["заявил о победе"]
    assert [s.text for s in replaced if s.op == "insert"] == ["признал поражение"]


def test_chinese_is_diffed_per_character() -> None:
    segments = word_diff("中国经济增长了百分之五。", "中国经济增长了百分之六。")
    assert segments == [
        Segment("equal", "中国经济增长了百分之"),
        Segment("delete", "五"),
        Segment("insert", "六"),
        Segment("equal", "。"),
    ]


def test_japanese_is_diffed_per_character() -> None:
    segments = word_diff("東京で会議が開かれました。", "大阪で会議が開かれました。")
    assert segments == [
        Segment("delete", "東京"),
        Segment("insert", "大阪"),
        Segment("equal", "で会議が開かれました。"),
    ]
    assert tokenize("ひらがなカタカナ") == list("ひらがなカタカナ")


def test_thai_and_combining_marks_stay_with_their_letters() -> None:
    # Thai tone marks and Devanagari vowel signs are combining marks, not \w: they must not be cut off.
    assert "ง่" in tokenize("ภาษาไทยง่าย")
    assert tokenize("हिन्दी भाषा") == ["हिन्दी", " ", "भाषा"]
    assert count_words("ภาษาไทย") == 7


def test_korean_is_spaced_so_word_level() -> None:
    assert tokenize("한국어 문장") == ["한국어", " ", "문장"]


def test_identical_and_empty_texts() -> None:
    assert word_diff("Same text.", "Same text.") == [Segment("equal", "Same text.")]
    assert word_diff("", "") == []
    assert word_diff("", "New.") == [Segment("insert", "New.")]
    assert word_diff("Old.", "") == [Segment("delete", "Old.")]


def test_tokenize_round_trips_and_counts_words() -> None:
    text = "U.S. officials — citing “security” — said 3,400 troops (roughly) remain.\n\nEnd"
    assert "".join(tokenize(text)) == text
    assert count_words(text) == 12  # U S officials citing security said 3 400 troops roughly remain End


# --- compare --------------------------------------------------------------------------------

BASE = Content(
    headline="Minister resigns over spending row",
    body="The minister resigned on Tuesday.\n\nShe denied any wrongdoing.",
    byline="By Jane Doe",
)


def test_compare_identical_has_no_kinds() -> None:
    summary = compare(BASE, BASE)
    assert summary == ChangeSummary(kinds=(), words_added=0, words_removed=0, similarity=1.0, rewritten=False)


def test_compare_headline_only() -> None:
    after = Content("Minister refuses to resign over spending row", BASE.body, BASE.byline)
    summary = compare(BASE, after)
    assert summary.kinds == ("headline",)
    assert (summary.words_added, summary.words_removed) == (3, 1)
    assert summary.similarity == 1.0 and not summary.rewritten


def test_compare_byline_change() -> None:
    after = Content(BASE.headline, BASE.body, "By Jane Doe and John Roe")
    summary = compare(BASE, after)
    assert summary.kinds == ("byline",)
    assert (summary.words_added, summary.words_removed) == (3, 0)


def test_compare_kinds_in_fixed_order_and_counts_add_up() -> None:
    after = Content(
        headline="Minister quits over spending row",
        body="The minister resigned on Tuesday.\n\nShe denied any wrongdoing, her lawyer said.",
        byline="By John Roe",
    )
    summary = compare(BASE, after)
    assert summary.kinds == ("headline", "body", "byline")
    # headline: -resigns +quits; body: +her lawyer said (the comma is not a word); byline: -Jane Doe +John Roe
    assert summary.words_added == 1 + 3 + 2
    assert summary.words_removed == 1 + 0 + 2
    assert 0.8 < summary.similarity < 1.0 and not summary.rewritten


def test_similarity_of_unrelated_bodies_is_low_and_rewritten() -> None:
    rng = random.Random(7)
    words_a = " ".join(rng.choice(LOREM[:13]) for _ in range(300))
    words_b = " ".join(rng.choice(LOREM[13:]) for _ in range(300))
    summary = compare(Content("h", words_a, "b"), Content("h", words_b, "b"))
    assert summary.kinds == ("body",)
    assert summary.similarity < REWRITE_THRESHOLD and summary.rewritten

    prose_a = Content("h", "The central bank raised interest rates by half a point on Thursday, "
                           "citing persistent inflation in services and housing.", "b")
    prose_b = Content("h", "Rescuers pulled two hikers from a flooded canyon after a night "
                           "stranded on a narrow ledge above the river.", "b")
    summary = compare(prose_a, prose_b)
    assert summary.similarity < REWRITE_THRESHOLD and summary.rewritten


def test_body_emptied_counts_as_rewritten() -> None:
    summary = compare(BASE, Content(BASE.headline, "", BASE.byline))
    assert summary.kinds == ("body",) and summary.similarity == 0.0 and summary.rewritten
    assert summary.words_removed == count_words(BASE.body)


# --- rendering ------------------------------------------------------------------------------


def test_render_plain_exact() -> None:
    segments = word_diff("Police said 12 people were hurt.", "Police said 15 people were badly hurt.")
    assert render_plain(segments) == "Police said [-12-]{+15+} people were {+badly +}hurt."


def test_render_rich_styles() -> None:
    text = render_rich([Segment("equal", "a "), Segment("delete", "b"), Segment("insert", "c")])
    assert isinstance(text, Text)
    assert text.plain == "a bc"
    styles = {text.plain[span.start:span.end]: str(span.style) for span in text.spans}
    assert styles == {"b": "red strike", "c": "green"}


# --- excerpt --------------------------------------------------------------------------------


def test_excerpt_trims_equal_runs_to_context() -> None:
    words = [f"w{i}" for i in range(40)]
    before = " ".join(words)
    after = " ".join(words[:20] + ["CHANGED"] + words[21:])
    out = excerpt(word_diff(before, after), context_words=3)
    assert render_plain(out) == f"{ELLIPSIS} w17 w18 w19 [-w20-]{{+CHANGED+}} w21 w22 w23 {ELLIPSIS}"


def test_excerpt_middle_run_between_two_changes() -> None:
    words = [f"w{i}" for i in range(30)]
    after = list(words)
    after[2], after[25] = "X", "Y"
    out = excerpt(word_diff(" ".join(words), " ".join(after)), context_words=2)
    assert render_plain(out) == (
        f"w0 w1 [-w2-]{{+X+}} w3 w4 {ELLIPSIS} w23 w24 [-w25-]{{+Y+}} w26 w27 {ELLIPSIS}"
    )


def test_excerpt_keeps_short_runs_whole_and_no_changes_is_empty() -> None:
    segments = word_diff("Police said 12 people were hurt.", "Police said 15 people were hurt.")
    assert excerpt(segments) == segments
    assert excerpt(word_diff("Same.", "Same.")) == []
    assert excerpt([]) == []


def test_excerpt_cjk_marker_has_no_spaces() -> None:
    before = "今天北京的天气非常好，气温是二十度，适合出门散步。"
    after = before.replace("二十", "三十")
    out = excerpt(word_diff(before, after), context_words=2)
    # no spaces around the markers; punctuation right after the context words is kept
    assert render_plain(out) == f"{ELLIPSIS}温是[-二-]{{+三+}}十度，{ELLIPSIS}"


def test_excerpt_respects_max_chars() -> None:
    rng = random.Random(3)
    before = " ".join(rng.choice(LOREM) for _ in range(2000))
    tokens = before.split(" ")
    for i in range(0, len(tokens), 50):
        tokens[i] = "EDITED"
    out = excerpt(word_diff(before, " ".join(tokens)), max_chars=120)
    assert 0 < sum(len(s.text) for s in out) <= 120
    assert out[-1].text.endswith(ELLIPSIS)
    huge_insert = [Segment("equal", "a "), Segment("insert", "x" * 1000)]
    out = excerpt(huge_insert, max_chars=50)
    assert out[-1].op == "insert" and len("".join(s.text for s in out)) == 50


# --- scale and round trip -------------------------------------------------------------------


def make_article(rng: random.Random, n_words: int) -> str:
    vocabulary = LOREM + [f"term{i}" for i in range(500)] + ["said", "the", "of", "12", "3.5%"]
    words = []
    for i in range(n_words):
        word = rng.choice(vocabulary)
        words.append(word + ("." if i % 17 == 16 else ""))
        words.append("\n\n" if i % 120 == 119 else " ")
    return "".join(words).strip()


def mutate(rng: random.Random, text: str, n_edits: int) -> str:
    tokens = tokenize(text)
    for _ in range(n_edits):
        i = rng.randrange(len(tokens) + 1)
        kind = rng.choice(("insert", "delete", "replace"))
        if kind == "insert":
            tokens[i:i] = [" ", f"new{rng.randrange(99)}", " ", "words"]
        elif kind == "delete":
            del tokens[i:i + rng.randrange(1, 12)]
        else:
            tokens[i:i + 1] = [rng.choice(["15", "refuses", "Путин", "東京", ", ", "—"])]
    return "".join(tokens)


def test_large_article_with_many_edits_round_trips() -> None:
    rng = random.Random(10_000)
    before = make_article(rng, 10_000)
    after = mutate(rng, before, 80)
    segments = word_diff(before, after)
    assert_well_formed(segments, before, after)
    assert compare(Content("h", before, "b"), Content("h", after, "b")).similarity > 0.9


def test_round_trip_property_over_random_cases() -> None:
    rng = random.Random(2024)
    alphabet = ["a", "b", "ab", "the", " ", "  ", "\n\n", ",", ".", "12", "15", "中", "国", "ไทย", "ง่", "Путин"]
    for case in range(200):
        if case % 2:
            before = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
            after = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        else:
            before = make_article(rng, rng.randrange(0, 400))
            after = mutate(rng, before, rng.randrange(0, 10)) if before else ""
        segments = word_diff(before, after)
        assert_well_formed(segments, before, after)
        assert "".join(tokenize(before)) == before
        summary = compare(Content("", before, ""), Content("", after, ""))
        assert 0.0 <= summary.similarity <= 1.0
        assert summary.kinds == (("body",) if before != after else ())
        trimmed = excerpt(segments, context_words=rng.randrange(0, 5))
        kept = [s.op for s in trimmed if s.op != "equal"]
        assert kept == [s.op for s in segments if s.op != "equal"][: len(kept)]


def test_too_many_distinct_tokens_falls_back_to_character_diff(monkeypatch) -> None:
    import redline.storage.differ as differ

    monkeypatch.setattr(differ, "MAX_DISTINCT_TOKENS", 5)
    before, after = "one two three four five six", "one two thirty four five six"
    segments = word_diff(before, after)
    assert_well_formed(segments, before, after)
    assert "equal" in {s.op for s in segments}
