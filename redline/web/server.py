"""Running the web view under uvicorn on a socket we bind ourselves.

Binding first turns "port in use" or "no such address" into one clear error line instead of a
uvicorn log, and lets ``--port 0`` print the port the system picked before serving starts.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable

import uvicorn

from redline.app import Redline
from redline.core.errors import CannotListen
from redline.web.app import create_app

#: Pending connections the kernel queues: uvicorn's own default.
LISTEN_BACKLOG = 2048


def serve(redline: Redline, host: str, port: int, echo: Callable[[str], None]) -> None:
    """Check the database (and upgrade its schema), bind ``host:port``, serve until Ctrl-C."""
    with redline.store():
        pass
    db_path = redline.db_path
    sock = bind(host, port)
    loopback = is_loopback(host)
    app = create_app(redline, loopback_only=loopback)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if not loopback:
        echo(f"warning: listening on {host}: anyone who can reach this machine can read {db_path}")
    echo(f"serving {db_path} read-only at http://{shown}:{bound_port}/ (Ctrl-C to stop)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                            proxy_headers=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A bound TCP socket on ``host:port``, or CannotListen saying why there cannot be one."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise CannotListen(f"cannot listen on {host!r}: not an address or host name of this machine") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = "the port is in use (another redline serve?)" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise CannotListen(f"cannot listen on {host}:{port}: {reason}") from None
    sock.listen(LISTEN_BACKLOG)  # connections made before uvicorn starts wait instead of being refused
    return sock


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
