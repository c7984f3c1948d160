"""``python -m redline`` runs the same command line as ``redline``."""

from redline.cli import main

main()
