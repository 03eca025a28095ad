"""Sign-in forms: sign-up is rate-limited per client address; forms posted from another site are refused.

A page on another site can post a form to /auth/login (logging the visitor into an account the attacker controls,
whose activity the attacker then reads), to /auth/logout, or to /auth/signup in bulk. Browsers name the posting
page's origin in the Origin header: only the app's own origins (the ones the websocket and CORS accept) may post.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest

from learnapp.api import sign_in_limits
from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import find_account
from learnapp.services.accounts.sessions import session_account, start_session
from learnapp.settings import ROOT, allowed_origins, get_settings
from tests.app_pool import api_app
from tests.security.conftest import ALICE, COOKIE, Browser

LIMITED = "Too many attempts"
LOGIN = {"email": "alice@example.com", "password": "alice-password", "next": routes.MY_LEARNING}


def fresh_client(db: Database) -> Browser:
    """Counters live in the process: each test posts from its own address so tests never share them."""
    number = uuid.uuid4().int
    return Browser(api_app(db), ip=f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}")


def signup_form(email: str, password: str = "long-enough-1") -> dict[str, str]:
    return {"name": "Someone", "email": email, "password": password, "next": "/"}


def signed_in(response: httpx.Response) -> bool:
    return f"{COOKIE}=" in response.headers.get("set-cookie", "")


def limited(response: httpx.Response) -> bool:
    location = unquote(response.headers.get("location", ""))
    return response.status_code == 303 and location.startswith("/signup?") and LIMITED in location


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings are read once per process: let a test change the environment, and leave it as it was."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def foreign_origins() -> list[str]:
    own = allowed_origins()[0]
    scheme, rest = own.split("://", 1)
    host, _, port = rest.partition(":")
    return [
        "http://evil.example",
        "https://evil.example",
        "null",
        f"{'https' if scheme == 'http' else 'http'}://{rest}",
        f"{scheme}://{host}:{int(port or 80) + 1}",
        f"{scheme}://{host}.evil.example{':' + port if port else ''}",
        f"{scheme}://evil-{host}{':' + port if port else ''}",
    ]


# --- Sign-up rate limit ------------------------------------------------------------------------------------------


def test_the_documented_signup_limits_are_the_configured_ones() -> None:
    assert [(limit.amount, limit.get_expiry()) for limit in sign_in_limits.SIGNUP_LIMITS] == [(20, 60), (100, 3600)]


def test_signups_past_the_limit_are_refused_and_create_nothing(db: Database) -> None:
    client = fresh_client(db)
    per_minute = sign_in_limits.SIGNUP_LIMITS[0].amount
    for number in range(per_minute):
        # Every attempt counts, failed ones too (they tell which emails have accounts).
        response = client.post("/auth/signup", data=signup_form(f"bad-{number}@example.com", password="short"))
        assert "at least 8" in unquote(response.headers["location"]), f"attempt {number + 1} was limited too early"
    refused = client.post("/auth/signup", data=signup_form("late@example.com"))
    assert limited(refused) and not signed_in(refused)
    assert "email=late%40example.com" in refused.headers["location"]  # the form keeps what was typed
    assert find_account(db, "late@example.com") is None
    # Another address is not slowed down by this one.
    other = fresh_client(db).post("/auth/signup", data=signup_form("other@example.com"))
    assert other.status_code == 303 and signed_in(other) and find_account(db, "other@example.com") is not None


def test_forwarding_headers_do_not_reset_the_signup_count(db: Database) -> None:
    client = fresh_client(db)
    for number in range(sign_in_limits.SIGNUP_LIMITS[0].amount):
        fake = f"203.0.113.{number}"
        headers = {"X-Forwarded-For": fake, "X-Real-IP": fake}
        client.post("/auth/signup", data=signup_form(f"x{number}@example.com", "short"), headers=headers)
    response = client.post(
        "/auth/signup", data=signup_form("y@example.com"), headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert limited(response) and find_account(db, "y@example.com") is None


# --- Cross-site form posts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", foreign_origins())
def test_a_login_form_from_another_site_is_refused(db: Database, origin: str) -> None:
    response = fresh_client(db).post("/auth/login", data=LOGIN, headers={"Origin": origin})
    assert response.status_code == 403 and not signed_in(response), origin


@pytest.mark.parametrize("origin", foreign_origins())
def test_a_signup_form_from_another_site_creates_nothing(db: Database, origin: str) -> None:
    email = f"csrf-{uuid.uuid4().hex[:8]}@example.com"
    response = fresh_client(db).post("/auth/signup", data=signup_form(email), headers={"Origin": origin})
    assert response.status_code == 403 and not signed_in(response)
    assert find_account(db, email) is None


@pytest.mark.parametrize("origin", foreign_origins())
def test_a_logout_form_from_another_site_leaves_the_session(db: Database, origin: str) -> None:
    session = start_session(db, ALICE)
    response = fresh_client(db).signed_in(session).post("/auth/logout", headers={"Origin": origin})
    assert response.status_code == 403 and COOKIE not in response.headers.get("set-cookie", "")
    account = session_account(db, session)
    assert account is not None and account.id == ALICE


@pytest.mark.parametrize("origin", [*allowed_origins(), f"{allowed_origins()[0]}/", None])
def test_the_apps_own_pages_and_tools_without_origin_still_sign_in_and_out(db: Database, origin: str | None) -> None:
    headers = {"Origin": origin} if origin else {}
    client = fresh_client(db)
    login = client.post("/auth/login", data=LOGIN, headers=headers)
    assert login.status_code == 303 and login.headers["location"] == routes.MY_LEARNING and signed_in(login)
    email = f"own-{uuid.uuid4().hex[:8]}@example.com"
    signup = client.post("/auth/signup", data=signup_form(email), headers=headers)
    assert signup.status_code == 303 and signed_in(signup) and find_account(db, email) is not None
    session = login.cookies[COOKIE]
    logout = client.signed_in(session).post("/auth/logout", headers=headers)
    assert logout.status_code == 303 and session_account(db, session) is None


def test_the_configured_origin_is_the_one_accepted(
    db: Database, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("LEARNAPP_ORIGIN", "https://learn.example.com/")
    monkeypatch.setenv("LEARNAPP_PORT", "4321")
    assert allowed_origins() == ("https://learn.example.com", "http://127.0.0.1:4321")
    client = fresh_client(db)
    assert signed_in(client.post("/auth/login", data=LOGIN, headers={"Origin": "https://learn.example.com"}))
    assert client.post("/auth/login", data=LOGIN, headers={"Origin": "http://localhost:4321"}).status_code == 403


def test_rxconfig_accepts_exactly_the_origins_the_forms_accept() -> None:
    """The websocket and CORS (Reflex, from rxconfig.py) and the forms (learnapp.settings) agree."""
    script = (
        "import json, rxconfig; from learnapp.settings import allowed_origins; c = rxconfig.config;"
        "print(json.dumps([c.cors_allowed_origins, list(allowed_origins()), c.backend_port]))"
    )
    for extra in ({}, {"LEARNAPP_PORT": "4321", "LEARNAPP_ORIGIN": "https://learn.example.com"}):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNAPP_")} | extra
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        reflex_origins, form_origins, port = json.loads(out.stdout.strip().splitlines()[-1])
        assert reflex_origins == form_origins, extra
        assert port == int(extra.get("LEARNAPP_PORT", "3000"))
        assert form_origins[0] == extra.get("LEARNAPP_ORIGIN", "http://localhost:3000")
