"""The application: one object that does what a user asks, whatever the front end.

``Redline(db, config)`` is to redline what ``Datasette(...)`` is to Datasette: the CLI, the web view
and the demo are thin shells over it, and scripts use it directly::

    from redline import Redline

    app = Redline("watch.db")
    app.track(["https://example.com/news/2026/11/25/budget-vote"])
    app.crawl_once(check_all=True)
    for change in app.changes():
        print(change["kinds"], change["headline_before"], "→", change["headline_after"])

It owns the sequence every command used to rebuild by hand: check the configuration (alert rules
included), open and upgrade the database, take the one-process lock where a command writes on
a schedule, then run. Errors are :mod:`redline.core.errors` exceptions; turning them into words
and exit codes is the CLI's business.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from redline.app.atom import render_feed
from redline.core.clock import now_iso, parse_user_time
from redline.core.config import Config
from redline.core.errors import DatabaseMissing, InvalidInput, NotFound
from redline.core.policy import discover_max_ages, fingerprint, next_check_at, policies_by_outlet
from redline.core.urls import canonicalize_url, lookup_names
from redline.scheduler.report import PassReport
from redline.storage.articles import ScheduleFacts, Tracked
from redline.storage.differ import excerpt, word_diff
from redline.storage.record import Recorded
from redline.storage.store import SQLiteStore, open_reader, open_store

__all__ = ["CrawlReport", "Redline"]

log = logging.getLogger(__name__)

#: Seconds ``crawl_once`` spends at its end giving each pending alert one delivery attempt; what
#: fails waits for the next run. Bounded so a dead receiver cannot stall a cron schedule.
CRAWL_ALERT_BUDGET = 30.0
#: The status of a database that does not exist yet.
EMPTY_STATUS = {"articles": 0, "versions": 0, "changes": 0, "checks": 0, "last_check": None, "next_check": None}
#: Entries in a feed by default: what feed readers keep anyway, and a file of a few hundred kB.
FEED_ENTRIES = 50


@dataclass
class CrawlReport:
    """What :meth:`Redline.crawl_once` did: the pass, and the alert deliveries after it (if any)."""

    checks: PassReport
    alerts: Any | None  # alerts.DeliveryReport, None when no rule is configured

    @property
    def interrupted(self) -> bool:
        return bool(self.checks.interrupted)


class Redline:
    """redline on one database with one configuration (``config=None``: nothing configured)."""

    def __init__(self, db: str | os.PathLike[str], config: Config | None = None) -> None:
        self.db_path = str(db)
        self.config = config or Config()

    # --- the database -------------------------------------------------------------------------
    @contextmanager
    def store(self, *, create: bool = False) -> Iterator[SQLiteStore]:
        """The database opened (and upgraded) for reading and writing, closed afterwards."""
        store = open_store(self.db_path, create=create)
        try:
            yield store
        finally:
            store.close()

    @contextmanager
    def reader(self) -> Iterator[SQLiteStore]:
        """A read-only view of the database: it never blocks a writer and sees only committed data."""
        store = open_reader(self.db_path)
        try:
            yield store
        finally:
            store.close()

    def prepare(self) -> None:
        """Create or upgrade the database now (the web view does this once at start-up)."""
        with self.store(create=True):
            pass

    # --- tracking and crawling ----------------------------------------------------------------
    def track(self, urls: Sequence[str], *, outlet: str | None = None) -> list[Tracked]:
        """Track article URLs (checked and canonicalised first: nothing is written if one is bad)."""
        canonical = [canonicalize_url(url) for url in urls]
        if outlet is not None and self.config.outlet(outlet) is None:
            known = ", ".join(repr(o.name) for o in self.config.outlets) or "none configured"
            raise InvalidInput(f"{outlet!r} is not an outlet in the configuration (outlets: {known})")
        with self.store(create=True) as store:
            return store.track(canonical, outlet)

    def count_due(self, *, check_all: bool = False) -> int:
        """How many articles a crawl would fetch now."""
        with self.store(create=True) as store:
            return store.count_due(None if check_all else now_iso())

    def crawl_once(self, *, check_all: bool = False, delay: float | None = None,
                   concurrency: int | None = None, crawl_settings: dict[str, Any] | None = None,
                   on_checked: Callable[[], None] | None = None) -> CrawlReport:
        """One pass for cron: discovery, the due rechecks (every article with ``check_all``), then one
        delivery attempt per due alert. Holds the database's process lock throughout."""
        from redline.scheduler.lock import exclusive

        self._check_alert_rules()
        self._apply_schedule()
        overrides = {**_politeness(delay, concurrency), **(crawl_settings or {})}
        with exclusive(self.db_path, "a crawl"):
            if self.config.outlets or self.count_due(check_all=check_all):
                from redline.scheduler.passes import crawl_once  # Scrapy loads only when there is work

                checks = crawl_once(self.db_path, self.config, check_all=check_all, overrides=overrides,
                                    on_checked=on_checked)
            else:  # nothing to discover or fetch (cron, between due times): no crawler is started
                checks = PassReport()
            alerts = self.deliver(time_budget=CRAWL_ALERT_BUDGET) if self.config.alerts else None
        return CrawlReport(checks, alerts)

    def run(self, *, crawl_settings: dict[str, Any] | None = None, status_every: float | None = None,
            add_jobs: Callable[[Any, Callable[[], None]], None] | None = None) -> None:
        """The daemon: discovery and rechecks on schedule until SIGTERM/SIGINT.

        ``add_jobs(scheduler, stop)`` may add jobs of its own to the APScheduler scheduler (the
        demo's outlet script); calling ``stop()`` ends the daemon as a signal would."""
        from redline.scheduler.daemon import STATUS_EVERY, Daemon
        from redline.scheduler.lock import exclusive

        self._check_alert_rules()
        self._apply_schedule()
        daemon = Daemon(self.db_path, self.config, overrides=crawl_settings,
                        status_every=status_every or STATUS_EVERY,
                        deliver=(lambda budget: self.deliver(time_budget=budget)) if self.config.alerts else None)
        if add_jobs is not None:
            daemon.extra_jobs.append(lambda scheduler: add_jobs(scheduler, daemon.request_stop))
        with exclusive(self.db_path, "the daemon"):
            daemon.run()

    def reextract(self, urls: Sequence[str] = (), *, every: bool = False) -> list[Recorded]:
        """Re-read the latest stored page of the named articles (or all) with the current extractor."""
        from redline.crawler.reextract import reextract

        with self.store() as store:
            ids = list(store.article_ids()) if every else [store.article(*lookup_names(u))["id"] for u in urls]
            return reextract(store, ids, self.config.selectors_by_outlet())

    # --- reading ------------------------------------------------------------------------------
    def history(self, url: str, *, newest: int | None = None) -> dict:
        """One article's versions and changes; ``url`` may be any URL it was seen under. ``newest``
        keeps only the newest that many versions and the changes to them (``version_count`` and
        ``change_count`` give the totals)."""
        with self.store() as store:
            return store.history(*lookup_names(url), newest=newest)

    def changes(self, *, since: str | None = None) -> list[dict]:
        """Every change by the outlets, oldest first; ``since`` is an ISO 8601 date or time (inclusive)."""
        with self.store() as store:
            return list(store.changes(since=parse_user_time(since) if since else None))

    def diff(self, url: str, from_version: int | None = None, to_version: int | None = None
             ) -> tuple[dict, dict, dict]:
        """The article and two of its versions (default: the last two)."""
        with self.store() as store:
            article, before, after = store.version_pair(lookup_names(url), from_version, to_version)
        if before["number"] == after["number"]:
            raise InvalidInput(f"nothing to compare: both sides are version {after['number']} "
                               "(name two different versions, or an article with more than one)")
        return article, before, after

    def status(self) -> dict:
        """Outlets, counts, last and next checks, how far back discovery reads (``discover_max_age``,
        seconds by outlet), how outlets are reached (``routes``: secrets masked), failing sources and
        recent failures."""
        configured = [outlet.name for outlet in self.config.outlets]
        try:
            with self.store() as store:
                summary = store.status()
        except DatabaseMissing:  # right after `redline init`: nothing checked yet, which is a status too
            summary = EMPTY_STATUS | {"outlets": [], "failing_sources": [], "recent_failures": [], "blocked": []}
        summary["configured_outlets"] = configured
        summary["discover_max_age"] = discover_max_ages(self.config)
        # how outlets with a route of their own are reached: proxy password masked, header and cookie names only
        summary["routes"] = {name: network.shown() for name, network in self.config.networks_by_outlet().items()}
        return summary

    def feed(self, *, outlet: str | None = None, kind: str | None = None, url: str | None = None,
             limit: int = FEED_ENTRIES, self_url: str | None = None, alternate_url: str | None = None,
             link_for: Callable[[dict], str] | None = None) -> str:
        """The newest changes as Atom (all, one outlet's, one kind's or one article's), newest first.

        The CLI and the web view both write their feeds here; entry ids are stable, so readers
        never show a change twice. The web view passes its own links.
        """
        feed_id, title = "feed/changes", "redline: changes"
        with self.reader() as store:
            article_id = None
            if url is not None:
                article = store.article(*lookup_names(url))
                article_id = article["id"]
                feed_id, title = f"feed/article/{article_id}", f"redline: changes to {article['url']}"
            rows = store.recent_changes(outlet=outlet, kind=kind, article_id=article_id, limit=limit).rows
            if outlet is not None and not rows and outlet not in store.outlet_names() \
                    and self.config.outlet(outlet) is None:
                raise NotFound(f"no outlet named {outlet!r} in the configuration or in the changes")
            details = {change["id"]: change for change in store.change_details(row["id"] for row in rows)}
            heads = store.chain_heads()
        for row in rows:
            row["excerpt"] = _excerpt(details[row["id"]])
        if outlet is not None:
            feed_id, title = f"{feed_id}/outlet/{outlet}", f"{title} at {outlet}"
        if kind is not None:
            feed_id, title = f"{feed_id}/kind/{kind}", f"{title}, {kind} changes"
        base = self.config.base_url
        options: dict[str, Any] = {"self_url": self_url, "alternate_url": alternate_url or (f"{base}/" if base else None)}
        if link_for is None and base:
            link_for = lambda change: f"{base}/change/{change['id']}"  # noqa: E731 - one expression
        if link_for is not None:
            options["link_for"] = link_for
        return render_feed(rows, feed_id=feed_id, title=title, chain_heads=heads,
                           **{k: v for k, v in options.items() if v})

    # --- alerts -------------------------------------------------------------------------------
    def deliver(self, *, time_budget: float) -> Any:
        """Route, seal and try each due alert once (``alerts.DeliveryReport``)."""
        from redline.alerts.deliver import deliver_due

        self._check_alert_rules()
        return deliver_due(self.db_path, self.config, time_budget=time_budget)

    def alerts(self, *, state: str | None = None, limit: int = 50) -> dict:
        """Counts by state and the newest ``limit`` alerts (of one ``state``)."""
        from redline.storage import outbox

        with self.store() as store, _sqlite(store):
            return {"counts": outbox.counts(store.db), "alerts": outbox.listing(store.db, state, limit)}

    def retry_alerts(self, ids: Sequence[int] = ()) -> int:
        """Make failed and waiting alerts (all, or ``ids``) due now with a fresh give-up window."""
        from redline.storage import outbox

        with self.store() as store, _sqlite(store):
            return outbox.requeue(store.db, now_iso(), list(ids))

    def test_alert_targets(self) -> list[tuple[str, str | None]]:
        """Send a test message to every notify URL: ``(label, error or None)`` per target."""
        import uuid

        from redline.alerts import message, rules, sender

        self._check_alert_rules()
        return [(target.label, sender.send(target.url, f"redline-test-{uuid.uuid4()}", message.TEST_TITLE,
                                           message.TEST_BODY))
                for target in rules.targets(self.config).values()]

    def _apply_schedule(self) -> None:
        """Create or upgrade the database, and reschedule every article if the recheck schedule
        changed since the last run (so an edited ``[schedule]`` reaches articles already scheduled)."""
        policies = policies_by_outlet(self.config)

        def decide(facts: ScheduleFacts, checked_at: str) -> str | None:
            return next_check_at(policies, outlet=facts.outlet, added_at=facts.added_at,
                                 last_changed_at=facts.last_changed_at, checked_at=checked_at)

        with self.store(create=True) as store:
            moved = store.apply_schedule(fingerprint(policies), decide)
        if moved:
            log.info("the recheck schedule changed: %d article(s) rescheduled", moved)

    def _check_alert_rules(self) -> None:
        from redline.alerts.rules import validate_rules

        validate_rules(self.config)


def _politeness(delay: float | None, concurrency: int | None) -> dict[str, Any]:
    """Scrapy settings for the crawl knobs a user may set per run."""
    from redline.crawler.politeness import politeness_settings

    return politeness_settings(delay=delay, concurrency=concurrency)


def _excerpt(change: dict) -> list:
    before, after = change["body_before"], change["body_after"]
    return excerpt(word_diff(before, after)) if before and after and before != after else []


@contextmanager
def _sqlite(store: SQLiteStore) -> Iterator[None]:
    """SQLite failures of the outbox's own queries, as DatabaseError."""
    from redline.storage.db import translate_errors

    with translate_errors(store.path):
        yield
