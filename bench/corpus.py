"""Locate the shared news-article corpus folders and read their ground truth.

The corpus (real third-party pages) is never copied into this repository: tests and benchmarks
read it in place.  Two folders share one manifest format:

* ``corpus`` (120 pages, many languages), found through ``REDLINE_CORPUS``, else at
  ``<repository root>/../shared/corpus``;
* ``corpus-gn1`` (60 English news pages of 2008 without og:title or JSON-LD), found through
  ``REDLINE_CORPUS_GN1``, else next to the first folder.

They are kept apart so that figures over ``corpus`` keep their meaning.  Callers skip (tests) or
exit (benchmarks) with a clear message when a folder is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "REDLINE_CORPUS"
GN1_ENV_VAR = "REDLINE_CORPUS_GN1"
GN1 = "corpus-gn1"
MANIFEST = "manifest.jsonl"


def _corpus_path() -> Path:
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"


def _gn1_path() -> Path:
    configured = os.environ.get(GN1_ENV_VAR)
    return Path(configured) if configured else _corpus_path().parent / GN1


def corpus_dir() -> Path | None:
    """The corpus directory (one holding ``manifest.jsonl``), or ``None`` when absent."""
    candidate = _corpus_path()
    return candidate if (candidate / MANIFEST).is_file() else None


def gn1_dir() -> Path | None:
    """The ``corpus-gn1`` directory, or ``None`` when absent."""
    candidate = _gn1_path()
    return candidate if (candidate / MANIFEST).is_file() else None


def corpus_dirs() -> dict[str, Path]:
    """Every corpus folder present, by name (``corpus``, ``corpus-gn1``), in that order."""
    found = {"corpus": corpus_dir(), GN1: gn1_dir()}
    return {name: path for name, path in found.items() if path is not None}


def missing_reason() -> str:
    """A one-line explanation for skips when the corpus cannot be found."""
    return (f"extraction corpus not found at {_corpus_path()} "
            f"(set {ENV_VAR} to a directory holding {MANIFEST})")


def gn1_missing_reason() -> str:
    """A one-line explanation for skips when ``corpus-gn1`` cannot be found."""
    return f"corpus folder not found at {_gn1_path()} (set {GN1_ENV_VAR} to a directory holding {MANIFEST})"


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
