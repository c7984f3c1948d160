"""The README's "Use it from Python" example runs as written, against a local site whose story
is edited between two runs, and ``import redline`` exposes what its ``__all__`` promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import redline
from testkit.pages import STORY, STORY_HEADLINE, article_page

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE_URL = "https://example.com/news/2026/11/25/budget-vote"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## Use it from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_example_runs_and_sees_an_edit(site, tmp_path):
    url = site.set("/news/budget-vote", article_page(STORY_HEADLINE, STORY))
    code = _example().replace(EXAMPLE_URL, url).replace('"watch.db"', repr(str(tmp_path / "watch.db")))
    code = code.replace("crawl_once(check_all=True)", "crawl_once(check_all=True, delay=0)")  # a local site

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180,
                              cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = run()
    assert "checked: {'new_version': 1}" in first and "1 version(s)" in first
    site.set("/news/budget-vote", article_page("Council rejects the budget", STORY))
    second = run()
    assert f"['headline'] {STORY_HEADLINE} -> Council rejects the budget" in second
    assert "2 version(s)" in second


def test_every_public_name_resolves():
    for name in redline.__all__:
        assert getattr(redline, name) is not None
    assert issubclass(redline.InvalidURL, redline.RedlineError)
