"""The served app's outbox of .eml files (no SMTP configured): wait for a message, read its two parts."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path


def mail_to(folder: Path, email: str, subject: str | None = None, timeout: float = 15.0) -> EmailMessage:
    """The message to `email` (with `subject`, if given) the app's mail worker writes (it polls every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in str(message["To"]) and subject in (None, message["Subject"]):
                return message  # type: ignore[return-value]
        time.sleep(0.2)  # polling a folder: the positive signal is the file itself
    wanted = f"'{subject}'" if subject else "mail"
    raise AssertionError(f"no {wanted} to {email} in {folder} after {timeout} s")


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    return str(text), str(html)
