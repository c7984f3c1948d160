"""The web view (``redline serve``): read-only pages over the database the crawler writes.

``server`` binds the socket and runs uvicorn (:func:`serve`); ``app`` builds the Starlette
application over a :class:`redline.Redline`; ``pages`` holds the routes; ``diffview`` and
``archive`` are pure helpers (side-by-side diff rows, sanitised archived copies).
"""

from redline.web.server import serve

__all__ = ["serve"]
