"""The reset and unsubscribe routes over HTTP: same answer for every email, rate limits, sessions ended, one click."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

import httpx

from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import authenticate
from learnapp.services.accounts.sessions import session_account, start_session
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.mail.preferences import email_preferences
from learnapp.services.mail.reminders import queue_reminders
from tests.app_pool import api_app
from tests.conftest import ALICE
from tests.mail.conftest import queued, queued_link
from tests.mail.test_reminders import days_ahead


class Client:
    def __init__(self, db: Database, ip: str = "10.7.7.7") -> None:
        self.app, self.ip = api_app(db), ip

    def call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(self.ip, 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
                return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

        return asyncio.run(run())


def test_asking_for_a_link_answers_the_same_whether_or_not_the_email_has_an_account(db: Database) -> None:
    client = Client(db)
    known = client.call("POST", "/auth/forgot-password", data={"email": "alice@example.com"})
    unknown = client.call("POST", "/auth/forgot-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/forgot-password?sent=1"
    assert [str(m["To"]) for m in queued(db)] == ["Alice <alice@example.com>"]


def test_a_reset_through_the_form_ends_every_session_and_the_link_works_once(db: Database) -> None:
    elsewhere = start_session(db, ALICE, "a stolen laptop")
    client = Client(db)
    client.call("POST", "/auth/forgot-password", data={"email": "alice@example.com"})
    token = queued_link(db).split("token=", 1)[1]
    done = client.call("POST", "/auth/reset-password", data={"token": token, "password": "new-password-42"})
    assert done.status_code == 303 and done.headers["location"] == "/reset-password?done=1"
    assert session_account(db, elsewhere) is None
    assert authenticate(db, "alice@example.com", "new-password-42") is not None
    assert authenticate(db, "alice@example.com", "alice-password") is None
    again = client.call("POST", "/auth/reset-password", data={"token": token, "password": "third-password"})
    assert "expired or was already used" in unquote(again.headers["location"])
    assert authenticate(db, "alice@example.com", "third-password") is None


def test_a_short_password_or_a_made_up_token_changes_nothing(db: Database) -> None:
    client = Client(db)
    client.call("POST", "/auth/forgot-password", data={"email": "alice@example.com"})
    token = queued_link(db).split("token=", 1)[1]
    short = client.call("POST", "/auth/reset-password", data={"token": token, "password": "short"})
    assert "at least 8 characters" in unquote(short.headers["location"])
    made_up = client.call("POST", "/auth/reset-password", data={"token": "x" * 5000, "password": "long-enough-1"})
    assert made_up.status_code == 303 and "expired" in unquote(made_up.headers["location"])
    assert authenticate(db, "alice@example.com", "alice-password") is not None


def test_asking_for_links_is_rate_limited_and_foreign_forms_are_refused(db: Database) -> None:
    client = Client(db, ip="10.7.7.8")
    answers = [
        client.call("POST", "/auth/forgot-password", data={"email": f"n{i}@example.com"}).headers["location"]
        for i in range(6)
    ]
    assert answers[:5] == ["/forgot-password?sent=1"] * 5 and "Too many attempts" in unquote(answers[5])
    foreign = Client(db).call(
        "POST", "/auth/forgot-password", data={"email": "alice@example.com"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and queued(db) == []


def test_the_unsubscribe_link_works_without_logging_in_and_only_when_signed(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    queue_reminders(db, days_ahead(8, 10))
    [message] = queued(db)
    link = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:3000")
    client = Client(db)
    page = client.call("GET", link)
    assert page.status_code == 200 and 'method="post"' in page.text and email_preferences(db, ALICE)["reminders"]
    forged = client.call("POST", link.replace("reminders.", "reminders.0"), data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404 and email_preferences(db, ALICE)["reminders"]
    other = client.call("POST", link.replace("t=1.", "t=2."), data={"List-Unsubscribe": "One-Click"})
    assert other.status_code == 404
    done = client.call("POST", link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails" in done.text
    assert email_preferences(db, ALICE) == {
        "course_completed": True,
        "certificate_ready": True,
        "milestones": False,
        "reminders": False,
    }
