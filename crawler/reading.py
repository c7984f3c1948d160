"""Reading a fetched page into the article storage keeps: the fast path first, then the full read.

:func:`read_page` is the one unit of work the storage pipeline hands to the extraction pool
(crawler/pool.py): a pure function of picklable values (the page's bytes, the latest version as
:func:`redline.storage.queries.latest_raw` returns it), so it runs the same in a worker process
as in the crawl's own.  The fast path (crawler/fastpath.py) answers first when the page shows
the latest version exactly; otherwise the full extraction and the change confirmation run, as
they always did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from redline.core.config import Selectors
from redline.core.errors import NoArticle
from redline.storage.record import Extracted

#: ``Extracted.method`` of a check the fast path answered (never stored: the content digest is
#: the latest version's, so the store records the check as unchanged).
RECOGNISED = "recognised"
#: The fast path's verdict for a page that shows the latest version (``fastpath.Verdict.reason``).
SAME = "same"


@dataclass(frozen=True)
class Reading:
    """The article read from a page (``None`` with ``error`` when it holds none), and the fast
    path's verdict (``fastpath.SAME`` when it answered; the reason it did not; ``""``: not tried)."""

    article: Extracted | None
    error: str | None = None
    fast_path: str = ""
    #: False when the latest version must first be re-read under the outlet's new ``<title>``
    #: template, a step that writes to the store (the pipeline does it, then confirms).
    confirmed: bool = True
    #: True when ``latest`` came without its stored page (``raw_html``) and this reading needs it:
    #: read again with the page (``fast_path`` says whether the fast path already answered no).
    needs_page: bool = False

    @property
    def recognised(self) -> bool:
        """The fast path answered: no extraction ran."""
        return self.fast_path == SAME


def read_page(body: bytes, content_type: str | None, url: str, selectors: Selectors | None,
              latest: dict[str, Any] | None, title_template: frozenset[str] = frozenset(),
              fast_path: bool = True) -> Reading:
    """The page's article, compared in advance with ``latest`` so that the store sees the latest
    version's own content when nothing changed (``title_template``: the outlet host's learned
    ``<title>`` template, crawler/titles.py).

    ``latest`` may come without its stored page (no ``raw_html`` key): the fast path mostly
    does without it, and when it or the full read cannot, the reading says so (``needs_page``)
    and the caller reads again with it.  A reading that will make a new version carries what
    the fast path will need of this page at the version's rechecks (``Extracted.shown_texts``)."""
    # Imported here: the pipeline module imports this one (and the extraction stack stays
    # unimported until a page needs reading).
    from redline.crawler.decode import decode_html, is_html
    from redline.crawler.extract import EXTRACTOR_VERSION
    from redline.crawler.fastpath import NeedsPage, recognise, shown_texts
    from redline.crawler.pipelines import confirmed, extract_page
    from redline.crawler.titles import version_template
    from redline.storage.record import content_digest

    verdict = ""
    configured = selectors is not None and bool(selectors.headline or selectors.body or selectors.drop)
    if fast_path and latest is not None and not configured and body.strip() and is_html(body, content_type):
        decoded = decode_html(body, content_type)
        try:
            recognition = recognise(decoded.text, url, latest)
        except NeedsPage:
            return Reading(None, needs_page=True)
        verdict = recognition.reason
        if recognition.same:
            return Reading(Extracted(headline=latest["headline"], body=latest["body"], byline=latest["byline"],
                                     published=None, modified=None, method=RECOGNISED,
                                     extractor_version=EXTRACTOR_VERSION, encoding=decoded.encoding,
                                     page_title=recognition.page_title),
                           fast_path=verdict)
    if latest is not None and "raw_html" not in latest:
        return Reading(None, None, verdict, needs_page=True)
    try:
        article = extract_page(body, content_type, url, selectors, title_template, allow_empty=latest is not None)
    except NoArticle as exc:
        return Reading(None, str(exc), verdict)
    if article.title_template is not None and latest is not None and latest.get("raw_html") \
            and version_template(latest) != title_template:
        return Reading(article, None, verdict, confirmed=False)
    article = confirmed(latest, article, body, content_type)
    if not configured and article.body and (
            latest is None or content_digest(article.headline, article.byline, article.body) != latest["content_digest"]):
        article = replace(article, shown_texts=shown_texts(body, article.encoding, article.headline, article.body))
    return Reading(article, None, verdict)
