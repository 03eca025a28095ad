"""API token limits: one request budget per learner, at most 20 live tokens, expiry, last use written sparingly."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from learnapp.api.app import create_api
from learnapp.api.rate_counters import moving_window
from learnapp.api.v1.errors import http_status
from learnapp.api.v1.limits import BUDGET, RATE_LIMIT
from learnapp.cli import main
from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import ApiToken
from learnapp.services.accounts.tokens import MAX_LIVE, create_token, list_tokens, revoke_token, token_caller
from learnapp.services.errors import Conflict, InvalidRequest
from tests.api.conftest import assert_error
from tests.security.conftest import ADMIN, ALICE, BOB, Api, Tokens

API_LIMIT = 120


@pytest.fixture
def fresh_api(db: Database, tokens: Tokens) -> Api:
    """Alice's client on an app of its own, every learner's budget untouched.

    In memory the new app's counters start empty; with REFLEX_REDIS_URL they are shared beyond the app, so clear them.
    """
    counters = moving_window()
    for learner in (ALICE, BOB, ADMIN):
        counters.clear(RATE_LIMIT, BUDGET, str(learner))
    return Api(create_api(db), tokens.alice)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def set_expiry(db: Database, token_id: int, at: datetime) -> None:
    """Moves a token's expiry, standing in for the time passing."""
    with db.transaction() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=at))  # type: ignore[arg-type]


def live_count(db: Database, learner_id: int) -> int:
    return sum(view.active for view in list_tokens(db, learner_id))


# --- one budget per learner ---


def test_two_tokens_of_one_learner_share_one_budget(fresh_api: Api, db: Database, tokens: Tokens) -> None:
    second = fresh_api.as_(create_token(db, ALICE, "second script").secret)
    for number in range(API_LIMIT):
        client = fresh_api if number % 2 else second
        assert client.get("/me").status_code == 200, f"request {number + 1} was refused"
    for client in (fresh_api, second):
        response = client.get("/me")
        error = assert_error(response, 429, "rate_limited")
        assert "all its tokens share one budget" in error["message"]
        assert 1 <= int(response.headers["retry-after"]) <= 60
    # Bob's and the admin's budgets are their own.
    assert fresh_api.as_(tokens.bob).get("/me").status_code == 200
    assert fresh_api.as_(tokens.admin).get("/me").status_code == 200


def test_a_new_token_does_not_buy_a_fresh_budget(fresh_api: Api, db: Database) -> None:
    for _ in range(API_LIMIT):
        fresh_api.get("/me")
    assert_error(fresh_api.get("/me"), 429, "rate_limited")
    brand_new = fresh_api.as_(create_token(db, ALICE, "after the limit").secret)
    assert_error(brand_new.get("/me"), 429, "rate_limited")


# --- at most 20 live tokens ---


def test_the_twenty_first_live_token_is_refused_and_creates_nothing(db: Database) -> None:
    for number in range(MAX_LIVE):
        create_token(db, BOB, f"script {number}")
    with pytest.raises(Conflict) as refused:
        create_token(db, BOB, "one too many")
    assert http_status(refused.value) == 409 and refused.value.details == {"limit": MAX_LIVE}
    assert f"{MAX_LIVE} active tokens" in refused.value.message
    assert len(list_tokens(db, BOB)) == MAX_LIVE
    # Another learner is not affected by Bob's tokens.
    assert create_token(db, ALICE, "alice's own").token.active


def test_revoked_and_expired_tokens_free_their_place(db: Database) -> None:
    made = [create_token(db, BOB, f"script {number}").token for number in range(MAX_LIVE)]
    revoke_token(db, made[0].id)
    create_token(db, BOB, "in the revoked one's place")
    set_expiry(db, made[1].id, utcnow() - timedelta(seconds=1))
    create_token(db, BOB, "in the expired one's place")
    with pytest.raises(Conflict):
        create_token(db, BOB, "one too many")
    assert live_count(db, BOB) == MAX_LIVE


def test_concurrent_creations_never_pass_the_cap(db: Database) -> None:
    for number in range(MAX_LIVE - 1):
        create_token(db, BOB, f"script {number}")
    racers = 6
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(number: int) -> None:
        start.wait()
        try:
            create_token(db, BOB, f"racer {number}")
            outcomes.append("created")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=race, args=(number,)) for number in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * (racers - 1)
    assert live_count(db, BOB) == MAX_LIVE


