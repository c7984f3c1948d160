"""The version of redline, in one place (the User-Agent, ``--version`` and the web view show it)."""

__version__ = "0.1.0"
