"""The ``redline`` command line (``redline.cli:main``), a thin shell over :class:`redline.Redline`.

``main`` holds the group and the entry point; ``words`` turns errors into what users read and exit
codes; ``articles`` (track, crawl, history, changes, diff, feed, reextract), ``service`` (init, run,
status, serve, demo) and ``alerts`` hold the commands; ``render`` prints for people and machines.
"""

from redline.cli.main import cli, main

__all__ = ["cli", "main"]
