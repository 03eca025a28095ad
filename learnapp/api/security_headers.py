"""Security headers on every HTTP response the app serves: a strict Content-Security-Policy and browser hardening."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from reflex.constants import Dirs
from reflex.utils.prerequisites import get_web_dir
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from learnapp.settings import allowed_origins, get_settings

# An inline script: a <script> element without src; its text is what the browser hashes.
_INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HAS_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
HSTS = "max-age=31536000"


def built_pages() -> Path:
    """Where `reflex run --env prod` serves the prerendered pages from (REFLEX_WEB_WORKDIR moves it)."""
    return get_web_dir() / Dirs.STATIC


def inline_scripts(html: str) -> list[str]:
    return [match["body"] for match in _INLINE_SCRIPT.finditer(html) if not _HAS_SRC.search(match["attrs"])]


def script_hash(script: str) -> str:
    """The CSP source that lets exactly this inline script run."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def inline_script_hashes(pages: Path) -> tuple[str, ...]:
    """Every inline script of every built page, hashed: they are fixed per build, so the list is too."""
    found = (script_hash(s) for page in sorted(pages.rglob("*.html")) for s in inline_scripts(page.read_text()))
    return tuple(dict.fromkeys(found))


def websocket_origins(origins: Iterable[str]) -> list[str]:
    """The event websocket lives on the app's own origins, as ws:// (wss:// under https)."""
    return [re.sub(r"^http", "ws", origin) for origin in origins]


def content_security_policy(script_hashes: Iterable[str], origins: Iterable[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        # Inline scripts only by hash: injected markup, event-handler attributes and javascript: URLs never run.
        # 'unsafe-eval' because Reflex runs what the server sends over its websocket (toasts, client state,
        # call_script) through eval; that channel is our own origin's, behind the socket's Origin check.
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        # Radix Themes and emotion (Reflex's style props) write style attributes and <style> elements at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        # Lesson videos come from the hosts the content names (the importer wants http or https URLs).
        "media-src": ["'self'", "https:"],
        "connect-src": ["'self'", *websocket_origins(origins)],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@lru_cache(maxsize=4)
def _headers_for(pages: Path, build_stamp: int, origins: tuple[str, ...], https: bool) -> tuple[tuple[str, str], ...]:
    """Cached per build (the stamp changes when the pages are rebuilt), so a request costs one stat."""
    headers = [
        ("Content-Security-Policy", content_security_policy(inline_script_hashes(pages), origins)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if https:
        headers.append(("Strict-Transport-Security", HSTS))
    return tuple(headers)


def security_headers(pages: Path) -> tuple[tuple[str, str], ...]:
    """The headers for the app as configured (LEARNAPP_ORIGIN, LEARNAPP_PORT) and the pages as built now."""
    try:
        stamp = (pages / "index.html").stat().st_mtime_ns
    except OSError:  # not built (API-only runs, tests): no inline script may run
        stamp = 0
    https = (get_settings().origin or "").startswith("https://")
    return _headers_for(pages, stamp, allowed_origins(), https)


class SecurityHeaders:
    """ASGI middleware around the whole app (pages, assets, API, files, 404s): sets the headers on each response."""

    def __init__(self, app: ASGIApp, pages: Path | None = None) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the websocket handshake and lifespan carry no page
            await self.app(scope, receive, send)
            return
        headers = security_headers(self.pages or built_pages())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent = MutableHeaders(scope=message)
                for name, value in headers:
                    sent[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
