"""Exports of redline's record for people outside it: WARC for archivists, JSONL for researchers.

- ``warc.py``: WARC 1.1 (warcio) with the request, response and redline's reading of every version;
- ``jsonl.py``: one JSON line per article with its versions and sentence-level changes
  (``sentences.py`` splits and aligns sentences);
- ``output.py``: writing a file safely (no overwrite without ``force``, never half a file).

Every export is pure over storage reads (``redline.storage.exports``; ``redline.app.archive`` runs them): it streams records one at a
time and never writes to the database.
"""
