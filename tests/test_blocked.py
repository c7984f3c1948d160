"""The challenge sniffing rules on their own: every marker is found whatever its case, and only on
short pages (a real article that embeds a vendor's script is not a refusal)."""

from __future__ import annotations

import pytest

from redline.crawler.blocked import CHALLENGE_MARKERS, MAX_CHALLENGE_TEXT_CHARS, blocked_reason

URL = "http://127.0.0.1/a/1"


def _page(head: str, text: str = "One moment.") -> bytes:
    return f"<html><head>{head}</head><body><p>{text}</p></body></html>".encode()


@pytest.mark.parametrize("marker", [m.decode() for m in CHALLENGE_MARKERS])
def test_every_marker_is_found_in_any_case(marker: str) -> None:
    for spelling in (marker, marker.upper()):
        reason = blocked_reason(200, URL, _page(f"<script>var x = '{spelling}';</script>"))
        assert reason is not None and spelling[:20] in reason


def test_a_challenge_title_and_perimeterx_captcha_are_found() -> None:
    assert "Just a moment" in blocked_reason(503, URL, _page("<title>Just a moment...</title>"))
    assert blocked_reason(200, URL, _page("<script>window._pxAppId='PX1'; load('captcha')</script>"))
    assert blocked_reason(200, URL, _page("<script>window._pxAppId='PX1';</script>")) is None


def test_a_long_article_with_a_marker_is_not_a_refusal() -> None:
    article = "Word " * (MAX_CHALLENGE_TEXT_CHARS // 4)
    assert blocked_reason(200, URL, _page("<script>_cf_chl_opt={}</script>", article)) is None
    assert blocked_reason(200, URL, _page("", "An ordinary short page.")) is None
    assert blocked_reason(404, URL, _page("<title>Just a moment</title>")) is None
