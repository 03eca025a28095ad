"""Services: the checks that keep a demo setup from being served to the world (refused at start)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from learnapp.persistence import ops_deployment
from learnapp.persistence.db import Database, default_database
from learnapp.persistence.migrate import schema_problem
from learnapp.services.accounts.learners import authenticate
from learnapp.services.operations.demo import DEMO_ACCOUNTS
from learnapp.services.operations.population import PASSWORD_HASH
from learnapp.settings import allowed_origins, get_settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
TEST_FAULTS = "LEARNAPP_TEST_FAULTS"  # test-only fault switch (learnapp/services/operations/test_faults.py)
HOW_TO = (
    "Production start: LEARNAPP_DEMO=false LEARNAPP_ORIGIN=https://<your host> LEARNAPP_METRICS_TOKEN=<secret> "
    "make run, on a database the demo never filled (LEARNAPP_DATABASE_URL)."
)


def is_local(origin: str) -> bool:
    """Served only to this machine: the demo's well-known passwords and open /metrics harm no one."""
    return (urlsplit(origin).hostname or "") in LOCAL_HOSTS


def deployment_problems(db: Database) -> list[str]:
    """Why the app must not start as configured (empty: it may). A local origin has none but a database whose
    schema is not this code's."""
    origin = allowed_origins()[0]
    problems = [problem] if (problem := schema_problem(db.url)) else []
    if is_local(origin):
        return problems
    if os.environ.get(TEST_FAULTS):
        problems.append(f"{TEST_FAULTS} is a test-only fault switch: unset it")
    if not get_settings().metrics_token:
        problems.append(f"/metrics is open to anyone: set LEARNAPP_METRICS_TOKEN (origin {origin} is not local)")
    for email, _name, password, _role in DEMO_ACCOUNTS:
        if authenticate(db, email, password) is not None:
            problems.append(f"the demo account {email} still accepts its published password '{password}'")
    with db.snapshot() as conn:
        population = ops_deployment.email_with_password_hash(conn, PASSWORD_HASH)
    if population is not None:
        problems.append(f"generated demo learners (such as {population}) share the published population password")
    return problems


def refusal(problems: list[str]) -> str:
    """The message an operator sees when the app refuses to start."""
    lines = [f"learnapp refuses to start at {allowed_origins()[0]}:", *(f"  - {p}" for p in problems), HOW_TO]
    return "\n".join(lines)


def refuse_unsafe_start() -> None:
    """At app start: exit with the reasons (status 1) instead of serving a demo setup at a public origin."""
    if is_local(allowed_origins()[0]):
        return  # the demo: no database access at import time
    problems = deployment_problems(default_database())
    if problems:
        raise SystemExit(refusal(problems))
