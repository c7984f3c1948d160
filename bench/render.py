"""Rendered pages: the daemon's memory over 500 JavaScript-built articles (``render = "browser"``).

Run from the repository root (needs Debian's chromium and ``pip install -e .[browser]``)::

    python -m bench.render [--pages 500] [--restart-pages N]

A local outlet serves ``--pages`` article shells whose headline and paragraphs a script inserts
(with an image and a web font that the browser must not load). They are tracked under an outlet
with ``render = "browser"`` and the real daemon (``redline --config … run``) renders them through
scrapy-playwright and Chromium, at most ``REDLINE_BROWSER_CONCURRENCY`` at once, the browser
renewed every ``REDLINE_BROWSER_RESTART_PAGES`` pages. Every second it samples the daemon's RSS
(``VmRSS``) and the memory of the daemon with all its descendants (Playwright's driver and Chromium's
processes, as PSS so that pages they share count once), until every page has a check;
then SIGTERM. Writes ``bench/out/render.json`` (``render-restart-N.json`` with ``--restart-pages``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/render.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recheck import BIN  # noqa: E402
from bench.server import local_server  # noqa: E402
from redline.crawler import settings as crawl_defaults  # noqa: E402
from redline.storage import articles  # noqa: E402
from redline.storage.db import open_database  # noqa: E402

OUT_PATH = Path(__file__).resolve().parent / "out" / "render.json"
DEFAULT_PAGES = 500
SAMPLE_SECONDS = 1.0
#: Generous: about 0.2-0.5 s a page at two at once on the 2-core machine; the run stops once all are checked.
TIMEOUT_SECONDS = 1800
STOP_TIMEOUT_SECONDS = 30
OUTLET = "Rendered"
CHROMIUM = Path(crawl_defaults.REDLINE_CHROMIUM)
SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rendered Daily</title>
<link rel="preload" href="/fonts/serif.woff2" as="font" crossorigin>
<script src="/static/story.js" defer></script></head>
<body data-n="{n}"><main id="app"></main><img src="/photos/{n}.jpg" alt=""></body></html>"""
#: Builds a distinct article from the page's number, as single-page news sites build theirs.
SCRIPT = """document.addEventListener("DOMContentLoaded", function () {
  var n = document.body.dataset.n, app = document.getElementById("app");
  var article = document.createElement("article"), h1 = document.createElement("h1");
  h1.textContent = "Council votes on budget item " + n + " after a long night of debate";
  document.title = h1.textContent; article.appendChild(h1);
  for (var i = 0; i < 8; i++) {
    var p = document.createElement("p");
    p.textContent = "Paragraph " + i + " of story " + n + ": the council met until late and members argued "
      + "over the line items, the reserves and the schools budget, which grew by " + (n * 7 + i) % 97 + " percent.";
    article.appendChild(p);
  }
  app.replaceChildren(article);
});"""


def answer(path: str, _etag: str | None) -> tuple[int, dict[str, str], bytes]:
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path == "/static/story.js":
        return 200, {"Content-Type": "application/javascript"}, SCRIPT.encode()
    if path.startswith("/news/"):
        return 200, {"Content-Type": "text/html; charset=utf-8"}, SHELL.format(n=path.rsplit("/", 1)[1]).encode()
    return 404, {"Content-Type": "text/plain"}, b"not here"


