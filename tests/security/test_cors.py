"""CORS in process: the API itself never answers a foreign origin with permission to read (the served app: see
test_served_origins.py, where Reflex adds its CORS middleware limited to the app's own origin)."""

from __future__ import annotations

from tests.security.conftest import Browser, Sessions, Tokens

EVIL = "http://evil.example"


def test_no_route_grants_a_foreign_origin(browser: Browser, sessions: Sessions, tokens: Tokens) -> None:
    alice = browser.signed_in(sessions.alice)
    answers = [
        browser.get("/api/v1/health", headers={"Origin": EVIL}),
        browser.get("/api/v1/me", headers={"Origin": EVIL, "Authorization": f"Bearer {tokens.alice}"}),
        alice.get("/me/export.json", headers={"Origin": EVIL}),
        browser.request(
            "OPTIONS",
            "/api/v1/me",
            headers={
                "Origin": EVIL,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        ),
    ]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]  # the requests themselves are served
    for answer in answers:
        assert answer.headers.get("access-control-allow-origin") not in (EVIL, "*"), answer.request.url
