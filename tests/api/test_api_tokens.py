"""Bearer tokens over HTTP: 401 without a live token, stored hashed, last use recorded, revocable, others' are 404."""

from __future__ import annotations

from sqlalchemy import select

from learnapp.persistence.db import Database
from learnapp.persistence.tables import ApiToken
from learnapp.services.accounts.tokens import create_token, list_tokens, revoke_token
from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE, BOB


def test_me_names_the_tokens_learner(api: Api, tokens: Tokens) -> None:
    assert api.get("/me").json() == {
        "id": ALICE,
        "email": "alice@example.com",
        "name": "Alice",
        "role": "learner",
        "time_zone": "Europe/Paris",
    }
    assert api.as_(tokens.admin).get("/me").json()["role"] == "admin"


def test_a_missing_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = api.get("/me", token=None)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_or_another_scheme_is_401(api: Api, tokens: Tokens) -> None:
    assert_error(api.get("/me", token="la_made-up"), 401, "unauthorized")
    basic = api.get("/me", token=None, headers={"Authorization": f"Basic {tokens.alice}"})
    assert_error(basic, 401, "unauthorized")


def test_only_a_hash_and_a_display_prefix_are_stored(db: Database, tokens: Tokens) -> None:
    with db.read() as session:
        rows = session.execute(select(ApiToken)).scalars().all()
    stored = " ".join(f"{r.token_hash} {r.prefix} {r.name}" for r in rows)
    assert tokens.alice not in stored and tokens.alice[3:20] not in stored
    assert rows[0].prefix == tokens.alice[:10] and rows[0].prefix.startswith("la_")


def test_using_a_token_records_its_last_use(api: Api, db: Database) -> None:
    assert list_tokens(db, ALICE)[0].last_used_at is None
    api.get("/me")
    assert list_tokens(db, ALICE)[0].last_used_at is not None


def test_the_token_list_shows_prefix_and_times_but_never_the_secret(api: Api, tokens: Tokens) -> None:
    listed = api.get("/tokens").json()
    assert [t["name"] for t in listed] == ["alice's script"]
    assert listed[0]["prefix"] == tokens.alice[:10] and listed[0]["active"] is True
    assert listed[0]["last_used_at"] is not None and tokens.alice not in str(listed)


def test_a_revoked_token_stops_working_at_once(api: Api, db: Database) -> None:
    token_id = list_tokens(db, ALICE)[0].id
    assert api.delete(f"/tokens/{token_id}").status_code == 204
    assert_error(api.get("/me"), 401, "unauthorized")
    assert list_tokens(db, ALICE)[0].revoked_at is not None


def test_another_learners_token_is_404_and_stays_active(api: Api, db: Database) -> None:
    bobs = list_tokens(db, BOB)[0].id
    assert_error(api.delete(f"/tokens/{bobs}"), 404, "not_found")
    assert_error(api.delete("/tokens/999999"), 404, "not_found")
    assert list_tokens(db, BOB)[0].active


def test_each_learner_has_several_independent_tokens(db: Database) -> None:
    first, second = create_token(db, BOB, "laptop"), create_token(db, BOB, "ci")
    assert first.secret != second.secret
    revoke_token(db, first.token.id)
    assert [t.active for t in list_tokens(db, BOB) if t.name in ("laptop", "ci")] == [False, True]
