"""Mail fixtures: a real SMTP server (aiosmtpd) on loopback that keeps what it receives, and helpers to read it."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    port: int
    inbox: Inbox
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server on a free loopback port (stop() and start() it to play an outage)."""
    server = SmtpServer(free_port(), Inbox())
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


def queued_link(db: Database, path: str = "/reset-password") -> str:
    """The link to `path` in the newest queued message."""
    return next(u for u in links(text_of(queued(db)[-1])) if path in u)
