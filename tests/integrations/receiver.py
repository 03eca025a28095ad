"""A webhook receiver on loopback for tests: verifies every signature with `standardwebhooks`, records what came."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    """Down until start(); answers `status` (2xx: accepted and recorded once per webhook-id, as a receiver should)."""

    secret: str = ""
    port: int = field(default_factory=free_port)
    status: int = 204
    location: str = ""  # with a 3xx status: where it redirects
    received: list[Received] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # every webhook-id posted, duplicates included
    bad_signatures: int = 0
    _server: ThreadingHTTPServer | None = None

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

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(r.body)) for r in self.received]
