"""A webhook receiver on loopback for tests: verifies every signature with `standardwebhooks`, records what came."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def reserved_port(port: int = 0) -> socket.socket:
    """A loopback socket bound to `port` (0: one the kernel picks), not listening: connections to it are refused until
    a server listens on this very socket, and no other process can take the port meanwhile."""
    bound = socket.socket()
    if port:  # a port a stopped server had: its closed connections may still wait out TIME_WAIT
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bound.bind(("127.0.0.1", port))
    return bound


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    """Down until start(); answers `status` (2xx: accepted and recorded once per webhook-id, as a receiver should).

    Its port is reserved when it is made (bound, not listening), so its URL is known, and refused, before start().
    """

    secret: str = ""
    status: int = 204
    location: str = ""  # with a 3xx status: where it redirects
    received: list[Received] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # every webhook-id posted, duplicates included
    bad_signatures: int = 0
    _server: ThreadingHTTPServer | None = None
    _socket: socket.socket = field(default_factory=reserved_port)

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/learnapp?x=1"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                data = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = Webhook(receiver.secret).verify(data, headers)
                except WebhookVerificationError:
                    receiver.bad_signatures += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                receiver.attempts.append(headers["webhook-id"])
                if 200 <= receiver.status < 300 and all(
                    r.webhook_id != headers["webhook-id"] for r in receiver.received
                ):
                    receiver.received.append(Received(headers["webhook-id"], body, headers))
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("location", receiver.location)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler, bind_and_activate=False)
        self._server.socket.close()
        self._server.socket = self._socket  # the reserved socket: it starts listening here
        self._server.server_activate()
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stops serving and frees the port: a stopped receiver is not started again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._socket.close()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(r.body)) for r in self.received]
