"""Canonical URLs: one article is one row however it is linked."""

from __future__ import annotations

import pytest

from redline.core.urls import canonicalize_url, same_host
from redline.core.errors import InvalidURL


@pytest.mark.parametrize(("given", "canonical"), [
    ("HTTPS://Example.COM/News/1", "https://example.com/News/1"),
    ("https://example.com:443/a?utm_source=x&utm_medium=y&id=7#comments", "https://example.com/a?id=7"),
    ("http://example.com:8080/a?fbclid=abc", "http://example.com:8080/a"),
    ("https://example.com", "https://example.com/"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("https://пример.рф/новости", "https://xn--e1afmkfd.xn--p1ai/новости"),
])
def test_canonical_form(given, canonical):
    assert canonicalize_url(given) == canonical


@pytest.mark.parametrize("bad", ["", "example.com/a", "mailto:x@example.com", "https://", "http://a b/",
                                 "https://user:pw@example.com/", "http://[::1/"])
def test_bad_urls_are_refused(bad):
    with pytest.raises(InvalidURL):
        canonicalize_url(bad)


def test_same_host_ignores_www_and_case():
    assert same_host("https://www.Example.com/a", "http://example.com/b")
    assert not same_host("https://example.com/a", "https://evil.example.net/a")