def test_the_cli_refuses_the_twenty_first_token_with_exit_code_1(cli_db: Database) -> None:
    for number in range(MAX_LIVE):
        create_token(cli_db, BOB, f"script {number}")
    code, output = cli("token", "create", "--email", "bob@example.com", "--name", "one too many")
    assert code == 1 and "already has 20 active tokens" in " ".join(output.split())
    assert "la_" not in output and len(list_tokens(cli_db, BOB)) == MAX_LIVE


# --- expiry ---


def test_a_token_may_expire_and_stops_at_that_very_moment(db: Database) -> None:
    created = create_token(db, BOB, "for a month", expires_in_days=30)
    expires = created.token.expires_at
    assert expires == created.token.created_at + timedelta(days=30)
    assert token_caller(db, created.secret, at=expires - timedelta(milliseconds=1)) is not None
    assert token_caller(db, created.secret, at=expires) is None
    assert create_token(db, BOB, "for ever").token.expires_at is None


@pytest.mark.parametrize("days", [0, -1, 366])
def test_an_impossible_expiry_is_refused_and_creates_nothing(db: Database, days: int) -> None:
    with pytest.raises(InvalidRequest, match="1 to 365 days"):
        create_token(db, BOB, "odd", expires_in_days=days)
    assert list_tokens(db, BOB) == []


def test_an_expired_token_is_refused_exactly_like_a_revoked_one(fresh_api: Api, db: Database) -> None:
    expiring, revoked = create_token(db, ALICE, "expiring", 30), create_token(db, ALICE, "revoked")
    assert fresh_api.as_(expiring.secret).get("/me").status_code == 200
    revoke_token(db, revoked.token.id)
    set_expiry(db, expiring.token.id, utcnow() - timedelta(seconds=1))
    as_expired, as_revoked = fresh_api.as_(expiring.secret).get("/me"), fresh_api.as_(revoked.secret).get("/me")
    assert_error(as_expired, 401, "unauthorized")
    assert as_expired.json() == as_revoked.json()
    assert as_expired.headers["www-authenticate"] == as_revoked.headers["www-authenticate"] == "Bearer"


def test_the_api_list_shows_created_last_used_and_expires(fresh_api: Api, db: Database) -> None:
    expiring = create_token(db, ALICE, "expiring", 90)
    set_expiry(db, create_token(db, ALICE, "expired", 30).token.id, utcnow() - timedelta(minutes=1))
    fresh_api.as_(expiring.secret).get("/me")
    listed = {t["name"]: t for t in fresh_api.get("/tokens").json()}
    assert {"created_at", "last_used_at", "expires_at", "active"} <= set(listed["expiring"])
    assert listed["expiring"]["last_used_at"] is not None and listed["expiring"]["active"] is True
    assert datetime.fromisoformat(listed["expiring"]["expires_at"]) == expiring.token.expires_at
    assert listed["expired"]["active"] is False and listed["expired"]["revoked_at"] is None
    assert listed["alice's script"]["expires_at"] is None


def test_the_openapi_document_describes_the_expiry() -> None:
    token = create_api().openapi()["components"]["schemas"]["TokenPublic"]
    assert {"expires_at", "last_used_at", "active"} <= set(token["required"])
    assert "expires" in token["properties"]["expires_at"]["description"]


def test_the_cli_creates_an_expiring_token_and_lists_it(cli_db: Database) -> None:
    code, output = cli("token", "create", "--email", "bob@example.com", "--name", "ci", "--expires-in-days", "90")
    assert code == 0 and "expires 20" in output
    assert list_tokens(cli_db, BOB)[0].expires_at is not None
    code, output = cli("token", "create", "--email", "bob@example.com", "--name", "x", "--expires-in-days", "0")
    assert code == 1 and "1 to 365 days" in output and len(list_tokens(cli_db, BOB)) == 1
    code, output = cli("token", "list", "--email", "bob@example.com")
    assert code == 0 and "ci" in output and "active" in output and "never" in output  # never used yet


# --- last use, written sparingly ---


def test_last_use_is_written_at_most_once_a_minute(db: Database) -> None:
    secret = create_token(db, BOB, "busy script").secret
    first = utcnow()
    token_caller(db, secret, at=first)
    assert list_tokens(db, BOB)[0].last_used_at == first
    for seconds in (1, 30, 59):
        token_caller(db, secret, at=first + timedelta(seconds=seconds))
    assert list_tokens(db, BOB)[0].last_used_at == first  # no write for uses within the minute
    later = first + timedelta(seconds=61)
    token_caller(db, secret, at=later)
    assert list_tokens(db, BOB)[0].last_used_at == later
