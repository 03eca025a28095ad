"""Services: compose an email from its Jinja2 templates: a plain-text part, an HTML part and the right headers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from learnapp.settings import get_settings, public_url

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"


@cache
def _environment() -> Environment:
    # StrictUndefined: a template naming something the code did not pass fails here, not as a blank in an inbox.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def sender() -> tuple[str, str]:
    """(display name, address) of LEARNAPP_MAIL_FROM."""
    return parseaddr(get_settings().mail_from)


def message_id(cause_key: str) -> str:
    """The same for every attempt at one cause's message, so a receiver can drop a resend."""
    domain = sender()[1].rpartition("@")[2] or "learnapp.invalid"
    return f"<{hashlib.sha256(cause_key.encode()).hexdigest()[:32]}@{domain}>"


def compose(
    template: str,
    to: tuple[str, str],
    cause_key: str,
    context: dict[str, Any],
    now: datetime,
    unsubscribe_url: str = "",
) -> EmailMessage:
    """The message `template`.txt / .html make of `context`; a notice carries RFC 8058 one-click unsubscribe."""
    values = {"app_url": public_url(), "name": to[0], "unsubscribe_url": unsubscribe_url, "reason": "", **context}
    environment = _environment()
    text_template = environment.get_template(f"{template}.txt")
    module: Any = text_template.make_module(values)
    subject = str(module.subject).strip()  # each .txt template sets it
    values["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr(sender())
    message["To"] = formataddr(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(cause_key)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps the stored message ASCII and every line short, whatever the names hold.
    message.set_content(text_template.render(values), cte="quoted-printable")
    html = environment.get_template(f"{template}.html").render(values)
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message
