"""`learnapp token create` prints a working token once; `learnapp token revoke ID` stops it at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.accounts.tokens import list_tokens, token_caller
from learnapp.settings import get_settings
from tests.conftest import BOB


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = db_url
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", url)
    get_settings.cache_clear()
    database = Database(url)
    yield database
    database.dispose()
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_token_create_prints_a_token_that_authenticates_as_the_learner(cli_db: Database) -> None:
    code, output = run("token", "create", "--email", "Bob@Example.com", "--name", "grading script")
    assert code == 0 and "will not be shown again" in output
    secret = output.strip().splitlines()[-1]
    caller = token_caller(cli_db, secret)
    assert caller is not None and caller.account.id == BOB
    assert [t.name for t in list_tokens(cli_db, BOB)] == ["grading script"]


def test_token_create_refuses_an_unknown_email_or_an_empty_name(cli_db: Database) -> None:
    assert run("token", "create", "--email", "nobody@example.com", "--name", "x") == (
        1,
        "No account with email nobody@example.com\n",
    )
    code, output = run("token", "create", "--email", "bob@example.com", "--name", "  ")
    assert code == 1 and "Name the token" in output


def test_token_revoke_stops_the_token(cli_db: Database) -> None:
    secret = run("token", "create", "--email", "bob@example.com", "--name", "ci")[1].strip().splitlines()[-1]
    token_id = list_tokens(cli_db, BOB)[0].id
    code, output = run("token", "revoke", str(token_id))
    assert code == 0 and f"revoked token {token_id} 'ci'" in output
    assert token_caller(cli_db, secret) is None
    assert run("token", "revoke", "999")[0] == 1
