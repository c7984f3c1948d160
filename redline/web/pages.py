"""The routes of the web view. Every one is a GET, reads through its own connection and renders a
template; bad parameters raise :class:`~redline.errors.UsageError` (400 page), unknown articles,
versions or changes :class:`~redline.errors.NotFoundError` (404 page).

Stable addresses, so a link can be handed to a colleague:
``/history?url=<article URL>&from=1&to=2#diff`` (one edit), ``/change/<id>`` (the same, by change id),
``/archive/<article id>/<version>`` (the page as it was), ``/feed.atom?outlet=…``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import sqlite_utils
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from redline.atom import diff_html, render_feed
from redline.crawler.urls import lookup_names
from redline.errors import UsageError
from redline.web.archive import ARCHIVE_CSP, archived_page
from redline.web.diffview import field_diff
from redline.storage import browse, queries
from redline.storage.articles import require_article
from redline.storage.db import translate_errors
from redline.storage.differ import word_diff

VIEWS = ("inline", "side")


@contextmanager
def reader(request: Request) -> Iterator[sqlite_utils.Database]:
    """A read-only connection for one request, closed when the page is built."""
    path = request.app.state.db_path
    db = browse.open_reader(path)
    try:
        with translate_errors(path):
            yield db
    finally:
        db.close()


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("q", "")
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def recent(request: Request) -> Response:
    """``/``: changes newest first, filtered by outlet and kind, 50 a page."""
    outlet, kind = _text_param(request, "outlet"), _text_param(request, "kind")
    with reader(request) as db:
        page = browse.recent_changes(db, outlet=outlet, kind=kind, older_than=_int_param(request, "older"))
        outlets = browse.outlet_names(db)
    for row in page.rows:
        row["headline_diff"] = _headline_diff(row)
    return render(request, "recent.html", page=page, outlet=outlet, kind=kind, outlets=outlets,
                  kinds=browse.CHANGE_KINDS, feed=_feed_link(outlet=outlet, kind=kind))


def history(request: Request) -> Response:
    """``/history?url=…``: every version and change of one article, and a diff of two versions."""
    url = _text_param(request, "url")
    if url is None:
        raise UsageError("name an article: /history?url=<the article's URL>")
    view = _text_param(request, "view") or VIEWS[0]
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}: use inline or side")
    names = lookup_names(url)
    from_version, to_version = _int_param(request, "from"), _int_param(request, "to")
    with reader(request) as db:
        article = require_article(db, *names)
        record = queries.history(db, *names)
        pair = queries.version_pair(db, names, from_version, to_version) if record["versions"] else None
    diff = before = after = None
    if pair is not None:
        _, before, after = pair
        diff = [field_diff(name, before[name], after[name]) for name in ("headline", "byline", "body")]
    return render(request, "history.html", article=article, record=record, before=before, after=after,
                  diff=diff, view=view, outlet_name=record["outlet"] or urlsplit(record["url"]).netloc,
                  feed=_feed_link(url=article["url"]))


def outlets(request: Request) -> Response:
    """``/outlets``: articles, changes, last check and recent failures per outlet."""
    with reader(request) as db:
        since = browse.failure_window_start(db)
        rows = browse.outlets(db, since)
        totals = browse.check_totals(db, since)
    return render(request, "outlets.html", rows=rows, since=since, totals=totals, feed=_feed_link())


def search(request: Request) -> Response:
    """``/search?q=…``: full-text search over every version's headline and body."""
    text = _text_param(request, "q")
    results = []
    if text is not None:
        with reader(request) as db:
            results = browse.search(db, text)
        for hit in results:
            hit["snippet"] = Markup(str(escape(hit["snippet"])).replace(browse.HIT_START, "<mark>")
                                    .replace(browse.HIT_END, "</mark>"))
    return render(request, "search.html", q=text or "", results=results, feed=_feed_link())


def feed(request: Request) -> Response:
    """``/feed.atom``: the newest changes as Atom, for all articles, one outlet, one kind or one article."""
    outlet, kind, url = _text_param(request, "outlet"), _text_param(request, "kind"), _text_param(request, "url")
    feed_id, title = "feed/changes", "redline: recent changes"
    with reader(request) as db:
        article_id = None
        if url is not None:
            article = require_article(db, *lookup_names(url))
            article_id = article["id"]
            feed_id, title = f"feed/article/{article_id}", f"redline: changes to {article['url']}"
        page = browse.recent_changes(db, outlet=outlet, kind=kind, article_id=article_id)
    if outlet is not None:
        feed_id, title = f"{feed_id}/outlet/{quote(outlet, safe='')}", f"{title} ({outlet})"
    if kind is not None:
        feed_id, title = f"{feed_id}/kind/{kind}", f"{title}, {kind} changes"
    xml = render_feed(
        page.rows, feed_id=feed_id, title=title, self_url=str(request.url),
        alternate_url=str(request.url_for("recent")),
        link_for=lambda change: str(request.url_for("change", change_id=change["id"])),
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def change(request: Request) -> Response:
    """``/change/<id>``: a permanent link to one change, redirecting to its diff."""
    with reader(request) as db:
        where = browse.change_location(db, request.path_params["change_id"])
    if where["to_version"] is None or where["from_version"] is None:
        target = _link_to_history(where["url"]) + "#changes"
    else:
        target = _link_to_history(where["url"], where["from_version"], where["to_version"]) + "#diff"
    return RedirectResponse(target, status_code=303)


def archive(request: Request) -> Response:
    """``/archive/<article id>/<version>``: the stored page, cleaned and sandboxed."""
    article_id, number = request.path_params["article_id"], request.path_params["number"]
    with reader(request) as db:
        version = browse.archived_version(db, article_id, number)
    banner = (f"Archived copy kept by redline: version {number} of {version['url']}, "
              f"seen {when(version['first_seen'])} to {when(version['last_seen'])}. Scripts and remote content are removed.")
    page = archived_page(version["raw_html"], version["encoding"], version["source_url"] or version["url"],
                         banner, _link_to_history(version["url"]))
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": ARCHIVE_CSP})


def favicon(request: Request) -> Response:
    """``/favicon.ico``: browsers ask for it on every page, archived copies included."""
    return FileResponse(Path(__file__).with_name("static") / "favicon.svg", media_type="image/svg+xml")


ROUTES = (
    ("/", recent, "recent"),
    ("/history", history, "history"),
    ("/outlets", outlets, "outlets"),
    ("/search", search, "search"),
    ("/feed.atom", feed, "feed"),
    ("/change/{change_id:int}", change, "change"),
    ("/archive/{article_id:int}/{number:int}", archive, "archive"),
    ("/favicon.ico", favicon, "favicon"),
)


def _headline_diff(row: dict) -> Markup | None:
    if "headline" not in row["kinds"] or row["headline_after"] is None:
        return None
    return Markup(diff_html(word_diff(row["headline_before"] or "", row["headline_after"])))


def link(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as a query string (how templates build every URL)."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def when(timestamp: str | None) -> str:
    """A stored ISO timestamp as people read it: ``2026-11-25 22:00 UTC``."""
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if timestamp else "never"


def _link_to_history(url: str, from_version: int | None = None, to_version: int | None = None) -> str:
    return link("/history", url=url, **{"from": from_version, "to": to_version})


def _feed_link(**params: str | None) -> str:
    return link("/feed.atom", **params)


def _text_param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _int_param(request: Request, name: str) -> int | None:
    value = _text_param(request, name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{name}={value!r} is not a valid number: use a whole number from 1")
    return int(value)
