"""What the article spider hands to the pipelines: one fetched page (or one failed fetch)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FetchedPage:
    """The raw outcome of fetching one tracked article, before any decoding or extraction.

    ``error`` is set when no HTTP response was received (network failure, robots.txt, size limit,
    redirect loop); otherwise ``status``, ``headers`` and ``body`` are the final response's.
    """

    article_id: int
    url: str
    checked_at: str
    previous_digest: str | None
    final_url: str | None = None
    status: int | None = None
    duration_ms: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = b""
    error: str | None = None
