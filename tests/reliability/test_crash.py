"""Crash: SIGKILL the served app three times while completions stream in, on SQLite and on a durable PostgreSQL.

The app runs as in production (`reflex run --env prod`, API and websocket only). Each round, completions arrive
over the REST API and over the websocket (the lesson player's Mark as Complete) at once; once enough are
acknowledged, one more request is written to the app's socket and, before its answer, the whole process group is
killed with SIGKILL (on PostgreSQL the database server crashes too: immediate stop, fsync and synchronous commits
on). Then, before anything is restarted: every acknowledged completion is stored with the very time the app
answered, and stored progress equals progress recomputed from the facts. After the restart: resending the request
that was in flight gives 200 with the stored record if it had been stored, else 201 (never a second record), and the
API's progress answer equals the database's rows and the facts.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bench.reflex_socket import ReflexSocket, SocketError, lesson_route
from learnapp.persistence.catalog import load_catalog
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.accounts.tokens import create_token
from learnapp.services.engine.enrollment import enroll_course
from tests.backing import create_database
from tests.e2e.server import Setup, start_on_free_port, stop_server
from tests.reliability.durable_postgres import DurablePostgres, durable_postgres
from tests.services.helpers import assert_stored_equals_recomputed, stored_moment

pytestmark = pytest.mark.e2e

COURSE = "algorithms-in-depth"
PASSWORD = "crash-test-2026"
ROUNDS = 3
PER_ROUND = 12  # acknowledgements (over both paths) before each kill


@dataclass
class App:
    """The served app, killed and restarted on the same database (and, on PostgreSQL, the same crashed cluster)."""

    folder: Path
    setup: Setup
    database_url: str
    postgres: DurablePostgres | None = None
    url: str = ""
    server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.server, self.url = start_on_free_port(self.folder, self.setup)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.server is not None:
            stop_server(self.server, sig)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)
        if self.postgres is not None:
            self.postgres.crash()
            self.postgres.start()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    if request.param == "sqlite":
        served = App(tmp_path, Setup(backend_only=True), f"sqlite:///{tmp_path / 'e2e.db'}")
        served.start()
        yield served
        served.stop()
        return
    with durable_postgres() as cluster:
        url = create_database(cluster.url, "crash")
        served = App(tmp_path, Setup(database_url=url, backend_only=True), url, cluster)
        served.start()
        yield served
        served.stop()


@dataclass
class Learner:
    id: int
    email: str
    token: str
    acked: dict[str, datetime] = field(default_factory=dict)  # lesson -> the time the app answered with

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def learner(db: Database, email: str) -> Learner:
    account = create_learner(db, email, "Crash Learner", PASSWORD)
    enroll_course(db, account.id, COURSE)
    return Learner(account.id, email, create_token(db, account.id, "crash").secret)


def countable_lessons(db: Database) -> list[str]:
    with db.read() as session:
        course = load_catalog(session).course(COURSE)
        assert course is not None
        return [lesson.slug for lesson in course.lessons if lesson.countable]


def stored(db: Database, learner_id: int) -> dict[str, list[datetime]]:
    """Every stored completion of the learner: lesson -> its times (one each, or the check below fails)."""
    query = text(
        "SELECT l.slug, c.completed_at FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id"
        " WHERE c.learner_id = :id"
    )
    found: dict[str, list[datetime]] = {}
    with db.snapshot() as connection:
        for slug, at in connection.execute(query, {"id": learner_id}):
            found.setdefault(str(slug), []).append(moment(at))
    return found


def moment(value: object) -> datetime:
    """A stored or answered time as naive UTC (SQLite stores microseconds, PostgreSQL and the API give zoned times)."""
    stored = stored_moment(value)
    assert stored is not None
    return stored.astimezone(UTC).replace(tzinfo=None)


class Round:
    """One round's acknowledgements, shared by the two senders; `enough` once the kill may come."""

    def __init__(self) -> None:
        self.count = 0
        self.paths: set[str] = set()
        self.enough = threading.Event()
        self.lock = threading.Lock()

    def add(self, who: Learner, lesson: str, at: datetime, path: str) -> None:
        with self.lock:
            who.acked[lesson] = at
            self.count += 1
            self.paths.add(path)
            if self.count >= PER_ROUND and self.paths == {"api", "socket"}:
                self.enough.set()


def send_over_api(url: str, who: Learner, todo: list[str], now: Round) -> None:
    with httpx.Client(base_url=url, headers=who.headers, timeout=10) as client:
        for lesson in todo:
            try:
                response = client.post(f"/api/v1/learners/{who.id}/completions", json={"lesson": lesson})
            except httpx.HTTPError:
                return  # the app is gone: this one was never acknowledged
            if response.status_code == 201:
                now.add(who, lesson, moment(response.json()["completed_at"]), "api")


