"""Against the app served for real: the websocket accepts only the app's own origin; CORS never trusts a foreign one.

A page on another site can open a websocket to us with the learner's cookie (browsers send it, and SameSite does
not apply to a websocket the same way); only the Origin check stops it from driving the learner's state.
Uses a plain websocket client (wsproto, which Reflex's socket server already depends on) to see the handshake.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, RejectConnection, Request, TextMessage

from tests.e2e.server import served_app, wait_until_up

pytestmark = pytest.mark.e2e

EVENT_PATH = "/_event/?EIO=4&transport=websocket"
NAMESPACE = "/_event"
EVIL = "http://evil.example"
LEARNER = {"email": "learner@example.com", "password": "learner-demo-2026"}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """LEARNAPP_E2E_URL points at a running deployment (with the demo accounts); otherwise we serve our own."""
    given = os.environ.get("LEARNAPP_E2E_URL")
    if given:
        wait_until_up(given.rstrip("/"), None, None)
        yield given.rstrip("/")
        return
    with served_app(tmp_path_factory.mktemp("security")) as url:
        yield url


@dataclass
class Handshake:
    status: int  # 101 when the server accepted the websocket
    messages: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status == 101


def open_socket(url: str, origin: str | None, cookie: str | None = None, timeout: float = 10) -> Handshake:
    """Open Reflex's event websocket like a browser on `origin` would; when accepted, join the event namespace."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 80
    headers = [(b"Origin", origin.encode())] if origin else []
    if cookie:
        headers.append((b"Cookie", cookie.encode()))
    connection = WSConnection(ConnectionType.CLIENT)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(connection.send(Request(host=parts.netloc, target=EVENT_PATH, extra_headers=headers)))
        result: Handshake | None = None
        while True:
            data = sock.recv(65536)
            if not data:
                break
            connection.receive_data(data)
            for event in connection.events():
                if isinstance(event, RejectConnection):
                    return Handshake(event.status_code)
                if isinstance(event, AcceptConnection):
                    result = Handshake(101)
                elif isinstance(event, TextMessage) and result is not None:
                    result.messages.append(event.data)
                    if event.data.startswith("0{"):  # engine.io "open": join the namespace as socket.io does
                        sock.sendall(connection.send(Message(data=f"40{NAMESPACE},")))
                    elif event.data.startswith(f"40{NAMESPACE},"):  # joined: the websocket is fully usable
                        sock.sendall(connection.send(CloseConnection(code=1000)))
                        return result
                elif isinstance(event, CloseConnection):
                    return result or Handshake(0)
    return result or Handshake(0)


def own_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def foreign_origins(url: str) -> list[str]:
    parts = urlsplit(url)
    port = parts.port or 80
    return [
        EVIL,
        "https://evil.example",
        f"http://evil.example:{port}",
        f"{parts.scheme}://{parts.hostname}.evil.example:{port}",
        f"{parts.scheme}://evil-{parts.hostname}:{port}",
        f"{parts.scheme}://{parts.hostname}:{port + 1}",
        f"{'https' if parts.scheme == 'http' else 'http'}://{parts.hostname}:{port}",
        "null",
    ]


@pytest.fixture(scope="module")
def learner_cookie(app_url: str) -> str:
    """The demo learner's session, as a browser would hold it after logging in."""
    response = httpx.post(f"{app_url}/auth/login", data={**LEARNER, "next": "/"}, timeout=10)
    assert response.status_code == 303, response.text
    value = response.cookies.get("learnapp_session")
    assert value, response.headers
    return f"learnapp_session={value}"


def test_the_websocket_accepts_the_apps_own_origin(app_url: str) -> None:
    handshake = open_socket(app_url, own_origin(app_url))
    assert handshake.accepted, handshake
    assert handshake.messages[0].startswith('0{"sid"') and handshake.messages[-1].startswith(f"40{NAMESPACE},")


def test_the_websocket_refuses_a_foreign_origin(app_url: str) -> None:
    for origin in foreign_origins(app_url):
        handshake = open_socket(app_url, origin)
        assert not handshake.accepted and handshake.status in (400, 403), (origin, handshake)
        assert handshake.messages == []


def test_a_foreign_page_cannot_ride_the_learners_cookie_over_the_websocket(app_url: str, learner_cookie: str) -> None:
    assert open_socket(app_url, own_origin(app_url), learner_cookie).accepted  # the control
    handshake = open_socket(app_url, EVIL, learner_cookie)
    assert not handshake.accepted and handshake.messages == [], handshake


def test_the_polling_transport_gives_a_foreign_origin_no_session(app_url: str) -> None:
    response = httpx.get(f"{app_url}/_event/?EIO=4&transport=polling", headers={"Origin": EVIL}, timeout=10)
    assert response.status_code >= 400 and '"sid"' not in response.text
    assert response.headers.get("access-control-allow-origin") in (None, own_origin(app_url))


def test_the_api_does_not_grant_cors_to_a_foreign_origin(app_url: str, learner_cookie: str) -> None:
    health = f"{app_url}/api/v1/health"
    own = httpx.get(health, headers={"Origin": own_origin(app_url)}, timeout=10)
    assert own.headers.get("access-control-allow-origin") == own_origin(app_url)  # the control: CORS is on
    for origin in foreign_origins(app_url):
        response = httpx.get(health, headers={"Origin": origin}, timeout=10)
        assert response.status_code == 200
        assert response.headers.get("access-control-allow-origin") not in (origin, "*"), origin
    preflight = httpx.options(
        f"{app_url}/api/v1/me",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") not in (EVIL, "*")
    export = httpx.get(f"{app_url}/me/export.json", headers={"Origin": EVIL, "Cookie": learner_cookie}, timeout=10)
    assert export.status_code == 200  # the cookie works, but the foreign page may not read the answer:
    assert export.headers.get("access-control-allow-origin") not in (EVIL, "*")


def test_the_served_login_sets_an_httponly_samesite_cookie(app_url: str) -> None:
    response = httpx.post(f"{app_url}/auth/login", data={**LEARNER, "next": "/"}, timeout=10)
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("learnapp_session="))
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes and "path=/" in attributes, header
    assert attributes & {"samesite=lax", "samesite=strict"}, header
