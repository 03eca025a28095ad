"""Services: where composed messages go: an SMTP server (LEARNAPP_SMTP_URL), or .eml files in a folder."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from learnapp.persistence.mail_queue import Outgoing
from learnapp.services.mail.compose import sender
from learnapp.settings import ROOT, get_settings

SMTP_TIMEOUT = 20.0  # seconds: a hung server fails the attempt (retried later), it never holds the worker forever


class PermanentFailure(Exception):
    """The server refused the message itself (5xx): retrying as is will not help."""


class Transport(Protocol):
    def send(self, message: Outgoing) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SmtpTransport:
    """smtp://[user:pass@]host[:port] (STARTTLS when offered, required with a password) or smtps://... (TLS)."""

    url: str

    def describe(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}:{self._port()}"

    def _port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (465 if parts.scheme == "smtps" else 587)

    def send(self, message: Outgoing) -> None:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "localhost", self._port()
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                if not isinstance(client.sock, ssl.SSLSocket):
                    raise PermanentFailure("the server offers no STARTTLS: not sending the password in the clear")
                client.login(unquote(parts.username), unquote(parts.password or ""))
            try:
                client.sendmail(sender()[1], [message.to_address], message.raw)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                if _permanent(error):
                    raise PermanentFailure(str(error)) from error
                raise


def _permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return int(getattr(error, "smtp_code", 0)) >= 500


@dataclass(frozen=True)
class FolderTransport:
    """Each message as an .eml file (open it in any mail program): the demo's and the tests' mailbox."""

    folder: Path

    def describe(self) -> str:
        return str(self.folder)

    def send(self, message: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}.eml"
        partial = self.folder / f".{name}.partial"
        partial.write_text(message.raw, encoding="ascii", newline="\r\n")
        os.replace(partial, self.folder / name)  # a reader never sees half a message


def mail_folder() -> Path:
    """LEARNAPP_MAIL_DIR, else mail/ beside the SQLite database, else var/mail/ in the checkout."""
    settings = get_settings()
    if settings.mail_dir is not None:
        return settings.mail_dir
    url = settings.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.split("///", 1)[1]).resolve().parent / "mail"
    return ROOT / "var" / "mail"


def configured_transport() -> Transport:
    url = get_settings().smtp_url
    return SmtpTransport(url) if url else FolderTransport(mail_folder())
