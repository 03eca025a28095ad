"""The session cookie: HttpOnly, SameSite, Path=/, Secure over HTTPS; logout ends the session on the server too."""

from __future__ import annotations

import hashlib
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import text

from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import session_account
from learnapp.settings import get_settings
from tests.app_pool import api_app
from tests.security.conftest import ALICE, COOKIE, BobsData, Browser

LOGIN = {"email": "alice@example.com", "password": "alice-password", "next": routes.MY_LEARNING}
SIGNUP = {"name": "Carol", "email": "carol@example.com", "password": "carol-password-1", "next": "/"}


def session_cookie(response: httpx.Response) -> dict[str, str]:
    """The attributes of the one learnapp_session cookie the response sets (lower-case names), and its value."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    parsed = SimpleCookie()
    parsed.load(headers[0])
    morsel = parsed[COOKIE]
    attributes = {key: str(morsel[key]) for key in morsel.keys() if morsel[key] not in ("", False)}  # noqa: SIM118
    flags = {part.strip().lower() for part in headers[0].split(";")[1:]}
    attributes.update({flag: "yes" for flag in ("httponly", "secure") if flag in flags})
    return {**attributes, "value": morsel.value}


@pytest.mark.parametrize(("path", "form"), [("/auth/login", LOGIN), ("/auth/signup", SIGNUP)])
def test_signing_in_sets_an_httponly_samesite_cookie_for_the_whole_site(
    browser: Browser, db: Database, path: str, form: dict[str, str]
) -> None:
    response = browser.post(path, data=form)
    assert response.status_code == 303, response.text
    cookie = session_cookie(response)
    assert cookie.get("httponly") == "yes", cookie
    assert cookie.get("samesite", "").lower() in ("lax", "strict"), cookie
    assert cookie.get("path") == "/", cookie
    assert "domain" not in cookie, cookie  # host-only: not shared with other subdomains
    assert len(cookie["value"]) >= 32  # at least 192 bits of randomness in URL-safe base64
    account = session_account(db, cookie["value"])
    assert account is not None and account.email == form["email"]


@pytest.mark.parametrize(("path", "form"), [("/auth/login", LOGIN), ("/auth/signup", SIGNUP)])
def test_at_an_https_origin_the_cookie_is_also_secure(
    db: Database, path: str, form: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The origin decides (tests/security/test_proxies.py): here a TLS proxy passes the request on over http."""
    monkeypatch.setenv("LEARNAPP_ORIGIN", "https://learn.example.com")
    get_settings.cache_clear()
    try:
        response = Browser(api_app(db), scheme="http").post(path, data=form)
    finally:
        get_settings.cache_clear()
    assert session_cookie(response).get("secure") == "yes"


def test_the_database_keeps_only_a_hash_of_the_session(browser: Browser, db: Database) -> None:
    value = session_cookie(browser.post("/auth/login", data=LOGIN))["value"]
    with db.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM login_session"))]
    assert value not in stored and hashlib.sha256(value.encode()).hexdigest() in stored


def test_a_failed_login_sets_no_session(browser: Browser) -> None:
    response = browser.post("/auth/login", data={**LOGIN, "password": "not-alices-password"})
    assert response.status_code == 303 and COOKIE not in response.headers.get("set-cookie", "")


def test_logout_clears_the_cookie_and_the_old_value_stops_working(
    browser: Browser, db: Database, bobs_data: BobsData
) -> None:
    value = session_cookie(browser.post("/auth/login", data=LOGIN))["value"]
    other = session_cookie(browser.post("/auth/login", data=LOGIN))["value"]  # a second browser of Alice
    signed_in = browser.signed_in(value)
    assert signed_in.get("/me/export.json").status_code == 200  # the control: the value works before

    response = signed_in.post("/auth/logout")
    assert response.status_code == 303
    cleared = session_cookie(response)
    assert cleared["value"] == "" and (cleared.get("max-age") == "0" or "1970" in cleared.get("expires", ""))
    assert cleared.get("path") == "/"

    # A copy of the old value (stolen, or kept by a browser that ignored the clearing) is dead on the server.
    assert session_account(db, value) is None
    assert browser.signed_in(value).get("/me/export.json").status_code == 401
    assert browser.signed_in(value).get(f"/certificates/{bobs_data.certificate_code}.pdf").status_code == 404
    # Logging out one browser leaves Alice's other session alone.
    assert browser.signed_in(other).get("/me/export.json").status_code == 200


def test_the_session_cookie_is_not_an_api_credential(browser: Browser, db: Database) -> None:
    """The JSON API takes bearer tokens only, so a cross-site request carrying the cookie can do nothing there."""
    value = session_cookie(browser.post("/auth/login", data=LOGIN))["value"]
    signed_in = browser.signed_in(value)
    assert signed_in.get("/api/v1/me").status_code == 401
    course = signed_in.post(f"/api/v1/learners/{ALICE}/enrollments", json={"course": "ac-course"})
    assert course.status_code == 401
    assert signed_in.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"}).status_code == 401


def test_passwords_are_stored_with_argon2id(db: Database) -> None:
    with db.engine.connect() as conn:
        hashes = [row[0] for row in conn.execute(text("SELECT password_hash FROM learner"))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any("password" in h for h in hashes)