async def click_over_socket(url: str, who: Learner, todo: list[str], now: Round) -> None:
    login = httpx.post(f"{url}/auth/login", data={"email": who.email, "password": PASSWORD}, timeout=10)
    socket_ = ReflexSocket(url, cookie=f"learnapp_session={login.cookies['learnapp_session']}", timeout=10)
    try:
        await socket_.connect(lesson_route(COURSE, todo[0]))
        for lesson in todo:
            route = lesson_route(COURSE, lesson)
            await socket_.open(route)
            await socket_.mark_complete(route)
            now.add(who, lesson, datetime.min, "socket")  # the tab shows no time: only "it is stored" is checked
    except SocketError:
        return  # killed mid-event: not acknowledged
    finally:
        await socket_.close()


def write_request(url: str, who: Learner, lesson: str) -> socket.socket:
    """A whole completion request written to the app's socket; its answer is never read (the app dies first)."""
    parsed = httpx.URL(url)
    body = json.dumps({"lesson": lesson}).encode()
    head = (
        f"POST /api/v1/learners/{who.id}/completions HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\n"
        f"Authorization: Bearer {who.token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", parsed.port or 80), timeout=10)
    connection.sendall(head.encode() + body)
    return connection


def check_on_disk(db: Database, people: list[Learner]) -> None:
    """What survived the crash, before any restart: every acknowledged completion, with its acknowledged time."""
    for who in people:
        kept = stored(db, who.id)
        lost = sorted(set(who.acked) - set(kept))
        assert not lost, f"lost after the crash: {lost}"
        moved = {x: (at, kept[x][0]) for x, at in who.acked.items() if at != datetime.min and kept[x][0] != at}
        assert not moved, f"stored at another time than acknowledged: {moved}"
    assert_stored_equals_recomputed(db)


def check_served_progress(url: str, db: Database, who: Learner) -> None:
    """The restarted app's progress answer equals the stored row, which equals the facts."""
    answer = httpx.get(f"{url}/api/v1/learners/{who.id}/progress", headers=who.headers, timeout=10)
    assert answer.status_code == 200, answer.text
    [course] = [c for c in answer.json()["courses"] if c["course"] == COURSE]
    query = text(
        "SELECT e.completed, e.total, e.percent, e.is_complete FROM enrollment e JOIN course c ON c.id = e.course_id"
        " WHERE e.learner_id = :id AND c.slug = :course"
    )
    with db.snapshot() as connection:
        row = connection.execute(query, {"id": who.id, "course": COURSE}).one()
    served = (course["completed"], course["total"], course["percent"], course["complete"])
    assert served == (row[0], row[1], row[2], bool(row[3]))
    assert course["completed"] == len(stored(db, who.id))


def test_every_acknowledged_completion_survives_repeated_sigkills_and_progress_stays_consistent(app: App) -> None:
    db = Database(app.database_url)
    try:
        lessons = countable_lessons(db)
        over_api, over_socket, in_flight = (learner(db, f"crash-{x}@example.com") for x in ("api", "ws", "flight"))
        people = [over_api, over_socket, in_flight]
        for number in range(ROUNDS):
            now = Round()
            todo = {who.id: [x for x in lessons if x not in stored(db, who.id)] for who in people}
            api = threading.Thread(target=send_over_api, args=(app.url, over_api, todo[over_api.id], now))
            clicks = click_over_socket(app.url, over_socket, todo[over_socket.id], now)
            ws = threading.Thread(target=asyncio.run, args=(clicks,))
            api.start()
            ws.start()
            assert now.enough.wait(timeout=60), f"round {number}: the app did not acknowledge enough completions"
            pending_lesson = todo[in_flight.id][0]
            pending = write_request(app.url, in_flight, pending_lesson)
            app.kill()  # the written request, and each sender's current one, are in flight
            pending.close()
            api.join(timeout=30)
            ws.join(timeout=30)
            assert not api.is_alive() and not ws.is_alive()
            db.dispose()  # the old connections died with the app (on PostgreSQL with the server)
            check_on_disk(db, people)

            app.start()
            kept = stored(db, in_flight.id).get(pending_lesson)
            resent = httpx.post(
                f"{app.url}/api/v1/learners/{in_flight.id}/completions",
                json={"lesson": pending_lesson},
                headers=in_flight.headers,
                timeout=10,
            )
            assert resent.status_code == (200 if kept else 201), resent.text
            if kept:
                assert moment(resent.json()["completed_at"]) == kept[0]
            in_flight.acked[pending_lesson] = moment(resent.json()["completed_at"])
            for who in people:
                check_served_progress(app.url, db, who)
        assert sum(len(who.acked) for who in people) >= ROUNDS * (PER_ROUND + 1)
    finally:
        db.dispose()
