"""When to look again, and the process that does the looking.

- ``policy.py``: the recheck policy (pure: age, last change and the clock → next check or retire);
- ``passes.py``: a discovery pass and a recheck pass, and ``crawl_once`` for cron;
- ``daemon.py``: ``redline run`` — APScheduler jobs and Scrapy crawls in one asyncio reactor;
- ``lock.py``: one redline process per database.
"""
