"""Browser auth routes over HTTP: HttpOnly SameSite cookie, safe redirects, rate limit, logout."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import session_account
from tests.app_pool import api_app

Poster = Callable[[str, dict[str, str]], httpx.Response]


def poster(db: Database, ip: str = "10.9.8.7") -> Poster:
    app = api_app(db)

    def post(path: str, form: dict[str, str]) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=app, client=(ip, 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
                return await client.post(path, data=form)

        return asyncio.run(call())

    return post


def cookie_of(response: httpx.Response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_login_sets_an_httponly_samesite_cookie_and_goes_to_next(db: Database) -> None:
    post = poster(db)
    response = post("/auth/login", {"email": "alice@example.com", "password": "alice-password", "next": "/courses/x"})
    assert response.status_code == 303 and response.headers["location"] == "/courses/x"
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "max-age=" in header
    account = session_account(db, cookie_of(response))
    assert account is not None and account.email == "alice@example.com"


def test_wrong_password_redirects_back_with_an_error_and_no_cookie(db: Database) -> None:
    response = poster(db)("/auth/login", {"email": "alice@example.com", "password": "nope-nope", "next": "/"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?error=")
    assert "set-cookie" not in response.headers


def test_next_never_leads_to_another_site(db: Database) -> None:
    post = poster(db)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = post("/auth/login", {"email": "alice@example.com", "password": "alice-password", "next": target})
        assert response.headers["location"] == "/my-learning"


def test_login_is_rate_limited_per_client_and_email(db: Database) -> None:
    post = poster(db, ip="10.1.1.1")
    for _ in range(10):
        post("/auth/login", {"email": "bob@example.com", "password": "wrong-wrong"})
    blocked = post("/auth/login", {"email": "bob@example.com", "password": "bob-password"})
    assert "Too%20many%20attempts" in blocked.headers["location"] and "set-cookie" not in blocked.headers
    other_client = poster(db, ip="10.2.2.2")("/auth/login", {"email": "bob@example.com", "password": "bob-password"})
    assert "set-cookie" in other_client.headers


def test_signup_creates_a_learner_and_signs_in(db: Database) -> None:
    form = {"name": "New Person", "email": "New@Example.com", "password": "long-enough-1", "next": "/"}
    response = poster(db)("/auth/signup", form)
    account = session_account(db, cookie_of(response))
    assert account is not None and (account.email, account.role) == ("new@example.com", "learner")


def test_signup_errors_come_back_as_a_message(db: Database) -> None:
    post = poster(db)
    short = post("/auth/signup", {"name": "X", "email": "x@example.com", "password": "short"})
    assert "8%20characters" in short.headers["location"]
    taken = post("/auth/signup", {"name": "A", "email": "alice@example.com", "password": "long-enough-1"})
    assert "already%20exists" in taken.headers["location"]


def test_logout_ends_the_session_on_the_server(db: Database) -> None:
    login = poster(db)("/auth/login", {"email": "alice@example.com", "password": "alice-password"})
    token = cookie_of(login)
    app = api_app(db)

    async def logout() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
            client.cookies.set("learnapp_session", token)
            return await client.post("/auth/logout")

    response = asyncio.run(logout())
    assert response.status_code == 303 and 'learnapp_session=""' in response.headers["set-cookie"]
    assert session_account(db, token) is None


def test_unknown_or_missing_session_tokens_are_nobody(db: Database) -> None:
    assert session_account(db, None) is None
    assert session_account(db, "made-up-token") is None


def test_download_my_data_needs_a_session_and_returns_only_mine(db: Database) -> None:
    from learnapp.services.engine.completion import record_completion
    from learnapp.services.engine.enrollment import enroll_course

    enroll_course(db, 1, "course-b")
    record_completion(db, 1, "s1")
    login = poster(db)("/auth/login", {"email": "bob@example.com", "password": "bob-password"})
    app = api_app(db)

    async def get(token: str | None) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
            if token:
                client.cookies.set("learnapp_session", token)
            return await client.get("/me/export.json")

    assert asyncio.run(get(None)).status_code == 401
    mine = asyncio.run(get(cookie_of(login)))
    assert mine.status_code == 200 and mine.json()["learner"]["email"] == "bob@example.com"
    assert mine.json()["completions"] == []
