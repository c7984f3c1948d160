"""``redline run``: discovery and rechecks on a schedule, in one process, for months.

One asyncio reactor hosts Scrapy and APScheduler's :class:`AsyncIOScheduler` (the field notes'
working combination: the Twisted scheduler installs the wrong reactor, and a subprocess per crawl
costs a second of start-up each time). Jobs:

- ``discover:<outlet>`` every ``discover_every`` (default 15 min) per outlet;
- ``recheck`` every few seconds (see ``TICKS_PER_INTERVAL``): fetch what the policy says is due;
- ``status`` every minute: one line for people (or JSON) with counts and rates;
- ``alerts`` every ``ALERT_EVERY`` seconds when the application gives a ``deliver`` function;
- any extra jobs a caller adds before :meth:`Daemon.run` (the demo, the alert sender).

Every job has ``max_instances=1`` and ``coalesce=True``: a slow pass is never overlapped by the
next one (so one article is never fetched twice at once), and after a sleep or downtime missed
runs collapse into one instead of being replayed. SIGTERM/SIGINT stop it within seconds with
everything committed: the scheduler is paused, running crawls are stopped (each fetched page is
recorded as it arrives), then the scheduler shuts down.

A job that meets a database no job can use until someone acts (a newer redline upgraded it, it was
replaced by another program's file, or removed: :data:`FATAL`) stops the daemon the same way and
:meth:`Daemon.run` raises that error, so the command says what is wrong in one line and exits
non-zero (a service manager restarts it, with the new code after an upgrade), instead of failing
every few seconds, unnoticed, for months.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from redline.core.config import Config, Outlet
from redline.core.errors import DatabaseMissing, NewerDatabase, NotADatabase, RedlineError
from redline.core.policy import policies_by_outlet
from redline.crawler.runner import crawl_settings, on_stop_signals, run_in_reactor
from redline.scheduler import passes
from redline.scheduler.memory import release_large_buffers
from redline.storage.store import open_store

logger = logging.getLogger(__name__)

#: Looks at the queue of due articles happen this many times per shortest recheck interval
#: (bounded below by MIN_TICK and above by MAX_TICK): with the default 15-minute ``fresh``
#: interval that is every 30 s, adding at most ~3% lateness for one indexed query per tick.
TICKS_PER_INTERVAL = 30
MIN_TICK = 1.0
MAX_TICK = 30.0
#: Default interval between discovery passes of an outlet (feeds update every few minutes).
DISCOVER_EVERY = 15 * 60.0
#: Seconds between alert delivery passes: "within minutes" with room to spare, and one pass's
#: time budget, so a slow receiver delays the next pass rather than piling them up.
ALERT_EVERY = 10.0
#: Seconds between status lines.
STATUS_EVERY = 60.0
#: On shutdown, how long running crawls get to finish their in-flight requests by themselves,
#: and how long in all before the daemon exits anyway (SIGTERM must end it within 5 s; no new
#: request is sent meanwhile, the download handler refuses them).
GRACE_PERIOD = 2.5
STOP_TIMEOUT = 4.0
#: Database errors that no later pass can get past by itself: the daemon stops on the first.
#: (A locked or full database is waited out: those passes fail alone and the next ones retry.)
FATAL = (NewerDatabase, NotADatabase, DatabaseMissing)


class Daemon:
    """Owns the reactor-side objects of one ``redline run``."""

    def __init__(self, db_path: str, config: Config, *, overrides: dict[str, Any] | None = None,
                 status_every: float = STATUS_EVERY, deliver: Callable[[float], Any] | None = None) -> None:
        self.db_path = db_path
        self.config = config
        self.overrides = overrides or {}
        shortest = min(policy.fresh for policy in policies_by_outlet(config).values())
        self.recheck_tick = min(max(shortest / TICKS_PER_INTERVAL, MIN_TICK), MAX_TICK)
        self.status_every = status_every
        #: Sends due alerts within a time budget (seconds) and returns a report with ``busy`` and
        #: ``summary()``; the application passes it in, so scheduling knows nothing of alerts.
        self.deliver = deliver
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.runner: Any = None
        self.stopping: asyncio.Event | None = None
        self.extra_jobs: list[Callable[[AsyncIOScheduler], None]] = []
        #: The :data:`FATAL` error that stopped the daemon, raised by :meth:`run` once it has stopped.
        self.fatal: RedlineError | None = None

    def run(self) -> None:
        """Run until stopped by a signal or :meth:`request_stop`; raises the :data:`FATAL` error
        that stopped it, if one did."""
        release_large_buffers()
        run_in_reactor(self._main)
        if self.fatal is not None:
            raise self.fatal

    @contextmanager
    def _stopping_on_fatal(self) -> Iterator[None]:
        """Around a job: a :data:`FATAL` error stops the daemon instead of failing this job."""
        try:
            yield
        except FATAL as exc:
            if self.fatal is None:
                self.fatal = exc
                self.request_stop()

    def request_stop(self, signum: int | None = None) -> None:
        if self.stopping is not None and not self.stopping.is_set():
            logger.info("stopping%s", f" on signal {signum}" if signum else "")
            self.stopping.set()

    async def _main(self) -> None:
        from scrapy.crawler import AsyncCrawlerRunner

        self.stopping = asyncio.Event()
        self.runner = AsyncCrawlerRunner(crawl_settings(self.db_path, self.config, self.overrides))
        on_stop_signals(self.request_stop)
        self._add_jobs()
        self.scheduler.start()
        logger.info("redline daemon started: %d outlet(s), database %s", len(self.config.outlets), self.db_path)
        await self.stopping.wait()
        await self._shutdown()

    def _add_jobs(self) -> None:
        now = datetime.now(UTC)
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        for outlet in self.config.outlets:
            every = outlet.discover_every or self.config.discover_every or DISCOVER_EVERY
            self.scheduler.add_job(self._discover, "interval", seconds=every, args=[outlet], id=f"discover:{outlet.name}",
                                   next_run_time=now, **common)
        self.scheduler.add_job(self._recheck, "interval", seconds=self.recheck_tick, id="recheck",
                               next_run_time=now + timedelta(seconds=1), **common)
        self.scheduler.add_job(self._status, "interval", seconds=self.status_every, id="status",
                               next_run_time=now, **common)
        if self.deliver is not None:
            self.scheduler.add_job(self._send_alerts, "interval", seconds=ALERT_EVERY, id="alerts",
                                   next_run_time=now, **common)
        for add in self.extra_jobs:
            add(self.scheduler)

    def _stop_requested(self) -> bool:
        return self.stopping is not None and self.stopping.is_set()

    async def _discover(self, outlet: Outlet) -> None:
        if self._stop_requested():
            return
        found: dict[str, int] = {}
        with self._stopping_on_fatal():
            with open_store(self.db_path):  # a pass that could record nothing fetches no feed either
                pass
            found = await passes.discover(self.runner, [outlet], should_stop=self._stop_requested)
        if found.get("new"):
            logger.info("%s: discovered %d new article(s)", outlet.name, found["new"])
            # A new article's first version is the most important evidence: fetch it now, not
            # at the next recheck tick (the job never overlaps itself: max_instances=1).
            self.scheduler.modify_job("recheck", next_run_time=datetime.now(UTC))

    async def _recheck(self) -> None:
        if self._stop_requested():
            return
        with self._stopping_on_fatal():
            outcomes = await passes.recheck(self.runner, self.db_path, should_stop=self._stop_requested)
            if outcomes:
                logger.debug("recheck pass: %s", dict(outcomes))

    async def _send_alerts(self) -> None:
        """One delivery pass in a worker thread: Apprise blocks, and the crawls must not wait for it."""
        assert self.deliver is not None
        with self._stopping_on_fatal():
            report = await asyncio.to_thread(self.deliver, ALERT_EVERY)
            if report.busy:
                logger.info("%s", report.summary())

    def _status(self) -> None:
        with self._stopping_on_fatal(), open_store(self.db_path, create=False) as store:
            counts = store.status_counts(datetime.now(UTC))
        if self.fatal is not None:
            return
        logger.info(
            "status: %d tracked, %d due, %d checks/min, %d change%s today",
            counts.tracked, counts.due, counts.checks_last_minute, counts.changes_today,
            "" if counts.changes_today == 1 else "s",
            extra={"status": counts.__dict__},
        )

    async def _shutdown(self) -> None:
        self.scheduler.pause()
        # First the spiders stop taking new work (they check ``stopping``) and in-flight fetches
        # finish and are recorded; only if that takes too long are the crawls cut off. Cutting
        # first is not safe: in Scrapy 2.19 stopping a crawler that is finishing on its own at
        # the same moment never completes (measured: the daemon hung until the timeout).
        stopping: asyncio.Future[None] | None = None
        try:
            await asyncio.wait_for(self.runner.join(), timeout=GRACE_PERIOD)
        except TimeoutError:
            stopping = asyncio.ensure_future(self.runner.stop())
            try:
                await asyncio.wait_for(self.runner.join(), timeout=STOP_TIMEOUT - GRACE_PERIOD)
            except TimeoutError:
                logger.warning("crawls did not stop within %.0f s; exiting anyway (every recorded fetch is "
                               "committed)", STOP_TIMEOUT)
        if stopping is not None:
            stopping.cancel()
        self.scheduler.shutdown(wait=False)
        logger.info("redline daemon stopped")
