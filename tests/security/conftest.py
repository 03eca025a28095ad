"""Security suite fixtures: the API fixtures of tests/api, a browser-like cookie client, and Bob's data to guard."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text

from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import start_session
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.notices.certificates import certificates_of, issue_due
from tests.api.conftest import Api, Tokens, api, tokens  # noqa: F401 - fixtures re-exported for this folder
from tests.app_pool import api_app
from tests.conftest import ADMIN, ALICE, BOB

COOKIE = "learnapp_session"


@dataclass
class Browser:
    """Calls the ASGI app like a browser would: one client address, cookies it was given, extra headers."""

    app: FastAPI
    ip: str = "10.20.30.40"
    scheme: str = "http"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(self.ip, 51000))
            base = f"{self.scheme}://learnapp.test"
            async with httpx.AsyncClient(transport=transport, base_url=base, cookies=self.cookies) as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(call())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def signed_in(self, session: str | None) -> Browser:
        """The same app and address, carrying `session` as its cookie (None: no cookie at all)."""
        return Browser(self.app, self.ip, self.scheme, {COOKIE: session} if session else {})


@pytest.fixture
def browser(db: Database) -> Browser:
    return Browser(api_app(db))


@dataclass(frozen=True)
class Sessions:
    alice: str
    bob: str
    admin: str


@pytest.fixture
def sessions(db: Database) -> Sessions:
    """A signed-in browser session (the cookie value) for each account."""
    return Sessions(start_session(db, ALICE), start_session(db, BOB), start_session(db, ADMIN))


@dataclass(frozen=True)
class BobsData:
    certificate_code: str


@pytest.fixture
def bobs_data(db: Database) -> BobsData:
    """Bob has something to steal or spoil: enrollments, completions, a finished course, an issued PDF, time spent."""
    enroll_course(db, BOB, "ac-course")
    enroll_course(db, BOB, "course-b")
    record_completion(db, BOB, "b1")
    record_completion(db, BOB, "s1")
    record_completion(db, BOB, "s2")
    apply_events(db, BOB, [ClientEventIn("bob-evt-1", "lesson_viewed", "b2", seconds=120)])
    assert issue_due(db) == 1
    [certificate] = certificates_of(db, BOB)
    assert certificate.status == "issued"
    return BobsData(certificate.code)


# When a credential was last used is bookkeeping, not the learner's data: using your own token updates it.
USAGE_COLUMNS = {"last_used_at", "last_seen_at"}
# Delivery bookkeeping the app's workers write on their own schedule (taking outbox events, sending, retrying). What
# they deliver comes from rows compared elsewhere (outbox_event, password_reset), so a change an attacker causes
# still shows there.
DELIVERY_TABLES = {"outbox_receipt", "mail_message", "webhook_delivery", "xapi_statement"}


def rows_of(db: Database, learner_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to a learner, in every table with a learner_id (and the account row itself)."""
    schema = inspect(db.engine)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in sorted(schema.get_table_names()):
            names = [c["name"] for c in schema.get_columns(table)]
            owner = "id" if table == "learner" else "learner_id"
            if owner in names:
                columns = ", ".join(f'"{name}"' for name in names if name not in USAGE_COLUMNS)
                query = f'SELECT {columns} FROM "{table}" WHERE "{owner}" = :id ORDER BY 1'  # noqa: S608 - schema names
                found[table] = [tuple(row) for row in conn.execute(text(query), {"id": learner_id})]
    assert found["learner"], f"no learner {learner_id}"
    return found


__all__ = [
    "ADMIN",
    "ALICE",
    "BOB",
    "COOKIE",
    "DELIVERY_TABLES",
    "Api",
    "Browser",
    "BobsData",
    "Sessions",
    "Tokens",
    "rows_of",
]
