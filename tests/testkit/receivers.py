"""Real alert receivers on 127.0.0.1 for tests: a JSON webhook that de-duplicates by idempotency
key (as a careful receiver does) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from testkit.waiting import PATIENCE_S  # re-exported: how long a test waits for a receiver to see something


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Webhook:
    """A JSON webhook receiver on 127.0.0.1 that handles each idempotency key once.

    ``posts`` is every request that arrived; ``handled`` maps each key to the payload acted on.
    ``hold()`` makes requests wait (after their body arrived, before being handled) until
    ``release()``; ``stop()``/``start()`` take the receiver off the network and back on the same port.
    """

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], dict]] = []
        self.handled: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.released.set()
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook.lock:
                    hook.posts.append((dict(self.headers), payload))
                hook.arrived.set()
                hook.released.wait(PATIENCE_S)
                with hook.lock:
                    hook.handled.setdefault(self.headers["Idempotency-Key"], payload)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the sender was killed while this request was held: nobody to answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def hold(self) -> None:
        self.arrived.clear()
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    def messages(self) -> list[str]:
        with self.lock:
            return [payload["message"] for payload in self.handled.values()]


class Mailbox:
    """An SMTP server on 127.0.0.1 keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=redline@example.org&to=desk@example.org&mode=insecure"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's naming
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"
