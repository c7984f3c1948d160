"""Log output for people (``12:00:01 INFO …``) or machines (``--log-json``: one JSON object a line).

Only redline's own loggers speak at INFO; libraries (Scrapy, Twisted, trafilatura) are heard from
at WARNING and above. A handler filter does this, because Scrapy resets its loggers' levels
whenever a crawl starts.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


#: APScheduler warns whenever a job's next run is skipped because the previous one is still going;
#: for redline that is the design (max_instances=1, coalesce), so only its errors are shown.
_QUIET_UNTIL_ERROR = ("apscheduler",)
#: Scrapy's retry middleware logs "Gave up retrying …" as an ERROR for every unreachable page; the
#: check is recorded and logged by redline in one line of its own, so only critical ones pass.
_SAID_BY_REDLINE = ("scrapy.downloadermiddlewares.retry",)


class _RedlineOrWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("redline"):
            return True
        if record.name.startswith(_SAID_BY_REDLINE):
            return record.levelno >= logging.CRITICAL
        threshold = logging.ERROR if record.name.startswith(_QUIET_UNTIL_ERROR) else logging.WARNING
        return record.levelno >= threshold


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and any ``status`` extra."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if isinstance(getattr(record, "status", None), dict):
            entry["status"] = record.status  # type: ignore[attr-defined]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, so a live progress bar can print log lines above itself."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(*, json_lines: bool = False) -> None:
    """Send log records to stderr (replacing any handler this function installed before)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_redline", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(_RedlineOrWarnings())
    handler._redline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
