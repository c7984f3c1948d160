"""The web view (``redline serve``): read-only pages over the database the crawler writes.

``command`` is the click command (light to import, so the CLI stays fast); ``app`` builds the
Starlette application; ``pages`` holds the routes; ``diffview`` and ``archive`` are pure helpers
(side-by-side diff rows, sanitised archived copies).
"""
