"""``python -m bench`` (or ``python3 dev.py bench``): run every benchmark and print their tables."""

from bench import extraction

raise SystemExit(extraction.main())
