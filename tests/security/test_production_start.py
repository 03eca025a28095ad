"""The production start: no demo accounts with LEARNAPP_DEMO=false, and no start at a public origin while demo
passwords work or /metrics is open; the local demo starts as before."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlmodel import col

from alembic import command
from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import alembic_config, upgrade
from learnapp.persistence.tables import CourseRow, Learner
from learnapp.services.accounts.learners import create_learner, find_account, hash_password
from learnapp.services.operations.demo import DEMO_ACCOUNTS
from learnapp.services.operations.deployment import deployment_problems, refuse_unsafe_start
from learnapp.services.operations.population import PASSWORD_HASH
from learnapp.settings import ROOT, get_settings

pytestmark = pytest.mark.slow  # starts the app in processes: `make test` runs it, `make test-fast` does not

PUBLIC = "https://learn.example.com"
DEMO_LEARNER, _, DEMO_PASSWORD, _ = DEMO_ACCOUNTS[0]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[pytest.MonkeyPatch]:
    """LEARNAPP_* as an operator sets them, on this test's database; settings re-read before and after."""
    for name in list(os.environ):
        if name.startswith("LEARNAPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def configure(env: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        env.setenv(f"LEARNAPP_{name.upper()}", value)
    get_settings.cache_clear()


def check(db: Database) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check-deployment"])
    return result.exit_code, result.output


def with_demo_learner(db: Database) -> None:
    create_learner(db, DEMO_LEARNER, "Ada Learner", DEMO_PASSWORD)


def test_a_public_origin_is_refused_while_a_demo_password_works(db: Database, env: pytest.MonkeyPatch) -> None:
    with_demo_learner(db)
    configure(env, origin=PUBLIC, metrics_token="s3cret-metrics")
    [problem] = deployment_problems(db)
    assert DEMO_LEARNER in problem and DEMO_PASSWORD in problem
    code, output = check(db)
    assert code == 1 and DEMO_LEARNER in output and "LEARNAPP_DEMO=false" in output
    with pytest.raises(SystemExit) as refused:
        refuse_unsafe_start()
    assert "refuses to start" in str(refused.value.code) and DEMO_LEARNER in str(refused.value.code)


def test_a_public_origin_is_refused_while_metrics_are_open(db: Database, env: pytest.MonkeyPatch) -> None:
    configure(env, origin=PUBLIC)
    [problem] = deployment_problems(db)
    assert "LEARNAPP_METRICS_TOKEN" in problem and "/metrics" in problem
    assert check(db)[0] == 1


def test_a_public_origin_is_refused_while_generated_learners_share_the_published_password(
    db: Database, env: pytest.MonkeyPatch
) -> None:
    create_learner(db, "learner000001.s1@population.example", "Generated", "whatever-password")
    with db.write() as session:
        session.execute(
            update(Learner).where(col(Learner.email).like("%@population.example")).values(password_hash=PASSWORD_HASH)
        )
    configure(env, origin=PUBLIC, metrics_token="s3cret-metrics")
    [problem] = deployment_problems(db)
    assert "learner000001.s1@population.example" in problem


def test_a_public_origin_starts_once_the_demo_passwords_fail_and_metrics_are_closed(
    db: Database, env: pytest.MonkeyPatch
) -> None:
    with_demo_learner(db)
    with db.write() as session:  # what an operator's own password change leaves behind
        session.execute(
            update(Learner).where(col(Learner.email) == DEMO_LEARNER).values(password_hash=hash_password("changed-1"))
        )
    configure(env, origin=PUBLIC, metrics_token="s3cret-metrics")
    assert deployment_problems(db) == []
    assert check(db)[0] == 0
    refuse_unsafe_start()  # returns: the app starts


@pytest.mark.parametrize("origin", ["", "http://localhost:3000", "http://127.0.0.1:8000", "http://[::1]:3000"])
def test_the_local_demo_still_starts_with_its_passwords_and_open_metrics(
    db: Database, env: pytest.MonkeyPatch, origin: str
) -> None:
    with_demo_learner(db)
    configure(env, origin=origin)
    assert deployment_problems(db) == []
    assert check(db)[0] == 0


def import_app(db_url: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import the app module as `reflex run` does at start, in a fresh process with these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNAPP_")}
    env |= {"LEARNAPP_DATABASE_URL": db_url} | {f"LEARNAPP_{k.upper()}": v for k, v in variables.items()}
    command = [sys.executable, "-c", "import learnapp.learnapp"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_app_itself_refuses_to_start_and_the_local_demo_starts(db: Database, db_url: str) -> None:
    with_demo_learner(db)
    refused = import_app(db_url, origin=PUBLIC)
    assert refused.returncode == 1, refused.stderr[-2000:]
    assert "refuses to start" in refused.stderr and "LEARNAPP_METRICS_TOKEN" in refused.stderr
    assert DEMO_LEARNER in refused.stderr and "Traceback" not in refused.stderr
    started = import_app(db_url)
    assert started.returncode == 0, started.stderr[-2000:]


def test_demo_false_imports_the_catalog_without_demo_accounts(empty_url: str, env: pytest.MonkeyPatch) -> None:
    upgrade(empty_url)
    configure(env, database_url=empty_url, demo="false")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "no demo accounts" in result.output and DEMO_PASSWORD not in result.output
    db = Database(empty_url)
    try:
        assert all(find_account(db, email) is None for email, *_ in DEMO_ACCOUNTS)
        with db.read() as session:
            assert session.execute(select(func.count()).select_from(CourseRow)).scalar()  # the catalog is there
    finally:
        db.dispose()


def test_a_database_on_another_schema_is_refused_until_it_is_upgraded(
    db: Database, db_url: str, env: pytest.MonkeyPatch
) -> None:
    assert check(db) == (0, "deployment checks passed\n")
    db.dispose()
    command.downgrade(alembic_config(db_url), "-1")  # the code would misread it (SQLite's moments: text, not integers)
    code, output = check(db)
    assert code == 1 and "learnapp db upgrade" in output
    [problem] = deployment_problems(db)
    assert "this code's is" in problem
    upgrade(db_url)
    assert deployment_problems(db) == [] and check(db)[0] == 0
