"""Helpers the tests share (never installed): on ``sys.path`` through pytest's ``pythonpath``
setting, so tests import them as ``testkit.…`` and ``tests`` itself is no package."""
