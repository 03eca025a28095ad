"""Crash: SIGKILL the served app while completions stream in; after a restart every acknowledged one is there.

The app runs as it does in production (`reflex run --env prod`, SQLite in WAL mode), API and websocket only.
Completions arrive over the REST API and over the websocket (the lesson player's Mark as Complete) at the same
time; the whole process group is killed with SIGKILL right after a batch of acknowledgements, with requests still
in flight. After a restart on the same database file, every acknowledged completion must be stored, nothing must be
stored twice, and stored progress must equal progress recomputed from the facts.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bench.reflex_socket import ReflexSocket, SocketError, lesson_route
from learnapp.persistence.catalog import load_catalog
from learnapp.persistence.db import Database
from learnapp.services.accounts import create_learner
from learnapp.services.enrollment import enroll_course
from learnapp.services.tokens import create_token
from tests.e2e.server import Setup, free_port, prepare_database, server_env, start_server, stop_server, wait_until_up
from tests.services.helpers import assert_stored_equals_recomputed

COURSE = "algorithms-in-depth"
PASSWORD = "crash-test-2026"
BEFORE_KILL = 40  # acknowledgements (over both paths) before the kill


class App:
    """The served app, restartable on the same database."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.setup = folder, Setup(backend_only=True)
        port = free_port()
        self.url = f"http://localhost:{port}"
        self.env = server_env(folder, port, self.setup)
        prepare_database(self.env)
        self.server = start_server(folder, self.env, self.setup)
        wait_until_up(self.url, self.server, folder / "server.log", frontend=False)

    def kill(self) -> None:
        stop_server(self.server, signal.SIGKILL)

    def restart(self) -> None:
        self.server = start_server(self.folder, self.env, self.setup)
        wait_until_up(self.url, self.server, self.folder / "server.log", frontend=False)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    served = App(tmp_path)
    yield served
    stop_server(served.server)


def learner(db: Database, email: str) -> int:
    account = create_learner(db, email, "Crash Learner", PASSWORD)
    enroll_course(db, account.id, COURSE)
    return account.id


def lessons(db: Database) -> list[str]:
    with db.read() as session:
        course = load_catalog(session).course(COURSE)
        assert course is not None
        return [lesson.slug for lesson in course.lessons if lesson.countable]


def stored(db: Database, learner_id: int) -> list[str]:
    query = text(
        "SELECT l.slug FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id WHERE c.learner_id = :id"
    )
    with db.snapshot() as connection:
        return [str(slug) for slug in connection.execute(query, {"id": learner_id}).scalars()]


class Acknowledged:
    """Lessons the app confirmed, per path; shared by the two senders."""

    def __init__(self) -> None:
        self.api: list[str] = []
        self.socket: list[str] = []
        self.enough = threading.Event()
        self.lock = threading.Lock()

    def add(self, into: list[str], lesson: str) -> None:
        with self.lock:
            into.append(lesson)
            if len(self.api) + len(self.socket) >= BEFORE_KILL and self.api and self.socket:
                self.enough.set()


def send_over_api(url: str, token: str, learner_id: int, todo: list[str], acked: Acknowledged) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=5) as client:
        for lesson in todo:
            try:
                response = client.post(f"/api/v1/learners/{learner_id}/completions", json={"lesson": lesson})
            except httpx.HTTPError:
                return  # the server is gone: this one was never acknowledged
            if response.status_code == 201:
                acked.add(acked.api, lesson)


async def click_over_socket(url: str, cookie: str, todo: list[str], acked: Acknowledged) -> None:
    socket = ReflexSocket(url, cookie=cookie, timeout=5)
    try:
        await socket.connect(lesson_route(COURSE, todo[0]))
        for lesson in todo:
            route = lesson_route(COURSE, lesson)
            await socket.open(route)
            await socket.mark_complete(route)
            acked.add(acked.socket, lesson)
    except SocketError:
        return  # killed mid-event: not acknowledged
    finally:
        await socket.close()


def test_every_acknowledged_completion_survives_sigkill_and_progress_stays_consistent(app: App) -> None:
    db = Database(app.env["LEARNAPP_DATABASE_URL"])
    try:
        all_lessons = lessons(db)
        api_learner, socket_learner = learner(db, "crash-api@example.com"), learner(db, "crash-ws@example.com")
        token = create_token(db, api_learner, "crash").secret
        login = httpx.post(f"{app.url}/auth/login", data={"email": "crash-ws@example.com", "password": PASSWORD})
        cookie = f"learnapp_session={login.cookies['learnapp_session']}"
        acked = Acknowledged()
        api = threading.Thread(target=send_over_api, args=(app.url, token, api_learner, all_lessons, acked))
        ws = threading.Thread(target=lambda: asyncio.run(click_over_socket(app.url, cookie, all_lessons, acked)))
        api.start(), ws.start()
        assert acked.enough.wait(timeout=120), "the app did not acknowledge enough completions"
        app.kill()  # both senders still have requests in flight
        api.join(timeout=30), ws.join(timeout=30)
        with acked.lock:
            from_api, from_socket = list(acked.api), list(acked.socket)
        assert len(from_api) + len(from_socket) >= BEFORE_KILL

        app.restart()
        for learner_id, confirmed in ((api_learner, from_api), (socket_learner, from_socket)):
            kept = stored(db, learner_id)
            assert set(confirmed) <= set(kept), f"lost after the crash: {sorted(set(confirmed) - set(kept))}"
            assert len(kept) == len(set(kept)), "a completion was stored twice"
        assert_stored_equals_recomputed(db)
        # The restarted app serves what survived: the API agrees with the database.
        progress = httpx.get(
            f"{app.url}/api/v1/learners/{api_learner}/progress", headers={"Authorization": f"Bearer {token}"}
        )
        assert progress.status_code == 200
    finally:
        db.dispose()
