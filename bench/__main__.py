"""``python -m bench`` (or ``python3 dev.py bench``): run every benchmark and print their tables.

    python -m bench                  # extraction quality, change detection, then speed and memory
    python -m bench extraction       # one of them
    python -m bench changes --pages 20 --seed 2   # --held-out: the seed that is reported, never tuned on
    python -m bench real             # real published edits, where $REDLINE_REAL_EDITS names the pairs
    python -m bench recheck --pages 100   # recheck speed, CPU and RSS against urlwatch, one host and 50 (~12 min at 500)
    python -m bench daemon --seconds 30   # the daemon's checks/s and RSS, 3,000 and 100,000 articles
    python -m bench export           # peak RSS of export/verify at 10,000 and 100,000 articles
    python -m bench scale            # history (CLI, facade, web page) on 1,000,000 versions (~12 min to build)
    python -m bench sentences        # calibration of the JSONL export's edited-sentence threshold
    python -m bench render --pages 500    # the daemon's memory over rendered pages (render = "browser")
    python -m bench storage --articles 100000   # stored bytes per version, packed vs per-row zlib

Robustness (named only, not part of the default run):

    python -m bench faults                # the hostile-server faults, one database each (~5 min)
    python -m bench crashloop --kills 40  # SIGKILL crawl --once / run at random moments (~4 min)
    python -m bench soak --minutes 30     # the daemon on 10,000 articles, read from all sides

Each writes its JSON report under ``bench/out/``.
"""

from __future__ import annotations

import importlib
import sys

from bench import changes, daemon, export, extraction, real, recheck, render, scale, sentences, storage

#: Long-running robustness benchmarks, run only when named (imported then: they use tests/testkit).
NAMED_ONLY = ("faults", "crashloop", "soak")


def main(argv: list[str]) -> int:
    if argv and argv[0] in NAMED_ONLY:
        return importlib.import_module(f"bench.{argv[0]}").main(argv[1:])
    which = argv[0] if argv and argv[0] in {"extraction", "changes", "real", "recheck", "daemon", "sentences",
                                            "export", "render", "scale", "storage"} else None
    rest = argv[1:] if which else argv
    code = 0
    if which in (None, "extraction"):
        code = max(code, extraction.main())
    if which in (None, "changes"):
        code = max(code, changes.main(rest))
    if which == "real" or which is None and real.data_dir() is not None:
        code = max(code, real.main(rest if which else []))
    if which in (None, "recheck"):  # before daemon, whose table shows urlwatch's RSS from recheck's run
        code = max(code, recheck.main(rest if which else []))
    if which in (None, "daemon"):
        code = max(code, daemon.main(rest if which else []))
    if which == "export":  # builds two large databases: on request only
        code = max(code, export.main(rest))
    if which == "scale":  # builds (and caches) a 1,000,000-version database: on request only
        code = max(code, scale.main(rest))
    if which == "storage":  # builds a large database: on request only
        code = max(code, storage.main(rest))
    if which == "sentences":  # a calibration, not a benchmark: run on request only
        code = max(code, sentences.main())
    if which in (None, "render"):
        code = max(code, render.main(rest if which else []))
    return code


raise SystemExit(main(sys.argv[1:]))
