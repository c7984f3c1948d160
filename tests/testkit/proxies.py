"""Real proxies on 127.0.0.1 that record what passed through them: an HTTP forward proxy (plain or
over TLS, an "HTTPS proxy") and a SOCKS5 server (RFC 1928, with RFC 1929 user/password), both
written for the tests.

Both connect only to 127.0.0.1 (tests never leave the machine): any other target is refused.
"""

from __future__ import annotations

import base64
import http.client
import re
import select
import socket
import socketserver
import ssl
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

#: The only address the test proxies connect to.
LOOPBACK = {"127.0.0.1", "localhost"}
_REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST) (\S+) HTTP/1\.[01]\r\n")


class HttpProxy:
    """A forward proxy for plain-HTTP URLs (``GET http://host/path``) that may require Basic auth.

    ``seen`` holds ``(path, headers)`` of every request it forwarded."""

    def __init__(self, user: str | None = None, password: str | None = None, *, tls_dir: Path | None = None) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.refused = 0
        self.lock = threading.Lock()
        wanted = ("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()) if user else None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if wanted and self.headers.get("Proxy-Authorization") != wanted:
                    with proxy.lock:
                        proxy.refused += 1
                    self.send_response(407)
                    self.send_header("Proxy-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                target = urlsplit(self.path)
                if target.hostname not in LOOPBACK:
                    self.send_error(403, "the test proxy connects to 127.0.0.1 only")
                    return
                path = target.path + (f"?{target.query}" if target.query else "")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"proxy-authorization",
                                                                                      "proxy-connection"}}
                with proxy.lock:
                    proxy.seen.append((path, headers))
                upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
                try:
                    upstream.request("GET", path, headers={**headers, "Connection": "close"})
                    answer = upstream.getresponse()
                    body = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls_dir is not None:  # an HTTPS proxy: TLS between the client and the proxy itself
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed(tls_dir))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.seen]

    def __enter__(self) -> HttpProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Socks5Server:
    """A SOCKS5 server (CONNECT only) that records each tunnel's target and the request lines of
    the HTTP that went through it. With ``user``, only that user/password is let in."""

    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self.targets: list[tuple[str, int]] = []
        self.sent = bytearray()
        self.refused = 0
        self.lock = threading.Lock()
        socks = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                client: socket.socket = self.request
                client.settimeout(30)
                version, count = _read(client, 2)
                methods = _read(client, count)
                if version != 5:
                    return
                if user is not None:
                    if 2 not in methods:
                        client.sendall(b"\x05\xff")
                        return
                    client.sendall(b"\x05\x02")
                    _, ulen = _read(client, 2)
                    name = _read(client, ulen).decode()
                    plen = _read(client, 1)[0]
                    secret = _read(client, plen).decode()
                    if (name, secret) != (user, password):
                        with socks.lock:
                            socks.refused += 1
                        client.sendall(b"\x01\x01")
                        return
                    client.sendall(b"\x01\x00")
                else:
                    client.sendall(b"\x05\x00")
                _, command, _, kind = _read(client, 4)
                if kind == 1:
                    host = socket.inet_ntoa(_read(client, 4))
                elif kind == 3:
                    host = _read(client, _read(client, 1)[0]).decode()
                else:
                    host = socket.inet_ntop(socket.AF_INET6, _read(client, 16))
                port = struct.unpack("!H", _read(client, 2))[0]
                if command != 1 or host not in LOOPBACK:
                    client.sendall(b"\x05\x02\x00\x01" + bytes(6))  # not allowed by ruleset
                    return
                try:
                    upstream = socket.create_connection(("127.0.0.1", port), timeout=30)
                except OSError:
                    client.sendall(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
                    return
                with socks.lock:
                    socks.targets.append((host, port))
                client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))
                with upstream:
                    _relay(client, upstream, socks)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        """The paths of every HTTP request sent through a tunnel."""
        with self.lock:
            return [match.group(2).decode() for match in _REQUEST_LINE.finditer(bytes(self.sent))]

    def __enter__(self) -> Socks5Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed(folder: Path) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1, made with cryptography (a Scrapy dependency)."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "proxy.crt", folder / "proxy.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away mid-handshake")
        data += chunk
    return data


def _relay(client: socket.socket, upstream: socket.socket, socks: Socks5Server) -> None:
    """Copy bytes both ways until either side closes; record what the client sent."""
    while True:
        ready, _, _ = select.select([client, upstream], [], [], 30)
        if not ready:
            return
        for sock in ready:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            if sock is client:
                with socks.lock:
                    socks.sent += data
                upstream.sendall(data)
            else:
                client.sendall(data)
