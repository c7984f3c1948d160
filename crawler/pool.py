"""The extraction pool: reading pages in worker processes, one per core, without blocking the reactor.

A crawl's own process runs Scrapy's reactor, and Python runs one thread of Python at a time: a
page read in it (a parse, or the full extraction's ~25 ms) stops every download for that long,
and the machine's other cores idle.  So the storage pipeline hands each page it must read to
:class:`ExtractionPool`, which runs :func:`redline.crawler.reading.read_page` in a
``concurrent.futures.ProcessPoolExecutor`` and wakes the pipeline's coroutine from the reactor
thread when the result is back (``reactor.callFromThread``: it works with any reactor).

Bounds, so that a small server's memory stays flat:

- at most ``in_flight`` pages are in the workers' queue at once (a semaphore; the pages waiting
  for a slot are held by Scrapy, whose scraper stops downloading past its active-size limit);
- each worker is replaced after ``tasks_per_worker`` pages (``max_tasks_per_child``), so
  whatever lxml and the extractors' caches accumulate is given back.

Workers are forked from a *forkserver* that imports the extraction stack once (cheap workers,
no fork of the threaded crawl process), and are started only once a crawl has read
:data:`START_AFTER_READS` pages in-process (a pass of 304s, or a cron run with a few pages due,
never starts them).  They ignore SIGINT and SIGTERM (the crawl process decides
how to stop, and waits for the reads in flight), and never outlive it, even after ``kill -9``:
each watches the crawl process through a pidfd and exits the moment it ends (see
:func:`_worker_start`); the forkserver exits once the crawl process and the workers are gone.
If the pool breaks anyway (a worker killed by the OOM killer), the page and the rest of the
crawl are read in-process.  With one worker or none, pages are read in-process, as before.

multiprocessing keeps one forkserver per process for the process's whole life; in the daemon that
is a process holding the extraction stack (about 74 MB) between passes that read nothing.  So when
the last pool of a process has closed, its forkserver is stopped too (:func:`_release`), and the
next pool that starts launches a fresh one.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredSemaphore

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Modules the forkserver imports once, so that every worker forked from it starts warm.
PRELOAD = ["redline.crawler.reading", "redline.crawler.pipelines", "redline.crawler.extract",
           "redline.crawler.fastpath", "redline.crawler.confirm", "trafilatura", "readability"]
_PR_SET_PDEATHSIG = 1
#: Pages a crawl reads in-process before it starts the workers: starting them costs about half a
#: second of CPU (the forkserver importing the extraction stack; `python -X importtime` here),
#: what some twenty reads cost, so a crawl with a handful of pages to read never pays for it.
START_AFTER_READS = 16


def available_cpus() -> int:
    """Cores this process may run on (its affinity, not the machine's count: a container or
    ``taskset`` may give it fewer)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def pool_size(setting: int | None) -> int:
    """Workers for the ``REDLINE_EXTRACTION_WORKERS`` setting (None: one per available core)."""
    return available_cpus() if setting is None else max(int(setting), 0)


