"""bench/mutate.py: every edit the change benchmark plans changes the story's text.

A planned edit that changes nothing (a word swap that finds no whole word to replace because a
drop cap splits it, a number only in a comment) would be scored as a missed edit that no
detector could see.  Pure: a small hand-written page, no corpus needed.
"""

from __future__ import annotations

import lxml.html

from bench.mutate import EDITS, Plan, State, edit_changes_text, prepare

#: Every paragraph opens with a drop cap (the first letter in its own element), so the first
#: word of each exists only split across two text nodes; one number stands only in a comment.
PARAGRAPHS = (
    '<span class="dropcap">M</span>ath doesn’t happen in a vacuum; thinkers shape it over generations.',
    '<span class="dropcap">R</span>evolutionaries sometimes arrive and guide how a field is seen.',
    '<span class="dropcap">T</span>he committee met <!-- 2024 --> again to review the curriculum.',
    '<span class="dropcap">S</span>tudents said the changes would help them learn proofs faster.',
)
PAGE = ("<html><head><title>How mathematics changes</title></head><body><article>"
        "<h1>How mathematics changes</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>")


def story_words(html: str) -> str:
    tree = lxml.html.document_fromstring(html)
    for element in tree.xpath("//script | //style | //comment()"):
        element.drop_tree()
    return " ".join(tree.find("body").text_content().split())


def stories(seeds: range) -> list:
    body = "\n\n".join(lxml.html.fragment_fromstring(f"<p>{p}</p>").text_content() for p in PARAGRAPHS)
    out = []
    for seed in seeds:
        story = prepare("dropcaps", "en", "utf-8", PAGE, body, "How mathematics changes",
                        ["Other news"], ["Other text."], seed)
        assert story is not None
        out.append(story)
    return out


def test_every_planned_edit_changes_the_story_text() -> None:
    variants = set()
    for story in stories(range(40)):
        unchanged = story_words(story.render(State())[1])
        for edit in story.applicable_edits:
            edited = story_words(story.render(State(edits=frozenset({edit})))[1])
            assert edited != unchanged, (story.seed, edit, story.plan)
        variants.add(story.plan.variants.get("word"))
    assert "word" in variants  # the drop-capped paragraphs still take word swaps


def test_a_swap_of_a_word_split_by_a_drop_cap_is_no_edit() -> None:
    story = stories(range(1))[0]
    plan = Plan(targets={"word": 0}, variants={"word": "word"}, swap=("Math", "test"))
    assert not edit_changes_text(story, "word", plan)
    plan = Plan(targets={"word": 0}, variants={"word": "word"}, swap=("vacuum", "test"))
    assert edit_changes_text(story, "word", plan)


def test_a_number_only_in_a_comment_is_no_word_edit() -> None:
    """Paragraphs of short words (nothing of four letters to swap) whose only number is in a
    comment: the page takes no ``word`` edit rather than one that changes nothing."""
    short = ("It is up to us to do so, as we all can see and say.",
             "We <!-- 2024 --> may go or we may not go, and so it is for all of us.",
             "Yet he did say he can go if the day is dry, or so he had us all see.")
    page = ("<html><body><article><h1>So it is</h1>" + "".join(f"<p>{p}</p>" for p in short)
            + "</article></body></html>")
    body = "\n\n".join(lxml.html.fragment_fromstring(f"<p>{p}</p>").text_content() for p in short)
    for seed in range(10):
        story = prepare("short", "en", "utf-8", page, body, "So it is", ["Other"], ["x."], seed)
        assert story is not None
        assert "word" not in story.applicable_edits
        assert "paragraph_removed" in story.applicable_edits
