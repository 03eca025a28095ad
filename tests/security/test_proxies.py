"""Behind a reverse proxy: X-Forwarded-For is believed only from LEARNAPP_TRUSTED_PROXIES; the origin decides Secure."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest
from pydantic import ValidationError
from starlette.requests import Request

from learnapp.api.client_address import client_address
from learnapp.api.sign_in_limits import LOGIN_LIMIT, SIGNUP_LIMITS
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import find_account
from learnapp.settings import Settings, get_settings
from tests.app_pool import api_app
from tests.security.conftest import COOKIE, Browser

PROXY = "10.0.0.5"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set LEARNAPP_* variables for one test; settings are re-read now and again after it."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def trust(settings_env: pytest.MonkeyPatch, proxies: str) -> None:
    settings_env.setenv("LEARNAPP_TRUSTED_PROXIES", proxies)
    get_settings.cache_clear()


def request_from(peer: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "client": (peer, 40000)})


CASES = [
    # (trusted proxies, direct peer, X-Forwarded-For headers, the client the limits key on)
    ("", PROXY, ["203.0.113.7"], PROXY),  # nothing trusted: the header is the client's own claim
    ("10.0.0.9", PROXY, ["203.0.113.7"], PROXY),  # the peer is not a listed proxy
    (PROXY, PROXY, ["203.0.113.7"], "203.0.113.7"),
    (PROXY, PROXY, [], PROXY),  # a trusted proxy's own request
    ("10.0.0.0/24", PROXY, ["6.6.6.6, 203.0.113.7, 10.0.0.7"], "203.0.113.7"),  # forged left part, second proxy
    ("10.0.0.0/24", PROXY, ["6.6.6.6", "203.0.113.7"], "203.0.113.7"),  # the header sent twice: one list
    ("10.0.0.0/24", PROXY, ["10.0.0.8, 10.0.0.7"], "10.0.0.8"),  # only proxies on the way
    (PROXY, PROXY, ["203.0.113.7 , unknown"], "unknown"),  # a proxy that hides the client: one client, not none
    ("::1, 10.0.0.0/8", "::1", ["2001:db8::1"], "2001:db8::1"),
    (PROXY, f"::ffff:{PROXY}", ["203.0.113.7"], "203.0.113.7"),  # an IPv4 proxy seen by a dual-stack server
    (PROXY, PROXY, ["not-an-address" * 20], ("not-an-address" * 20)[:64]),
]


@pytest.mark.parametrize(("proxies", "peer", "forwarded", "expected"), CASES)
def test_the_client_address_is_the_rightmost_untrusted_hop(
    settings_env: pytest.MonkeyPatch, proxies: str, peer: str, forwarded: list[str], expected: str
) -> None:
    trust(settings_env, proxies)
    assert client_address(request_from(peer, *forwarded)) == expected


@pytest.mark.parametrize("listed", ["10.0.0.300", "10.0.0.0/33", "proxy.example.com", "10.0.0.1;10.0.0.2"])
def test_a_mistyped_proxy_list_stops_the_start(settings_env: pytest.MonkeyPatch, listed: str) -> None:
    settings_env.setenv("LEARNAPP_TRUSTED_PROXIES", listed)
    with pytest.raises(ValidationError, match="LEARNAPP_TRUSTED_PROXIES"):
        Settings()


def via_proxy(browser: Browser, path: str, form: dict[str, str], client: str, **headers: str) -> httpx.Response:
    return browser.post(path, data=form, headers={"X-Forwarded-For": client, **headers})


def limited(response: httpx.Response) -> bool:
    return "Too many attempts" in unquote(response.headers.get("location", ""))


def signed_in(response: httpx.Response) -> bool:
    return f"{COOKIE}=" in response.headers.get("set-cookie", "")


def test_behind_a_trusted_proxy_the_login_limit_keys_on_the_real_client(
    db: Database, settings_env: pytest.MonkeyPatch
) -> None:
    trust(settings_env, PROXY)
    proxy = Browser(api_app(db), ip=PROXY)
    wrong = {"email": "alice@example.com", "password": "wrong-password", "next": "/"}
    for _ in range(LOGIN_LIMIT.amount):
        assert not limited(via_proxy(proxy, "/auth/login", wrong, "203.0.113.7"))
    right = {**wrong, "password": "alice-password"}
    assert limited(via_proxy(proxy, "/auth/login", right, "203.0.113.7"))
    # The same proxy, another learner's machine: not slowed down by the first.
    assert signed_in(via_proxy(proxy, "/auth/login", right, "203.0.113.8"))
    # A client cannot escape its count by adding a forged hop on the left.
    assert limited(via_proxy(proxy, "/auth/login", right, "198.51.100.1, 203.0.113.7"))


def test_behind_a_trusted_proxy_the_signup_limit_keys_on_the_real_client(
    db: Database, settings_env: pytest.MonkeyPatch
) -> None:
    trust(settings_env, PROXY)
    proxy = Browser(api_app(db), ip=PROXY)
    for number in range(SIGNUP_LIMITS[0].amount):
        short = {"name": "S", "email": f"s{number}@example.com", "password": "short", "next": "/"}
        assert not limited(via_proxy(proxy, "/auth/signup", short, "203.0.113.7"))
    form = {"name": "Late", "email": "late@example.com", "password": "long-enough-1", "next": "/"}
    assert limited(via_proxy(proxy, "/auth/signup", form, "203.0.113.7"))
    assert find_account(db, "late@example.com") is None
    assert signed_in(via_proxy(proxy, "/auth/signup", form, "203.0.113.8"))


def test_an_untrusted_peer_cannot_pose_as_many_clients(db: Database, settings_env: pytest.MonkeyPatch) -> None:
    trust(settings_env, PROXY)
    stranger = Browser(api_app(db), ip="192.0.2.77")
    wrong = {"email": "alice@example.com", "password": "wrong-password", "next": "/"}
    for number in range(LOGIN_LIMIT.amount):
        via_proxy(stranger, "/auth/login", wrong, f"203.0.113.{number}")
    assert limited(via_proxy(stranger, "/auth/login", {**wrong, "password": "alice-password"}, "203.0.113.200"))


LOGIN = {"email": "alice@example.com", "password": "alice-password", "next": "/"}


@pytest.mark.parametrize(
    ("origin", "scheme", "forwarded_proto", "secure"),
    [
        ("https://learn.example.com", "http", "", True),  # TLS ends at the proxy; the hop to the app is http
        ("https://learn.example.com", "http", "http", True),  # whatever a proxy (or a client) says
        ("http://localhost:3000", "https", "", False),  # a plain-http origin: a Secure cookie would never return
        ("http://localhost:3000", "http", "https", False),
    ],
)
def test_the_cookie_is_secure_exactly_when_the_origin_is_https(
    db: Database, settings_env: pytest.MonkeyPatch, origin: str, scheme: str, forwarded_proto: str, secure: bool
) -> None:
    settings_env.setenv("LEARNAPP_ORIGIN", origin)
    trust(settings_env, PROXY)
    headers = {"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {}
    response = Browser(api_app(db), ip=PROXY, scheme=scheme).post("/auth/login", data=LOGIN, headers=headers)
    assert signed_in(response)
    flags = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert ("secure" in flags) is secure, response.headers["set-cookie"]
