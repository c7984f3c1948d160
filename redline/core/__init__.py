"""The bottom layer: what every other layer may use and which imports nothing of redline above it.

- ``errors``: the exception tree (problems to fix, and outcomes of one page);
- ``urls``: URL checking and the canonical form (one article, one row);
- ``clock``: the one place time is read, and the timestamp format;
- ``policy``: when to look at an article again (pure);
- ``config``: what a configuration says, as plain data;
- ``version``: redline's version.
"""
