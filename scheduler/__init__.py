"""When to look again: the recheck policy and the daemon that runs discovery and rechecks.

Filled by the daemon work; until then ``redline crawl --once --all`` rechecks everything.
"""
