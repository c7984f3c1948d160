"""Storage: one SQLite file holding articles, versions, checks and changes, plus the differ.

Where things are:
- ``db.py`` opens the file (WAL, foreign keys, busy timeout) and refuses foreign or locked files;
- ``migrations.py`` is the versioned schema;
- ``articles.py`` tracks URLs and resolves any URL an article was seen under (aliases);
- ``record.py`` turns one fetch into a check row and, when the story changed, a version and a
  change record, all in one transaction;
- ``differ.py`` compares two versions word by word (pure functions);
- ``queries.py`` is what the CLI and other readers ask (history, changes, versions);
- ``exchange.py`` keeps each version's HTTP request and raw response, ``chain.py`` the hash chain
  over versions, removals and restorations (append, heads, verify), ``exports.py`` the streaming
  reads the WARC and JSONL exports are made from.
"""