class ExtractionPool:
    """Runs picklable functions of picklable values in worker processes (in-process with < 2 workers,
    while the workers start, and for the rest of a crawl whose pool broke)."""

    def __init__(self, workers: int, *, in_flight: int, tasks_per_worker: int) -> None:
        self.workers = workers
        self.tasks_per_worker = tasks_per_worker
        self._slots = DeferredSemaphore(max(in_flight, 1))
        self._executor: ProcessPoolExecutor | None = None
        self._starting: Deferred[ProcessPoolExecutor] | None = None
        self._closed = False
        self._reads = 0

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)``, in a worker when the pool is up."""
        self._reads += 1
        if not self._ready():
            return function(*args)
        await maybe_deferred_to_future(self._slots.acquire())
        try:
            assert self._executor is not None
            future = self._executor.submit(function, *args)
            return await maybe_deferred_to_future(_in_reactor(future))
        except BrokenProcessPool:
            logger.warning("an extraction worker died: pages are read in-process for the rest of this crawl")
            self._stop(wait=False)
            self.workers = 0
            return function(*args)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop the workers (the reads in flight are done by now: the crawl waited for its items)."""
        self._closed = True
        self._stop(wait=True)

    def _ready(self) -> bool:
        """Whether the workers are up; starts them (in a thread: spawning blocks until the
        forkserver has imported the extraction stack) once a crawl has read enough pages."""
        if self._executor is not None:
            return True
        if self.workers >= 2 and self._starting is None and self._reads > START_AFTER_READS:
            from twisted.internet.threads import deferToThread

            global _live_pools
            _live_pools += 1
            self._starting = deferToThread(_started, self.workers, self.tasks_per_worker)
            self._starting.addCallbacks(self._up, self._failed)
        return False

    def _up(self, executor: ProcessPoolExecutor) -> None:
        self._executor = executor
        if self._closed:  # the crawl ended while the workers started: they are idle, and exit at once
            self._stop(wait=True)

    def _failed(self, failure: Any) -> None:
        logger.warning("extraction workers could not start (%s): pages are read in-process", failure.value)
        self.workers = 0
        _release(workers_gone=False)

    def _stop(self, *, wait: bool) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)
            _release(workers_gone=wait)


#: Pools of this process whose workers are starting or up (counted in the reactor thread).
_live_pools = 0


def _release(*, workers_gone: bool) -> None:
    """One pool fewer; when it was the last and its workers have exited, stop the forkserver
    (``ForkServer._stop``, the stdlib's own way to end it, private since Python 3.8).  After a
    pool broke its workers may still be exiting, and the forkserver waits for them: it is left
    to end with the process."""
    global _live_pools
    _live_pools -= 1
    if _live_pools == 0 and workers_gone:
        from multiprocessing import forkserver

        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()


def _started(workers: int, tasks_per_worker: int) -> ProcessPoolExecutor:
    """A pool whose ``workers`` processes are up (run in a thread: this waits for them)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start,
                                   initargs=(os.getpid(),), max_tasks_per_child=tasks_per_worker)
    try:
        for future in [executor.submit(os.getpid) for _ in range(workers)]:
            future.result()
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor


def _in_reactor(future: Future[T]) -> Deferred[T]:
    """A Deferred fired in the reactor thread with ``future``'s outcome."""
    from twisted.internet import reactor

    deferred: Deferred[T] = Deferred()

    def settle(done: Future[T]) -> None:
        error = done.exception()
        if error is not None:
            deferred.errback(error)
        else:
            deferred.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))  # type: ignore[attr-defined]
    return deferred


def _worker_start(crawl_pid: int) -> None:
    """In each worker: leave stopping to the crawl process, and die with it.

    Each worker holds the write end of the forkserver's "parent alive" pipe (multiprocessing
    hands it over so that workers could start processes too), so the forkserver alone does not
    see the crawl process go while a worker lives: each worker watches the crawl process itself
    (a pidfd becomes readable when that process ends, however it ends), and asks the kernel to
    kill it if the forkserver goes first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: no such request exists
        pass
    try:
        watched = os.pidfd_open(crawl_pid)
    except ProcessLookupError:  # the crawl process is already gone
        os._exit(0)
    except (OSError, AttributeError):  # no pidfds (not Linux, or older than 5.3): poll instead
        watched = None
    threading.Thread(target=_exit_with, args=(crawl_pid, watched), name="redline-watch-crawl", daemon=True).start()


#: Seconds between two looks at the crawl process where pidfds are missing.
_POLL_SECONDS = 1.0


def _exit_with(crawl_pid: int, watched: int | None) -> None:
    """Block until the crawl process has ended, then end this worker at once (its result would
    have no one to go to)."""
    if watched is not None:
        select.select([watched], [], [])
    else:
        while True:
            try:
                os.kill(crawl_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(_POLL_SECONDS)
    os._exit(0)
