"""redline: keep every version of every news article and say when a story is quietly changed.

This package is the user-facing shell (CLI, configuration, demo); the work is done by the
design's top-level packages: ``crawler`` (fetch and extract), ``storage`` (versions, checks,
changes and the differ) and ``scheduler`` (when to look again).
"""

__version__ = "0.1.0"
