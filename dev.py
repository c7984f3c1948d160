#!/usr/bin/env python3
"""Set up and run redline on a fresh machine that has only Python 3.11+.

    python3 dev.py demo     # install into ./.venv, then run the live demo against a simulated outlet
    python3 dev.py test     # install into ./.venv (with test extras), then run the test suite
    python3 dev.py bench    # install, then run the benchmarks under bench/

Extra arguments after the command are passed on (to `redline demo`, to pytest, to the benchmarks).
Every install step the project needs is here, so CI and a new user run exactly the same thing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".redline-installed"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("redline needs Python 3.11 or newer")
    if not argv or argv[0] not in {"demo", "test", "bench"}:
        print(__doc__.strip())
        return 2
    command, rest = argv[0], argv[1:]
    install(with_tests=command in {"test", "bench"})
    if command == "demo":
        return run([str(VENV / "bin" / "redline"), "demo", *rest])
    if command == "test":
        return run([str(PYTHON), "-m", "pytest", *rest])
    return run([str(PYTHON), "-m", "bench", *rest])


def install(*, with_tests: bool) -> None:
    """Create ./.venv and install redline into it (editable) unless pyproject.toml is unchanged."""
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    extras = "[test]" if with_tests else ""
    version = str((ROOT / "pyproject.toml").stat().st_mtime_ns)
    wanted = version + extras
    if STAMP.exists() and STAMP.read_text() in {wanted, version + "[test]"}:
        return
    print(f"installing redline{extras} into .venv …", flush=True)
    run_or_exit([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run_or_exit([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}{extras}"])
    STAMP.write_text(wanted)


def run(command: list[str]) -> int:
    return subprocess.call(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run_or_exit(command: list[str]) -> None:
    code = run(command)
    if code:
        sys.exit(f"dev.py: `{' '.join(command)}` failed with exit code {code}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
