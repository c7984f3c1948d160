"""The Starlette application: routes, templates, security headers and error pages.

Safe by construction: templates autoescape everything (scraped text is text, never markup), every
response carries a Content-Security-Policy that allows no script at all, the app has only GET
routes (other methods get 405) and reads through ``query_only`` connections. Bound to a loopback
address it also answers only to loopback ``Host`` names, so a web page cannot reach it through
DNS rebinding.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redline.core.version import __version__
from redline.app import Redline
from redline.core.errors import DatabaseError, InvalidInput, NotFound, RedlineError
from redline.web import pages

log = logging.getLogger(__name__)

#: Pages load only their own stylesheet; no script, frame, plugin or form target elsewhere.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")

#: Headers every response gets unless the route set its own (archived copies set a stricter CSP).
SECURITY_HEADERS = {
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # outlets need not learn which of their stories are watched
    "x-frame-options": "DENY",
}

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]

_STATUS = {NotFound: 404, InvalidInput: 400, DatabaseError: 503}
_HTTP_MESSAGES = {404: "There is no page at this address.",
                  405: "This view is read-only: pages can only be looked at (GET)."}


def create_app(redline: Redline, *, loopback_only: bool = True) -> Starlette:
    """The web view over ``redline``'s database (which must exist)."""
    static = StaticFiles(directory=Path(__file__).with_name("static"))
    app = Starlette(
        routes=[*(Route(path, endpoint, name=name) for path, endpoint, name in pages.ROUTES),
                Mount("/static", static, name="static")],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_NAMES if loopback_only else ["*"]),
                    Middleware(SecurityHeaders)],
        exception_handlers={RedlineError: redline_error, HTTPException: http_error, Exception: server_error},
    )
    app.state.redline = redline
    app.state.templates = Jinja2Templates(env=_environment(Path(redline.db_path).name))
    return app


def _environment(db_name: str) -> Environment:
    env = Environment(loader=PackageLoader("redline.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(version=__version__, db_name=db_name, link=pages.link)
    env.filters["when"] = pages.when
    return env


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`SECURITY_HEADERS` to every response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def error_page(request: Request, status: int, message: str) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "q": ""}, status_code=status)


async def redline_error(request: Request, exc: Exception) -> Response:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 500)
    return error_page(request, status, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code, _HTTP_MESSAGES.get(exc.status_code, exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("error while serving %s", request.url.path, exc_info=exc)
    return error_page(request, 500, "Something went wrong on our side; the details are in the server's log.")