def _kib(pid: int, field: str = "VmRSS", where: str = "status") -> int:
    """A ``/proc/<pid>/<where>`` memory figure in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{where}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += children
            todo += children
    return found


def _browsers(pids: list[int]) -> set[int]:
    """The Chromium main processes (not its renderers/zygotes) among ``pids``."""
    mains = set()
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        # Chromium's helpers rewrite their title into one string; only the browser process has no --type=.
        if cmdline and Path(cmdline[0].split(b" ")[0].decode()).name == "chromium" and b"--type=" not in b" ".join(cmdline):
            mains.add(pid)
    return mains


def run(pages: int, restart_pages: int | None = None) -> dict:
    server = local_server(answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db, config = workdir / "bench.db", workdir / "redline.toml"
        database = open_database(db, create=True)
        try:
            articles.track(database, [f"{base}/news/{n}" for n in range(1, pages + 1)], outlet=OUTLET)
        finally:
            database.close()
        config.write_text(f'db = "{db.name}"\ndelay = 0\n\n[[outlets]]\nname = "{OUTLET}"\nrender = "browser"\n')
        samples: list[dict] = []
        browsers: set[int] = set()
        with open(workdir / "daemon.log", "wb") as output, \
                closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
            start = time.monotonic()
            env = {**os.environ, **({"REDLINE_BROWSER_RESTART_PAGES": str(restart_pages)} if restart_pages else {})}
            daemon = subprocess.Popen([str(BIN / "redline"), "--config", str(config), "run"], cwd=workdir, env=env,
                                      stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                checks = 0
                while checks < pages and time.monotonic() - start < TIMEOUT_SECONDS:
                    time.sleep(SAMPLE_SECONDS)
                    if daemon.poll() is not None:
                        raise RuntimeError(f"redline run exited {daemon.returncode}:\n"
                                           f"{(workdir / 'daemon.log').read_text(errors='replace')[-2000:]}")
                    tree = _descendants(daemon.pid)
                    browsers |= _browsers(tree)
                    checks = reader.execute("SELECT count(*) FROM checks").fetchone()[0]
                    own = _kib(daemon.pid)
                    # PSS: pages shared between Chromium's processes counted once in all, not once in each.
                    total = sum(_kib(pid, "Pss", "smaps_rollup") for pid in [daemon.pid, *tree])
                    samples.append({"at": round(time.monotonic() - start, 1), "checks": checks,
                                    "daemon_rss_mib": round(own / 1024, 1), "tree_pss_mib": round(total / 1024, 1)})
                    if len(samples) % 15 == 0:
                        print(f"render: {samples[-1]}", file=sys.stderr, flush=True)
                elapsed = time.monotonic() - start
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(STOP_TIMEOUT_SECONDS)
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait()
            outcomes = dict(reader.execute("SELECT outcome, count(*) FROM checks GROUP BY outcome").fetchall())
            rendered = reader.execute("SELECT count(*) FROM versions WHERE rendered = 1").fetchone()[0]
    server.shutdown()
    working = [s for s in samples if s["checks"]]
    first = working[0] if working else samples[0]
    return {
        "pages": pages, "seconds": round(elapsed, 1), "outcomes": outcomes, "rendered_versions": rendered,
        "pages_per_s": round(pages / (samples[-1]["at"] - first["at"]), 2) if len(working) > 1 else None,
        "daemon_rss_mib": {"first": first["daemon_rss_mib"], "last": samples[-1]["daemon_rss_mib"],
                           "peak": max(s["daemon_rss_mib"] for s in samples)},
        "tree_pss_mib": {"first": first["tree_pss_mib"], "last": samples[-1]["tree_pss_mib"],
                         "peak": max(s["tree_pss_mib"] for s in samples)},
        "browser_launches": len(browsers),
        "concurrency": crawl_defaults.REDLINE_BROWSER_CONCURRENCY,
        "restart_pages": restart_pages or crawl_defaults.REDLINE_BROWSER_RESTART_PAGES,
        "chromium": subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "samples": samples,
    }


def missing_reason() -> str | None:
    """Why rendered pages cannot be measured here, or None."""
    if not CHROMIUM.exists():
        return f"no {CHROMIUM} (apt-get install chromium)"
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        return 'scrapy-playwright is not installed (pip install -e ".[browser]")'
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--restart-pages", type=int, default=None,
                        help="rendered pages between browser restarts ($REDLINE_BROWSER_RESTART_PAGES; "
                             "a number above --pages: never)")
    args = parser.parse_args(argv)
    missing = missing_reason()
    if missing:
        print(f"bench.render skipped: {missing}", file=sys.stderr)
        return 0
    report = run(args.pages, args.restart_pages)
    OUT_PATH.parent.mkdir(exist_ok=True)
    out = OUT_PATH if args.restart_pages is None else OUT_PATH.with_name(f"render-restart-{args.restart_pages}.json")
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    d, t = report["daemon_rss_mib"], report["tree_pss_mib"]
    print(f"{report['pages']} rendered pages in {report['seconds']} s ({report['pages_per_s']} pages/s), "
          f"outcomes {report['outcomes']}, {report['browser_launches']} browser launches")
    print(f"daemon RSS MiB: first {d['first']}, last {d['last']}, peak {d['peak']}; "
          f"PSS with Playwright and Chromium: first {t['first']}, last {t['last']}, peak {t['peak']}")
    return 0 if report["rendered_versions"] == report["pages"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
