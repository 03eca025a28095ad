"""API apps for fixtures, built once per process and lent to one test at a time, as fresh as a new create_api(db).

Building the FastAPI app costs ~0.1 s (a pydantic adapter for every parameter of every route) and a request ~0.5 ms,
so a new app per test was most of the per-test cost of the API and security suites. An app's only state of its own
is on app.state: its token rate-limit counters (api/v1/deps.py) and the database its routes read (api/deps.py). A
lent app gets the test's database and empty counters; two fixtures of one test get two apps, as two create_api would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from limits.storage import Storage

from learnapp.api import rate_counters
from learnapp.api.app import create_api
from learnapp.persistence.db import Database


class BoundDatabase(Database):
    """Stands for the current test's Database: the lent app's routes read this object (app.state), not the test's."""

    def __init__(self) -> None:  # no engine of its own: bind() lends the test's
        pass

    def bind(self, db: Database) -> None:
        self.url, self.is_sqlite, self.engine = db.url, db.is_sqlite, db.engine


@dataclass
class Pooled:
    app: FastAPI
    db: BoundDatabase
    counters: list[Storage]  # every store the app's rate limiters count in (reset for each test)


_free: list[Pooled] = []
_lent: list[Pooled] = []


def _build() -> Pooled:
    made: list[Storage] = []
    real = rate_counters.counters

    def recorded() -> Storage:
        made.append(real())
        return made[-1]

    bound = BoundDatabase()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rate_counters, "counters", recorded)
        app = create_api(bound)
    # The sign-in counters are the process's (reset before every test by tests/conftest.py), not the app's.
    own = [store for store in made if store is not rate_counters.sign_in_counters()]
    assert own, "the API app made no rate-limit counters of its own: app_pool's reset would miss them"
    return Pooled(app, bound, own)


def api_app(db: Database) -> FastAPI:
    """An app that serves `db` with fresh token rate-limit counters: create_api(db), without the build each time."""
    if os.environ.get(rate_counters.REDIS_URL):
        return create_api(db)  # counters in a shared Redis: nothing to reset here, build as the app would
    pooled = _free.pop() if _free else _build()
    pooled.db.bind(db)
    for store in pooled.counters:
        store.reset()
    _lent.append(pooled)
    return pooled.app


def give_back() -> None:
    """After each test (tests/conftest.py): every app lent to it may serve the next test."""
    _free.extend(_lent)
    _lent.clear()
