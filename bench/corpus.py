"""Locate the shared news-article corpus and read its ground truth.

The corpus (real third-party pages) is never copied into this repository: tests and benchmarks
read it in place.  It is found through the ``REDLINE_CORPUS`` environment variable, else at
``<repository root>/../shared/corpus``.  Callers skip (tests) or exit (benchmarks) with a clear
message when :func:`corpus_dir` returns ``None``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "REDLINE_CORPUS"
MANIFEST = "manifest.jsonl"


def corpus_dir() -> Path | None:
    """The corpus directory (one holding ``manifest.jsonl``), or ``None`` when absent."""
    configured = os.environ.get(ENV_VAR)
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"
    if (candidate / MANIFEST).is_file():
        return candidate
    return None


def missing_reason() -> str:
    """A one-line explanation for skips when the corpus cannot be found."""
    configured = os.environ.get(ENV_VAR)
    where = configured or str(REPO_ROOT.parent / "shared" / "corpus")
    return f"extraction corpus not found at {where} (set {ENV_VAR} to a directory holding {MANIFEST})"


def load_manifest(directory: Path | None = None) -> list[dict[str, Any]]:
    """All manifest entries, in file order; ``[]`` when the corpus is absent."""
    directory = directory or corpus_dir()
    if directory is None:
        return []
    with open(directory / MANIFEST, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def page_bytes(entry: dict[str, Any], directory: Path | None = None) -> bytes:
    """The raw bytes of one corpus page."""
    directory = directory or corpus_dir()
    if directory is None:
        raise FileNotFoundError(missing_reason())
    return (directory / f"{entry['id']}.html").read_bytes()
