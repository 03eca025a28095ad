"""Mail fixtures: a real SMTP server (aiosmtpd) on loopback that keeps what it receives, and helpers to read it."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from learnapp.domain import routes
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database


class PortReportingController(Controller):
    """aiosmtpd's threaded controller, able to listen on port 0: the port the kernel chose is read from the socket.

    aiosmtpd connects to its own port once it listens (`_trigger_server`), so the port must be known by then.
    """

    def _trigger_server(self) -> None:
        assert self.server is not None and self.server.sockets
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()


@dataclass
class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message), in arrival order."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _, message in self.received]


@dataclass
class SmtpServer:
    """Its first start listens on a port the kernel picks (0), no probed port another process could take first; a
    start after stop() (an outage) listens on that same port again."""

    inbox: Inbox
    port: int = 0
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = PortReportingController(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.port = self.controller.port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server on a free loopback port (stop() and start() it to play an outage)."""
    server = SmtpServer(Inbox())
    server.start()
    yield server
    server.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)


def queued(db: Database) -> list[EmailMessage]:
    """Every queued or sent message as composed (bodies still held), oldest first."""
    with db.snapshot() as conn:
        rows = mail_queue.find(conn)
    return [message_from_string(row.raw, policy=policy.default) for row in rows if row.raw]  # type: ignore[misc]


def queued_link(db: Database, path: str = routes.RESET_PASSWORD) -> str:
    """The link to `path` in the newest queued message."""
    return next(u for u in links(text_of(queued(db)[-1])) if path in u)
