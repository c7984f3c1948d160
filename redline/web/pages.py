"""The routes of the web view. Every one is a GET, reads through its own connection and renders a
template; bad parameters raise :class:`~redline.core.errors.InvalidInput` (400 page), unknown articles,
versions or changes :class:`~redline.core.errors.NotFound` (404 page). Data comes from the
application facade's read-only store (``request.app.state.redline.reader()``).

Stable addresses, so a link can be handed to a colleague:
``/history?url=<article URL>&from=1&to=2#diff`` (one edit), ``/change/<id>`` (the same, by change id),
``/archive/<article id>/<version>`` (the page as it was), ``/feed.atom?outlet=…``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from redline.app import Redline
from redline.app.atom import diff_html
from redline.core.config import CHANGE_KINDS
from redline.core.errors import InvalidInput
from redline.core.urls import lookup_names
from redline.storage.browse import HIT_END, HIT_START
from redline.storage.differ import word_diff
from redline.web.archive import ARCHIVE_CSP, archived_page
from redline.web.diffview import field_diff

VIEWS = ("inline", "side")


def reader(request: Request):  # noqa: ANN201 - a context manager of a read-only store
    """A read-only store for one request, closed when the page is built."""
    app: Redline = request.app.state.redline
    return app.reader()


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("q", "")
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def recent(request: Request) -> Response:
    """``/``: changes newest first, filtered by outlet and kind, 50 a page."""
    outlet, kind = _text_param(request, "outlet"), _text_param(request, "kind")
    with reader(request) as store:
        page = store.recent_changes(outlet=outlet, kind=kind, older_than=_int_param(request, "older"))
        outlets = store.outlet_names()
    for row in page.rows:
        row["headline_diff"] = _headline_diff(row)
    return render(request, "recent.html", page=page, outlet=outlet, kind=kind, outlets=outlets,
                  kinds=CHANGE_KINDS, feed=_feed_link(outlet=outlet, kind=kind))


def history(request: Request) -> Response:
    """``/history?url=…``: one article's versions and changes, newest first a page at a time
    (``before=N``: the page of versions below N), and a diff of two versions."""
    url = _text_param(request, "url")
    if url is None:
        raise InvalidInput("name an article: /history?url=<the article's URL>")
    view = _text_param(request, "view") or VIEWS[0]
    if view not in VIEWS:
        raise InvalidInput(f"unknown view {view!r}: use inline or side")
    names = lookup_names(url)
    from_version, to_version = _int_param(request, "from"), _int_param(request, "to")
    with reader(request) as store:
        article = store.article(*names)
        record = store.history_page(*names, before=_int_param(request, "before"))
        pair = store.version_pair(names, from_version, to_version) if record["versions"] else None
    diff = before = after = None
    choices = [(v["version"], v["first_seen"]) for v in record["versions"]]
    if pair is not None:
        _, before, after = pair
        diff = [field_diff(name, before[name], after[name]) for name in ("headline", "byline", "body")]
        # The compare form offers this page's versions and the two compared, wherever they are.
        choices = sorted({*choices, (before["number"], before["first_seen"]), (after["number"], after["first_seen"])})
    return render(request, "history.html", article=article, record=record, before=before, after=after,
                  diff=diff, view=view, choices=choices, outlet_name=record["outlet"] or urlsplit(record["url"]).netloc,
                  feed=_feed_link(url=article["url"]))


def outlets(request: Request) -> Response:
    """``/outlets``: articles, changes, last check and recent failures per outlet."""
    with reader(request) as store:
        since, rows, totals = store.outlets()
    return render(request, "outlets.html", rows=rows, since=since, totals=totals, feed=_feed_link())


def search(request: Request) -> Response:
    """``/search?q=…``: full-text search over every version's headline and body."""
    text = _text_param(request, "q")
    results = []
    if text is not None:
        with reader(request) as store:
            results = store.search(text)
        for hit in results:
            hit["snippet"] = Markup(str(escape(hit["snippet"])).replace(HIT_START, "<mark>")
                                    .replace(HIT_END, "</mark>"))
    return render(request, "search.html", q=text or "", results=results, feed=_feed_link())


def feed(request: Request) -> Response:
    """``/feed.atom``: the newest changes as Atom, for all articles, one outlet, one kind or one article."""
    app: Redline = request.app.state.redline
    xml = app.feed(
        outlet=_text_param(request, "outlet"), kind=_text_param(request, "kind"), url=_text_param(request, "url"),
        self_url=str(request.url), alternate_url=str(request.url_for("recent")),
        link_for=lambda change: str(request.url_for("change", change_id=change["id"])),
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def change(request: Request) -> Response:
    """``/change/<id>``: a permanent link to one change, redirecting to its diff."""
    with reader(request) as store:
        where = store.change_location(request.path_params["change_id"])
    if where["to_version"] is None or where["from_version"] is None:
        target = _link_to_history(where["url"]) + "#changes"
    else:
        target = _link_to_history(where["url"], where["from_version"], where["to_version"]) + "#diff"
    return RedirectResponse(target, status_code=303)


def archive(request: Request) -> Response:
    """``/archive/<article id>/<version>``: the stored page, cleaned and sandboxed."""
    article_id, number = request.path_params["article_id"], request.path_params["number"]
    with reader(request) as store:
        version = store.archived_version(article_id, number)
    banner = (f"Archived copy kept by redline: version {number} of {version['url']}, "
              f"seen {when(version['first_seen'])} to {when(version['last_seen'])}. Scripts and remote content are removed.")
    page = archived_page(version["raw_html"], version["encoding"], version["source_url"] or version["url"],
                         banner, _link_to_history(version["url"]))
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": ARCHIVE_CSP})


def blocked(request: Request) -> Response:
    """``/blocked/<article id>``: the latest answer that refused redline, shown as text."""
    with reader(request) as store:
        answer = store.blocked_answer(request.path_params["article_id"])
    return render(request, "blocked.html", answer=answer, feed=_feed_link())


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
    ("/blocked/{article_id:int}", blocked, "blocked"),
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
        raise InvalidInput(f"{name}={value!r} is not a valid number: use a whole number from 1")
    return int(value)
