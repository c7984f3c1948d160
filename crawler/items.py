"""What the spiders hand to the pipelines: one fetched page (or one failed fetch), and what
discovery found (article links, and how each feed, sitemap or section page answered)."""

from __future__ import annotations

from dataclasses import dataclass, field

from redline.storage.exchange import Exchange


@dataclass
class FetchedPage:
    """The raw outcome of fetching one tracked article, before any decoding or extraction.

    ``error`` is set when no HTTP response was received (network failure, robots.txt, size limit,
    redirect loop); otherwise ``status``, ``headers`` and ``body`` are the final response's.
    ``requested_at`` is when the request was sent (None: never sent), ``checked_at`` when the
    response was complete or the failure known.
    """

    article_id: int
    url: str
    checked_at: str
    previous_digest: str | None
    requested_at: str | None = None
    outlet: str | None = None
    final_url: str | None = None
    status: int | None = None
    duration_ms: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    #: The final hop's request and response as sent and received, for the archive.
    exchange: Exchange | None = None
    #: The body is the DOM a browser rendered (``render = "browser"``), not the bytes served.
    rendered: bool = False


@dataclass(frozen=True)
class DiscoveredLink:
    """An article link found by the discovery spider, canonical and matched to its outlet.

    ``source`` says where it was found (``feed``, ``sitemap`` or ``section``), ``source_url``
    which one; ``lastmod`` is the source's date for it (ISO 8601 UTC) when it gives one.
    """

    outlet: str
    url: str
    lastmod: str | None
    source: str
    source_url: str = ""


@dataclass(frozen=True)
class SourceChecked:
    """The outcome of fetching one discovery source, for the ``sources`` table.

    ``outcome`` is ``ok``, ``not_modified`` (304) or ``error`` (``error`` says why). Validators
    are set only when a later conditional request may use them: never for sitemap indexes, whose
    bytes stay the same while the sitemaps they list change.
    """

    outlet: str
    url: str
    kind: str
    checked_at: str
    outcome: str
    status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    links_found: int = 0
