"""Spreadsheet formulas: the admin's CSV download and the CLI export neutralise them with one function."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import col

from learnapp.cli import main
from learnapp.domain.spreadsheet import csv_text, safe_cell
from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin import learners as admin_learners
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations import export
from learnapp.settings import get_settings
from tests.security.conftest import Browser, Sessions

DANGEROUS = [
    '=HYPERLINK("https://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    " +1",
    "   @cmd",
    " \t=1",
]
HARMLESS = ["Ann Smith", "a=b", "x-y", "mail@example.com", "", "1+1"]


def test_the_one_function_quotes_what_starts_a_formula_and_nothing_else() -> None:
    for payload in DANGEROUS:
        assert safe_cell(payload) == "'" + payload, repr(payload)
    for text in HARMLESS:
        assert safe_cell(text) == text
    for value in (-5, 3.5, None, True):
        assert safe_cell(value) == value  # numbers stay numbers


def test_both_exports_write_with_the_same_function() -> None:
    assert admin_learners.csv_text is csv_text and export.csv_text is csv_text


@pytest.fixture
def named(db: Database) -> dict[str, str]:
    """A learner per payload, enrolled in course-b; stored names are taken as they are (legacy rows, imports)."""
    emails: dict[str, str] = {}
    for i, payload in enumerate(DANGEROUS + HARMLESS[:1]):
        account = create_learner(db, f"p{i}@example.com", f"Person {i}", "password-123")
        with db.engine.begin() as conn:
            conn.execute(update(Learner).where(col(Learner.id) == account.id).values(name=payload))
        enroll_course(db, account.id, "course-b")
        emails[account.email] = payload
    return emails


def names_by_email(text: str) -> dict[str, str]:
    return {row["email"]: row["name"] for row in csv.DictReader(io.StringIO(text, newline=""))}


def expected(emails: dict[str, str]) -> dict[str, str]:
    return {email: safe_cell(name) for email, name in emails.items()}


def test_the_admin_csv_download_neutralises_every_payload(
    browser: Browser, sessions: Sessions, named: dict[str, str]
) -> None:
    response = browser.signed_in(sessions.admin).get("/admin-files/courses/course-b/progress.csv")
    assert response.status_code == 200
    names = names_by_email(response.text)
    assert {e: names[e] for e in named} == expected(named)
    assert all(names[e].startswith("'") for e, payload in named.items() if payload in DANGEROUS)


@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_csv_export_neutralises_exactly_as_the_admin_csv(
    cli_database: None, db: Database, named: dict[str, str]
) -> None:
    result = CliRunner().invoke(main, ["progress", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    names = names_by_email(result.output)
    assert {e: names[e] for e in named} == expected(named)
    admin_names = names_by_email(admin_learners.course_progress_csv(db, "course-b"))
    assert {e: names[e] for e in named} == {e: admin_names[e] for e in named}  # the two files agree cell for cell
