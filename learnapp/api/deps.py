"""API: what the app's routes depend on: its database, and the account behind the session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from learnapp.api.auth import COOKIE
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import Account
from learnapp.services.accounts.sessions import session_account


def bind_database(api: FastAPI, get_db: Callable[[], Database]) -> None:
    """The database an app's routes use (create_api's, or the default one): read per request, so tests can lend it."""
    api.state.database = get_db


async def database(request: Request) -> Database:
    """The database of the app serving the request; async, so taking it costs no thread hop."""
    get_db: Callable[[], Database] = request.app.state.database
    return get_db()


DB = Annotated[Database, Depends(database)]


def visitor(request: Request, db: DB) -> Account | None:
    """The signed-in account of the browser's session cookie, or None (unknown, ended, expired or idle)."""
    return session_account(db, request.cookies.get(COOKIE))


Visitor = Annotated[Account | None, Depends(visitor)]
