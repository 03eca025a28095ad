"""API fixtures: the ASGI app on a real SQLite copy, called through httpx, with tokens for Alice, Bob and the admin."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.accounts.tokens import create_token
from tests.app_pool import api_app
from tests.conftest import ADMIN, ALICE, BOB

V1 = "/api/v1"


@dataclass
class Api:
    """Calls the ASGI app through httpx.ASGITransport; `token` is sent as a bearer unless overridden."""

    app: FastAPI
    token: str | None = None

    def request(self, method: str, path: str, token: str | None = "", **kwargs: Any) -> httpx.Response:
        secret = self.token if token == "" else token
        headers = {**({"Authorization": f"Bearer {secret}"} if secret else {}), **kwargs.pop("headers", {})}

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
                return await client.request(method, V1 + path, headers=headers, **kwargs)

        return asyncio.run(call())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def as_(self, token: str | None) -> Api:
        """The same app (same rate-limit counters), another caller."""
        return Api(self.app, token)


@dataclass(frozen=True)
class Tokens:
    alice: str
    bob: str
    admin: str


@pytest.fixture
def tokens(db: Database) -> Tokens:
    return Tokens(
        create_token(db, ALICE, "alice's script").secret,
        create_token(db, BOB, "bob's script").secret,
        create_token(db, ADMIN, "admin's script").secret,
    )


@pytest.fixture
def api(db: Database, tokens: Tokens) -> Api:
    """Alice's client; `api.as_(tokens.bob)` and `api.as_(tokens.admin)` for the others."""
    return Api(api_app(db), tokens.alice)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Every error has the one shape; returns its body's "error" object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code and body["error"]["message"], body
    return body["error"]


def joined_on(db: Database, learner_id: int, at: datetime) -> None:
    """Date the account's creation back: a learner's own token cannot record completions dated before it."""
    with db.engine.begin() as conn:
        conn.execute(update(Learner).where(col(Learner.id) == learner_id).values(created_at=at))
