"""`redline demo`, as the README's main-job command runs it: real edits flagged, churn never."""

from __future__ import annotations

import json
import subprocess

from redline.demo.articles import BANK, COURT, HOSPITAL, PORT, SCRIPT, TRANSIT, Publish
from testkit.site import REDLINE


def test_demo_flags_the_scripted_edits_and_nothing_else(tmp_path):
    db = tmp_path / "demo.db"
    done = subprocess.run([str(REDLINE), "--db", str(db), "demo", "--duration", "120"],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert f"redline --db {db} changes" in done.stdout
    listed = subprocess.run([str(REDLINE), "--db", str(db), "changes", "--json"],
                            capture_output=True, text=True, check=True)
    changes = json.loads(listed.stdout)
    by_slug = {}
    for change in changes:
        by_slug.setdefault(change["url"].rsplit("/", 1)[-1], []).append(change["kinds"])
    assert by_slug[PORT] == [["headline"]]
    assert by_slug[HOSPITAL] == [["body"]]
    assert by_slug[COURT][0] == ["removed"]
    assert by_slug[BANK] == [["headline"], ["headline"]]
    flip_back = [c for c in changes if c["url"].endswith(BANK)][-1]
    assert flip_back["reverts_to"] == 1
    # nothing came from churn: a story the script never edits has no change at all, and there are
    # no more changes than scripted steps that edit (publishing is not a change)
    assert TRANSIT not in by_slug
    edits = [c for step in SCRIPT for c in step if not isinstance(c, Publish)]
    assert len(changes) <= len(edits)
