"""Rate limits: log-in 10 attempts a minute per client and email; the API 120 requests a minute per learner."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import httpx

from learnapp.api import sign_in_limits
from learnapp.api.v1.limits import RATE_LIMIT
from learnapp.persistence.db import Database
from tests.api.conftest import assert_error
from tests.app_pool import api_app
from tests.security.conftest import ALICE, BOB, COOKIE, Api, Browser, Tokens, rows_of

LOGIN_LIMIT = 10
API_LIMIT = 120
LIMITED = "Too many attempts"


def fresh_client(db: Database) -> Browser:
    """The log-in counter lives in the process: each test comes from its own address so tests never share it."""
    number = uuid.uuid4().int
    return Browser(api_app(db), ip=f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}")


def attempt(client: Browser, email: str, password: str, **headers: str) -> httpx.Response:
    return client.post("/auth/login", data={"email": email, "password": password, "next": "/"}, headers=headers)


def signed_in(response: httpx.Response) -> bool:
    return f"{COOKIE}=" in response.headers.get("set-cookie", "")


def refused_as_limited(response: httpx.Response) -> bool:
    return response.status_code == 303 and LIMITED in unquote(response.headers["location"]) and not signed_in(response)


def test_the_documented_limits_are_the_configured_ones() -> None:
    assert (sign_in_limits.LOGIN_LIMIT.amount, sign_in_limits.LOGIN_LIMIT.get_expiry()) == (LOGIN_LIMIT, 60)
    assert (RATE_LIMIT.amount, RATE_LIMIT.get_expiry()) == (API_LIMIT, 60)


def test_the_eleventh_login_attempt_is_refused_even_with_the_right_password(db: Database) -> None:
    client = fresh_client(db)
    for number in range(LOGIN_LIMIT):
        response = attempt(client, "alice@example.com", f"guess-{number}")
        assert "not right" in unquote(response.headers["location"]), f"attempt {number + 1} was limited too early"
    assert refused_as_limited(attempt(client, "alice@example.com", "alice-password"))


def test_spelling_the_email_differently_does_not_reset_the_count(db: Database) -> None:
    client = fresh_client(db)
    spellings = [
        "alice@example.com",
        "ALICE@example.com",
        " alice@example.com",
        "Alice@Example.Com ",
        "alice@EXAMPLE.com",
    ]
    for number in range(LOGIN_LIMIT):
        attempt(client, spellings[number % len(spellings)], f"guess-{number}")
    for spelling in spellings:
        assert refused_as_limited(attempt(client, spelling, "alice-password")), spelling


def test_forwarding_headers_do_not_make_a_new_client(db: Database) -> None:
    """Behind no trusted proxy, a client that claims other addresses is still the same client."""
    client = fresh_client(db)
    for number in range(LOGIN_LIMIT):
        fake = f"203.0.113.{number}"
        attempt(client, "alice@example.com", f"guess-{number}", **{"X-Forwarded-For": fake, "X-Real-IP": fake})
    fake = "198.51.100.7"
    headers = {"X-Forwarded-For": fake, "X-Real-IP": fake, "Forwarded": f"for={fake}"}
    assert refused_as_limited(attempt(client, "alice@example.com", "alice-password", **headers))


def test_an_attacker_does_not_lock_alice_out_of_her_own_browser(db: Database) -> None:
    attacker = fresh_client(db)
    for number in range(LOGIN_LIMIT):
        attempt(attacker, "alice@example.com", f"guess-{number}")
    assert refused_as_limited(attempt(attacker, "alice@example.com", "alice-password"))
    assert signed_in(attempt(fresh_client(db), "alice@example.com", "alice-password"))


def test_the_api_answers_429_with_retry_after_past_120_requests_a_minute(api: Api, tokens: Tokens) -> None:
    for number in range(API_LIMIT):
        assert api.get("/me").status_code == 200, f"request {number + 1} was refused"
    response = api.get("/me")
    error = assert_error(response, 429, "rate_limited")
    assert error["message"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    # Per learner: Bob is not slowed down by Alice's script.
    assert api.as_(tokens.bob).get("/me").status_code == 200


def test_a_request_over_the_limit_changes_nothing(api: Api, db: Database) -> None:
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}).status_code == 201
    for _ in range(API_LIMIT - 1):
        api.get(f"/learners/{ALICE}/next-lesson")
    before_alice, before_bob = rows_of(db, ALICE), rows_of(db, BOB)
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"}), 429, "rate_limited")
    batch = {"events": [{"id": "late", "type": "lesson_completed", "lesson": "b2"}]}
    assert_error(api.post(f"/learners/{ALICE}/events", batch), 429, "rate_limited")
    assert_error(api.delete(f"/learners/{ALICE}/completions/b1"), 429, "rate_limited")
    assert rows_of(db, ALICE) == before_alice and rows_of(db, BOB) == before_bob
