"""API isolation: a learner's token acts on that learner only; admin endpoints need an admin; dead tokens are 401.

Routes are read from the app itself, so an endpoint added later is covered (or fails here until it is).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from learnapp.api.app import create_api
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import start_session
from learnapp.services.accounts.tokens import create_token, digest, list_tokens, revoke_token
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.integrations.webhook_delivery import fan_out
from learnapp.services.integrations.webhooks import add_endpoint
from learnapp.settings import get_settings
from tests.api.conftest import V1, assert_error
from tests.security.conftest import ALICE, BOB, Api, BobsData, Tokens, rows_of

# Bob has completed b1 (ac-course) and all of course-b; these would all change his data if they reached him.
BODIES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/learners/{learner_id}/enrollments"): {"pathway": "path"},
    ("POST", "/learners/{learner_id}/completions"): {"lesson": "b2"},
    ("POST", "/learners/{learner_id}/events"): {
        "events": [
            {"id": "evil-1", "type": "lesson_completed", "lesson": "b3"},
            {"id": "evil-2", "type": "lesson_viewed", "lesson": "b2", "seconds": 600},
        ]
    },
    ("POST", "/admin/courses/{course}/recalculate"): None,
    ("POST", "/learners/{learner_id}/courses/{course}/reset"): None,
    ("POST", "/admin/webhooks"): {"url": "http://127.0.0.1:9/other", "events": ["lesson.completed"]},
    ("PATCH", "/admin/webhooks/{endpoint_id}"): {"enabled": False},
    ("POST", "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend"): None,
}
PARAMS = {
    "course": "ac-course",
    "pathway": "path",
    "lesson": "b1",
    "token_id": "1",
    "endpoint_id": "1",
    "delivery_id": "1",
}


def api_routes(prefix: str) -> list[tuple[str, str]]:
    """(method, path under /api/v1) of every route in the OpenAPI document whose path starts with `prefix`."""
    paths = create_api().openapi()["paths"]
    return sorted(
        (method.upper(), path.removeprefix(V1))
        for path, operations in paths.items()
        if path.startswith(V1 + prefix)
        for method in operations
    )


LEARNER_ROUTES = api_routes("/learners/")
ADMIN_ROUTES = api_routes("/admin/")
ALL_ROUTES = api_routes("/")
PUBLIC = {("GET", "/health")}


def fill(path: str, learner_id: int | str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(learner_id if m[1] == "learner_id" else PARAMS[m[1]]), path)


def call(api: Api, method: str, template: str, learner_id: int | str, **kwargs: Any) -> Any:
    if method == "POST" and (method, template) not in BODIES:
        pytest.fail(f"no request body written for the new endpoint {method} {template}: add one to BODIES")
    return api.request(method, fill(template, learner_id), json=BODIES.get((method, template)), **kwargs)


def completed_lessons(db: Database, learner_id: int) -> set[str]:
    query = "SELECT l.slug FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id WHERE c.learner_id = :id"
    with db.engine.connect() as conn:
        return {row[0] for row in conn.execute(text(query), {"id": learner_id})}


def test_the_route_lists_are_not_empty() -> None:
    """Guards the parametrisations below against silently testing nothing."""
    assert len(LEARNER_ROUTES) >= 12 and len(ADMIN_ROUTES) >= 4 and ("GET", "/me") in ALL_ROUTES


@pytest.mark.parametrize(("method", "template"), LEARNER_ROUTES, ids=[f"{m} {p}" for m, p in LEARNER_ROUTES])
def test_alice_cannot_reach_bob_on_any_learner_endpoint(
    api: Api, tokens: Tokens, db: Database, bobs_data: BobsData, method: str, template: str
) -> None:
    before = rows_of(db, BOB)
    response = call(api, method, template, BOB)
    assert_error(response, 404, "not_found")
    assert "bob" not in response.text.lower()
    assert rows_of(db, BOB) == before
    # The control: the same request with Bob's own token does reach him, so the 404 above means something.
    own = call(api.as_(tokens.bob), method, template, BOB)
    assert 200 <= own.status_code < 300, own.text


SPELLINGS = ["02", "+2", "2.0", " 2", "2%20", "0x2", "1,2", "bob@example.com", "bob", "-1"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_other_spellings_of_bobs_id_never_reach_him(api: Api, db: Database, bobs_data: BobsData, spelling: str) -> None:
    # One spelling per test: each test's app has its own request budget (every route, every spelling is over it).
    before = rows_of(db, BOB)
    for method, template in LEARNER_ROUTES:
        response = call(api, method, template, spelling)
        assert response.status_code in (404, 422), (spelling, method, template, response.status_code, response.text)
    assert rows_of(db, BOB) == before


SMUGGLED = {"learner_id": str(BOB), "learner": str(BOB), "id": str(BOB), "email": "bob@example.com", "user": "bob"}


def test_a_learner_in_the_query_string_is_ignored_on_reads(api: Api, bobs_data: BobsData) -> None:
    reads = [t for m, t in LEARNER_ROUTES if m == "GET"] + ["/me", "/tokens"]
    for template in reads:
        plain = api.get(fill(template, ALICE))
        smuggled = api.get(fill(template, ALICE), params=SMUGGLED, headers={"X-Learner-Id": str(BOB)})
        assert plain.status_code == smuggled.status_code == 200, (template, smuggled.text)
        strip = re.compile(r'"last_used_at":"[^"]*"')  # /tokens records each use
        assert strip.sub("", smuggled.text) == strip.sub("", plain.text), template
        assert "bob" not in smuggled.text.lower()
    assert api.get("/me", params=SMUGGLED).json()["id"] == ALICE


def test_a_learner_in_the_query_string_is_ignored_on_writes(api: Api, db: Database, bobs_data: BobsData) -> None:
    before = rows_of(db, BOB)
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}, params=SMUGGLED).status_code == 201
    assert api.post(f"/learners/{ALICE}/completions", {"lesson": "b2"}, params=SMUGGLED).status_code == 201
    assert api.delete(f"/learners/{ALICE}/completions/b2", params=SMUGGLED).status_code == 204
    events = {"events": [{"id": "q-1", "type": "lesson_completed", "lesson": "b3"}]}
    assert api.post(f"/learners/{ALICE}/events", events, params=SMUGGLED).status_code == 200
    assert rows_of(db, BOB) == before
    mine = rows_of(db, ALICE)
    assert len(mine["enrollment"]) == 1 and len(mine["lesson_completion"]) == 1


@pytest.mark.parametrize("key", ["learner_id", "learner", "learnerId", "email", "user_id", "actor_id"])
def test_a_learner_in_a_body_is_refused_and_changes_nothing(
    api: Api, db: Database, bobs_data: BobsData, key: str
) -> None:
    value: Any = "bob@example.com" if key == "email" else BOB
    bodies = [
        (f"/learners/{ALICE}/enrollments", {"course": "course-a", key: value}),
        (f"/learners/{ALICE}/completions", {"lesson": "b2", key: value}),
        (
            f"/learners/{ALICE}/events",
            {"events": [{"id": "e-1", "type": "lesson_completed", "lesson": "b2"}], key: value},
        ),
        (
            f"/learners/{ALICE}/events",
            {"events": [{"id": "e-2", "type": "lesson_completed", "lesson": "b2", key: value}]},
        ),
        (
            f"/learners/{ALICE}/events",
            {"events": [{"id": "e-3", "type": "lesson_viewed", "lesson": "b2", "seconds": 60, key: value}]},
        ),
        (
            f"/learners/{ALICE}/events",
            {"events": [{"id": "e-4", "type": "course_completed", "course": "course-b", key: value}]},
        ),
    ]
    before_bob, before_alice = rows_of(db, BOB), rows_of(db, ALICE)
    for path, body in bodies:
        assert_error(api.post(path, body), 422, "validation_error")
    assert rows_of(db, BOB) == before_bob and rows_of(db, ALICE) == before_alice


def test_a_claim_for_bobs_finished_course_is_judged_on_alices_facts(
    api: Api, db: Database, bobs_data: BobsData
) -> None:
    """Bob finished course-b; Alice claiming it with her own id must be rejected (her facts), not accepted (his)."""
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"}).status_code == 201
    claim = {"events": [{"id": "claim-1", "type": "course_completed", "course": "course-b"}]}
    error = assert_error(api.post(f"/learners/{ALICE}/events", claim), 400, "claim_rejected")
    assert error["details"]["missing_modules"]


def test_client_event_ids_are_per_learner(api: Api, tokens: Tokens, db: Database) -> None:
    """Bob's event id must not make Alice's event a 'duplicate' (returning Bob's result) or a 409."""
    for token, learner in ((tokens.bob, BOB), (tokens.alice, ALICE)):
        assert api.as_(token).post(f"/learners/{learner}/enrollments", {"course": "ac-course"}).status_code == 201
    batch = {"events": [{"id": "shared-id", "type": "lesson_completed", "lesson": "b1"}]}
    assert api.as_(tokens.bob).post(f"/learners/{BOB}/events", batch).json()["results"][0]["status"] == "applied"
    same = api.post(f"/learners/{ALICE}/events", batch)
    assert same.status_code == 200 and same.json()["results"][0]["status"] == "applied", same.text
    other = {"events": [{"id": "shared-id-2", "type": "lesson_completed", "lesson": "b2"}]}
    api.as_(tokens.bob).post(f"/learners/{BOB}/events", other)
    before = rows_of(db, BOB)
    clash = api.post(f"/learners/{ALICE}/events", {"events": [{**other["events"][0], "lesson": "b3"}]})
    assert clash.status_code == 200 and clash.json()["results"][0]["status"] == "applied", clash.text
    assert rows_of(db, BOB) == before
    assert completed_lessons(db, ALICE) == {"b1", "b3"} and completed_lessons(db, BOB) == {"b1", "b2"}


def test_alice_cannot_list_or_revoke_bobs_tokens(api: Api, tokens: Tokens, db: Database) -> None:
    bobs = list_tokens(db, BOB)[0]
    listed = api.get("/tokens").json()
    assert bobs.id not in {t["id"] for t in listed} and all(t["prefix"] != bobs.prefix for t in listed)
    assert_error(api.delete(f"/tokens/{bobs.id}"), 404, "not_found")
    assert list_tokens(db, BOB)[0].revoked_at is None
    assert api.as_(tokens.bob).get("/me").json()["id"] == BOB


@pytest.fixture
def webhook(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Webhook endpoint 1 (a loopback receiver, allowed for the test) with delivery 1 queued: the admin's controls."""
    monkeypatch.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    add_endpoint(db, "http://127.0.0.1:9/hook", ["enrollment.created"])
    enroll_course(db, ALICE, "course-b")
    assert fan_out(db) >= 1  # delivery 1 exists
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(("method", "template"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p in ADMIN_ROUTES])
def test_admin_endpoints_answer_403_to_learner_tokens(
    api: Api, tokens: Tokens, db: Database, bobs_data: BobsData, webhook: None, method: str, template: str
) -> None:
    before = rows_of(db, BOB)
    for token in (tokens.alice, tokens.bob):
        assert_error(call(api.as_(token), method, template, BOB), 403, "forbidden")
    assert rows_of(db, BOB) == before
    admin = call(api.as_(tokens.admin), method, template, BOB)
    assert 200 <= admin.status_code < 300, admin.text


def dead_credentials(db: Database, tokens: Tokens) -> dict[str, dict[str, str]]:
    revoked = create_token(db, ALICE, "revoked")
    revoke_token(db, revoked.token.id)
    revoked_admin = create_token(db, 3, "revoked admin")
    revoke_token(db, revoked_admin.token.id)
    return {
        "none": {},
        "revoked": {"Authorization": f"Bearer {revoked.secret}"},
        "revoked-admin": {"Authorization": f"Bearer {revoked_admin.secret}"},
        "garbage": {"Authorization": "Bearer la_not-a-real-token-at-all"},
        "empty": {"Authorization": "Bearer "},
        "stored-hash": {"Authorization": f"Bearer {digest(tokens.alice)}"},
        "prefix-only": {"Authorization": f"Bearer {tokens.alice[:10]}"},
        "case-changed": {"Authorization": f"Bearer {tokens.alice.swapcase()}"},
        "basic-scheme": {"Authorization": f"Basic {tokens.alice}"},
        "session-cookie": {"Cookie": f"learnapp_session={start_session(db, ALICE)}"},
    }


def test_every_api_endpoint_answers_401_to_missing_revoked_or_forged_credentials(
    api: Api, tokens: Tokens, db: Database, bobs_data: BobsData
) -> None:
    before_bob, before_alice = rows_of(db, BOB), rows_of(db, ALICE)
    routes = [r for r in ALL_ROUTES if r not in PUBLIC]
    assert len(routes) > len(LEARNER_ROUTES) + len(ADMIN_ROUTES)
    for name, headers in dead_credentials(db, tokens).items():
        for method, template in routes:
            for learner in (ALICE, BOB):
                body = BODIES.get((method, template))
                response = api.request(method, fill(template, learner), token=None, json=body, headers=headers)
                assert response.status_code == 401, (name, method, template, response.text)
                assert_error(response, 401, "unauthorized")
    assert rows_of(db, BOB) == before_bob
    after_alice = rows_of(db, ALICE)
    after_alice.pop("login_session"), before_alice.pop("login_session")  # dead_credentials signed Alice in
    after_alice.pop("api_token"), before_alice.pop("api_token")  # and created revoked tokens
    assert after_alice == before_alice
    assert list_tokens(db, ALICE)[0].revoked_at is None


def test_a_token_revoked_through_the_api_stops_at_once(api: Api, db: Database) -> None:
    second = create_token(db, ALICE, "second")
    assert api.get("/me", token=second.secret).status_code == 200
    assert api.delete(f"/tokens/{second.token.id}").status_code == 204
    for method, template in LEARNER_ROUTES:
        response = api.request(method, fill(template, ALICE), token=second.secret, json=BODIES.get((method, template)))
        assert_error(response, 401, "unauthorized")
