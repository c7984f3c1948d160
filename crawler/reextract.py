"""Re-running the current extractor over stored pages (``redline reextract``).

When the extractor improves, the latest stored version of an article may have been extracted
worse than the next fetch will be; without this, that difference would show up as an edit by the
outlet. Re-extraction runs the current extractor over the raw HTML kept with the latest version
and, where the result differs, stores it as a new version whose change is flagged as a
re-extraction (never reported or alerted as an edit). Older versions keep the extraction they
were made with, and their raw HTML, so nothing in the record is rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from redline.core.clock import now_iso
from redline.core.config import Selectors
from redline.core.errors import NoArticle
from redline.crawler.pipelines import extract_page
from redline.crawler.titles import host_of
from redline.storage.record import Recorded
from redline.storage.store import Store


def reextract(
    store: Store, article_ids: Iterable[int], selectors: Mapping[str, Selectors] | None = None
) -> list[Recorded]:
    """Re-extract the latest version of each article (with its outlet's ``selectors``, if any);
    returns the re-extractions that were stored."""
    stored = []
    for article_id in article_ids:
        latest = store.latest_raw(article_id)
        if latest is None or not latest["raw_html"]:
            continue
        charset = f"text/html; charset={latest['encoding']}" if latest["encoding"] else None
        try:
            url = latest["source_url"] or ""
            article = extract_page(latest["raw_html"], charset, url, (selectors or {}).get(latest["outlet"] or ""),
                                   store.title_template(host_of(url)))
        except NoArticle:
            continue
        result = store.record_reextraction(article_id, latest, article, now_iso())
        if result is not None:
            stored.append(result)
    return stored
