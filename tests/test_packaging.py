"""What ``pip install .`` puts into site-packages: the ``redline`` package and its metadata, nothing
else (no top-level ``crawler``, ``storage``, ``scheduler`` or ``tests``), built by the pip in use."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_only_the_redline_namespace(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "build", "*.egg-info",
                                                                 "__pycache__", "artifacts", "out"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = tmp_path.glob("redline_news-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"redline", next(t for t in tops if t.endswith(".dist-info"))}
    for module in ("redline/crawler/extract/__init__.py", "redline/storage/store.py", "redline/scheduler/daemon.py",
                   "redline/core/errors.py", "redline/app/facade.py", "redline/cli/main.py",
                   "redline/web/templates/history.html"):
        assert module in names
