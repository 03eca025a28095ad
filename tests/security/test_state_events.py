"""State events over Reflex's websocket, against the app served for real (API and websocket only).

A browser tab is a socket, a client token and whatever events its script sends; a learner can send any event name
with any payload and any router data. The learner is whoever the connection's session cookie says, nothing else:
- signed out, no handler changes anything;
- Alice, firing every handler of every state with hostile arguments and router data, changes only her own rows;
- admin handlers refuse a learner and change nothing (the same calls from the admin's socket work: the control);
- a client token is not a credential: connecting with Bob's token shows nothing of Bob, now or as he goes on;
- the session cookie never travels back over the socket.
Each check reads the database before and after. The handlers are enumerated from the app's state classes, so a
handler added later is attacked too.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from reflex.state import BaseState, State
from sqlalchemy import inspect as schema_of
from sqlalchemy import text

import learnapp.ui
import learnapp.ui.pages
from bench.reflex_socket import NAMESPACE, ReflexSocket, SocketError, lesson_route
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner, find_account
from learnapp.services.accounts.tokens import create_token
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.integrations.webhooks import add_endpoint, list_endpoints, set_endpoint_enabled
from learnapp.services.learning.progress import course_outline, record_time_spent
from learnapp.ui.live.tab_state import LearnerSync
from learnapp.ui.pages.admin_common import AdminState
from learnapp.ui.pages.admin_content import ContentState
from learnapp.ui.pages.admin_learner import LearnerAdminState
from learnapp.ui.pages.player import PlayerState
from learnapp.ui.pages.profile import ProfileState
from tests.e2e.server import Setup, served_app, served_content
from tests.security.conftest import COOKIE, DELIVERY_TABLES, USAGE_COLUMNS

# Every page's states, so that "every handler" below means every handler the app has, not only those imported here.
for _page in pkgutil.iter_modules(learnapp.ui.pages.__path__):
    importlib.import_module(f"learnapp.ui.pages.{_page.name}")

pytestmark = pytest.mark.e2e

COURSE = "python-basics"  # Bob and Dave finished it (certificates); Alice is enrolled
OTHER_COURSE = "sql-foundations"  # Bob is halfway; Alice is not enrolled
PATHWAY = "python-developer"
ADMIN_LOGIN = ("admin@example.com", "admin-demo-2026")
PASSWORD = "state-events-2026"
HOME: dict[str, Any] = {"pathname": "/", "asPath": "/", "query": {}}
SENTINEL = f"{PlayerState.get_full_name()}.toggle_outline"  # always answers with a delta of its own var
RECORDED: list[str] = []  # every message any socket of this module received


def page(path: str, **query: Any) -> dict[str, Any]:
    return {"pathname": path, "asPath": path, "query": query}


def event_name(cls: type[BaseState], handler: str) -> str:
    return f"{cls.get_full_name()}.{handler}"


@dataclass
class Tab(ReflexSocket):
    """A ReflexSocket that keeps every message it receives and can send events without waiting for them."""

    seen: list[str] = field(default_factory=list)

    def _keep(self, message: str) -> None:
        self.seen.append(message)
        RECORDED.append(message)

    def _drain(self) -> None:
        while not self._inbox.empty():
            message = self._inbox.get_nowait()
            if message == "":
                raise SocketError("socket closed")
            self._keep(message)

    async def _until(self, wanted: Any) -> str:
        try:
            return await super()._until(wanted)
        finally:
            for message in self.replies:
                self._keep(message)

    async def fire(self, name: str, route: dict[str, Any], payload: dict[str, Any] | None = None) -> None:
        """Send one event as a crafted client would, without waiting for any answer."""
        self._drain()
        body = {"name": name, "payload": payload or {}, "router_data": route}
        await self._send(f"42{NAMESPACE},{json.dumps(['event', body])}")

    async def settle(self) -> None:
        """Wait until the server has handled everything sent so far (and the events those chained)."""
        for _ in range(2):
            await self.event(SENTINEL, HOME, until=lambda message: "sidebar_hidden" in message)

    async def connect_silently(self, boot: dict[str, Any] | None = None) -> None:
        """Join the event namespace as a crafted client can: no hydrate, or a boot event of its choosing."""
        parts = urlsplit(self.url)
        address = f"ws://{parts.netloc}{NAMESPACE}/?token={self.token}&EIO=4&transport=websocket"
        headers = {"Origin": f"{parts.scheme}://{parts.netloc}"} | ({"Cookie": self.cookie} if self.cookie else {})
        self._socket = await websockets.connect(address, additional_headers=headers, compression=None)
        await asyncio.wait_for(self._socket.recv(), self.timeout)
        self._reader = asyncio.create_task(self._read())
        await self._socket.send(f"40{NAMESPACE}," + (json.dumps({"event": boot}) if boot else ""))

    async def collect(self) -> list[str]:
        """Everything that arrived since the last look, without sending anything (and without waiting: wait first on
        a signal that it would be here by now)."""
        await asyncio.sleep(0)  # the reader task takes what the socket already holds
        before = len(self.seen)
        self._drain()
        return self.seen[before:]

    async def collect_until(self, check: Callable[[list[str]], bool], seconds: float = 5.0) -> list[str]:
        """What arrives from now on, once `check` holds for it (failing after `seconds`)."""
        before, deadline = len(self.seen), time.monotonic() + seconds
        while True:
            self._drain()
            if check(self.seen[before:]):
                return self.seen[before:]
            if time.monotonic() > deadline:
                raise AssertionError(f"not received within {seconds} s: {self.seen[before:][-3:]}")
            await asyncio.sleep(0.02)  # polling the reader's queue


@dataclass(frozen=True)
class Learner:
    id: int
    email: str
    name: str
    cookie: str  # the Cookie header a browser sends: learnapp_session=<secret>

    @property
    def secret(self) -> str:
        return self.cookie.split("=", 1)[1]


@dataclass(frozen=True)
class World:
    url: str
    db: Database
    content: Path  # the served app's own catalog folder (the admin content page reads only under it)
    alice: Learner
    bob: Learner
    dave: Learner  # the learner the admin control acts on
    admin: Learner
    lessons: list[str]  # countable lessons of COURSE, in order
    other_lessons: list[str]  # countable lessons of OTHER_COURSE
    bob_certificate: int
    dave_certificate: int
    bob_token_id: int
    bob_token_secret: str

    def tab(self, who: Learner | None = None, **kwargs: Any) -> Tab:
        return Tab(self.url, cookie=who.cookie if who else "", timeout=20, **kwargs)


def countable(db: Database, course: str) -> list[str]:
    outline = course_outline(db, None, course)
    return [lesson.slug for module in outline.modules for lesson in module.lessons if not lesson.preview]


def log_in(url: str, email: str, password: str) -> str:
    response = httpx.post(f"{url}/auth/login", data={"email": email, "password": password, "next": "/"}, timeout=30)
    assert response.status_code == 303 and response.cookies.get(COOKIE), response.headers
    return f"{COOKIE}={response.cookies[COOKIE]}"


def wait_for_certificates(db: Database, timeout: float = 90) -> None:
    """The app's worker renders certificates in the background: let it finish before comparing databases."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            busy = conn.execute(text("SELECT count(*) FROM certificate WHERE status IN ('pending', 'working')"))
            if busy.scalar() == 0:
                return
        time.sleep(0.5)
    raise AssertionError("certificates still pending")


def certificate_id(db: Database, learner_id: int) -> int:
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM certificate WHERE learner_id = :id"), {"id": learner_id}).scalar()
    assert found is not None
    return int(found)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("state-events")
    with served_app(folder, Setup(backend_only=True)) as url:
        db = Database(f"sqlite:///{folder / 'e2e.db'}")
        tag = uuid.uuid4().hex[:6]
        lessons, other_lessons = countable(db, COURSE), countable(db, OTHER_COURSE)
        people = {}
        for who, name in (("alice", "Alice Liddell"), ("bob", "Bob Victimson"), ("dave", "Dave Bystander")):
            account = create_learner(db, f"{who}-{tag}@example.com", f"{name} {tag}", PASSWORD)
            people[who] = account
        alice, bob, dave = people["alice"], people["bob"], people["dave"]
        enroll_course(db, alice.id, COURSE)
        record_completion(db, alice.id, lessons[0])
        for learner in (bob, dave):
            enroll_course(db, learner.id, COURSE)
            for slug in lessons:
                record_completion(db, learner.id, slug)
        enroll_course(db, bob.id, OTHER_COURSE)
        for slug in other_lessons[:2]:
            record_completion(db, bob.id, slug)
        record_time_spent(db, bob.id, other_lessons[2], 300)
        token = create_token(db, bob.id, "bob's grading script")
        wait_for_certificates(db)
        admin = find_account(db, ADMIN_LOGIN[0])
        assert admin is not None
        yield World(
            url=url,
            db=db,
            content=served_content(folder),
            alice=Learner(alice.id, alice.email, alice.name, log_in(url, alice.email, PASSWORD)),
            bob=Learner(bob.id, bob.email, bob.name, log_in(url, bob.email, PASSWORD)),
            dave=Learner(dave.id, dave.email, dave.name, log_in(url, dave.email, PASSWORD)),
            admin=Learner(admin.id, admin.email, admin.name, log_in(url, *ADMIN_LOGIN)),
            lessons=lessons,
            other_lessons=other_lessons,
            bob_certificate=certificate_id(db, bob.id),
            dave_certificate=certificate_id(db, dave.id),
            bob_token_id=token.token.id,
            bob_token_secret=token.secret,
        )
        db.engine.dispose()


# --- What the database holds -------------------------------------------------------------------------------------


def rows(db: Database, but: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, except the rows of learner `but` (when given), credential-usage timestamps and the
    workers' delivery bookkeeping."""
    schema = schema_of(db.engine)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in sorted(set(schema.get_table_names()) - DELIVERY_TABLES):
            names = [c["name"] for c in schema.get_columns(table)]
            owner = "id" if table == "learner" else "learner_id" if "learner_id" in names else None
            columns = ", ".join(f'"{name}"' for name in names if name not in USAGE_COLUMNS)
            query = f'SELECT {columns} FROM "{table}"'  # noqa: S608 - names from the schema
            params: dict[str, Any] = {}
            if but is not None and owner is not None:
                query += f' WHERE "{owner}" != :but'
                params["but"] = but
            found[table] = sorted((tuple(row) for row in conn.execute(text(query), params)), key=repr)
    return found


def changed_tables(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    return [table for table in sorted(before.keys() | after.keys()) if before.get(table) != after.get(table)]


def completions(db: Database, learner_id: int) -> set[str]:
    query = "SELECT l.slug FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id WHERE c.learner_id = :id"
    with db.engine.connect() as conn:
        return {row[0] for row in conn.execute(text(query), {"id": learner_id})}


# --- What the socket received ------------------------------------------------------------------------------------


def deltas(messages: list[str]) -> list[dict[str, dict[str, Any]]]:
    """The state deltas among Socket.IO messages ('2/_event,["event",{"delta": ...}]')."""
    found = []
    for message in messages:
        if not message.startswith(f"2{NAMESPACE},"):
            continue
        try:
            kind, body = json.loads(message.split(",", 1)[1])
        except ValueError:
            continue
        if kind == "event" and isinstance(body, dict) and isinstance(body.get("delta"), dict):
            found.append(body["delta"])
    return found


def sync_values(messages: list[str], var: str) -> list[Any]:
    """Every value of LearnerSync.<var> the socket received."""
    name = LearnerSync.get_full_name()
    return [d[name][f"{var}_rx_state_"] for d in deltas(messages) if f"{var}_rx_state_" in d.get(name, {})]


def assert_nothing_of(victim: Learner, messages: list[str], *secrets: str, email: bool = True) -> None:
    """None of the victim's private values in what a socket received (his email only if the client never sent it)."""
    joined = "\n".join(messages)
    for private in (victim.name, victim.secret, *secrets, *([victim.email] if email else [])):
        assert private not in joined, f"{private!r} reached another client"


# --- Every handler of every state, with hostile arguments ------------------------------------------------------


def app_states() -> list[type[BaseState]]:
    """Every state class of the app (ours and Reflex's own), found from the root after importing all UI modules."""
    for module in pkgutil.walk_packages(learnapp.ui.__path__, "learnapp.ui."):
        importlib.import_module(module.name)
    found: list[type[BaseState]] = []
    pending: list[type[BaseState]] = [State]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(sorted(cls.get_substates(), key=lambda sub: sub.get_full_name()))
    return found


def handlers(states: list[type[BaseState]]) -> list[tuple[type[BaseState], str, list[str]]]:
    """(state, handler name, argument names) for every event handler the server would run."""
    found = []
    for cls in states:
        for name, handler in sorted(cls.event_handlers.items()):
            arguments = list(inspect.signature(handler.fn).parameters)[1:]
            found.append((cls, name, arguments))
    return found


def hostile_values(world: World, victim: Learner) -> list[Any]:
    form = {
        "name": "Mallory",
        "email": victim.email,
        "learner_id": victim.id,
        "id": victim.id,
        "time_zone": "UTC",
        "token_name": "stolen",
        "path": str(world.content),
        "query": victim.email,
        "course": OTHER_COURSE,
        "lesson": world.other_lessons[0],
    }
    return [
        victim.id,
        str(victim.id),
        victim.email,
        world.other_lessons[0],
        world.other_lessons[2],
        OTHER_COURSE,
        COURSE,
        world.bob_certificate,
        world.dave_certificate,
        world.bob_token_id,
        str(world.bob_token_id),
        form,
        [victim.id],
        None,
        "../../../../etc/passwd",
        "x" * 5000,
    ]


def hostile_payloads(world: World, cls: type[BaseState], name: str, arguments: list[str]) -> list[dict[str, Any]]:
    victim = world.bob
    payloads: list[dict[str, Any]] = [{}, {"learner_id": victim.id, "email": victim.email, "account_id": victim.id}]
    if name == "setvar":
        targets = [*cls.get_fields(), "_learner", "_previewed", "_linked_to", "_linked_from"]
        link = {LearnerSync.get_full_name(): f"learner-{victim.id}"}
        for var in targets:
            payloads += [{"var_name": var, "value": value} for value in (victim.id, f"learner-{victim.id}", link)]
        return payloads
    for argument in arguments:
        payloads += [{argument: value} for value in hostile_values(world, victim)]
    return payloads


def hostile_routes(world: World, victim: Learner) -> list[dict[str, Any]]:
    """Router data a script can send: another learner's pages, ids in the query, and his cookie in 'headers'."""
    lesson = lesson_route(OTHER_COURSE, world.other_lessons[0])
    extra = {"headers": {"cookie": victim.cookie}, "token": str(uuid.uuid4()), "sid": "forged", "ip": "10.0.0.1"}
    return [
        {**lesson, "query": {**lesson["query"], "id": victim.id, "learner": victim.id}, **extra},
        {**page(f"/admin/learners/{victim.id}", id=str(victim.id)), **extra},
    ]


async def attack(world: World, tab: Tab, states: list[type[BaseState]], check: Callable[[str], None]) -> int:
    """Fire every handler of `states` with every hostile payload and route; `check` the database after each."""
    sent = 0
    routes = hostile_routes(world, world.bob)
    for cls, name, arguments in handlers(states):
        for payload in hostile_payloads(world, cls, name, arguments):
            for route in routes:
                await tab.fire(event_name(cls, name), route, payload)
                sent += 1
        await tab.settle()
        check(event_name(cls, name))
    return sent


# --- The tests -----------------------------------------------------------------------------------------------------


def test_the_handlers_are_found_and_the_sentinel_is_one_of_them() -> None:
    found = {event_name(cls, name) for cls, name, _ in handlers(app_states())}
    assert SENTINEL in found
    for cls, name in ((PlayerState, "mark_complete"), (ProfileState, "save"), (LearnerAdminState, "reset_enrollment")):
        assert event_name(cls, name) in found
    assert len(found) > 40, sorted(found)


def test_a_signed_out_socket_changes_nothing(world: World) -> None:
    async def run() -> None:
        tab = world.tab()
        await tab.connect(lesson_route(COURSE, world.lessons[1]))
        before = rows(world.db)

        def unchanged(handler: str) -> None:
            assert changed_tables(before, rows(world.db)) == [], f"{handler} changed the database, signed out"

        sent = await attack(world, tab, app_states(), unchanged)
        assert sent > 1000
        assert_nothing_of(world.bob, tab.seen, world.bob_token_secret, email=False)  # the payloads carried it
        await tab.close()

    asyncio.run(run())


def test_alices_crafted_events_change_only_her_own_rows(world: World) -> None:
    async def run() -> None:
        tab = world.tab(world.alice)
        mine = lesson_route(COURSE, world.lessons[1])
        await tab.connect(mine)
        # The control: this socket really acts for Alice.
        await tab.mark_complete(mine)
        assert world.lessons[1] in completions(world.db, world.alice.id)
        before = rows(world.db, but=world.alice.id)
        bobs = completions(world.db, world.bob.id)

        def only_alice(handler: str) -> None:
            changed = changed_tables(before, rows(world.db, but=world.alice.id))
            assert changed == [], f"{handler} from Alice's socket changed other learners' rows in {changed}"

        await attack(world, tab, app_states(), only_alice)
        assert completions(world.db, world.bob.id) == bobs
        assert_nothing_of(world.bob, tab.seen, world.bob_token_secret, email=False)  # the payloads carried it
        await tab.close()

    asyncio.run(run())


HOOK = "https://1.1.1.1/learnapp-hook"
NEW_HOOK = "https://1.1.1.1/another-hook"  # what the add handler is given: a learner's add must not create it


def paused_endpoint(db: Database) -> int:
    """A webhook endpoint for the admin handlers to act on: paused, so the app's worker never posts to it."""
    found = [view.id for view in list_endpoints(db) if view.url == HOOK]
    if found:
        return found[0]
    view, _secret = add_endpoint(db, HOOK, ["lesson.completed"])
    return set_endpoint_enabled(db, view.id, False).id


def admin_calls(world: World, victim: Learner) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every admin handler, each with the arguments an admin would give it (name, payload, route)."""
    learner_page = page(f"/admin/learners/{victim.id}", id=str(victim.id))
    values = {
        "course_slug": COURSE,
        "certificate_id": world.dave_certificate if victim == world.dave else world.bob_certificate,
        # The webhook form adds an endpoint at a public address (never posted to: it is refused for a learner).
        "form": {"path": str(world.content), "query": victim.email, "url": NEW_HOOK, "event:lesson.completed": "on"},
        "endpoint_id": str(paused_endpoint(world.db)),
        "enabled": True,
        "delivery_id": "1",
        "message_id": 1,  # an email that may not exist: the admin's retry of it changes nothing then
        "files": [],  # the content page's upload handler, sent over the socket (the browser posts to /_upload)
        "rejected": ["big.yaml"],
    }
    routes = {"ContentState": page("/admin/content"), "NodeStatsState": page(f"/admin/courses/{COURSE}", course=COURSE)}
    admin_states: list[type[BaseState]] = [AdminState]
    calls = []
    while admin_states:
        cls = admin_states.pop()
        admin_states.extend(cls.get_substates())
        route = routes.get(cls.__name__, learner_page)
        for _, name, arguments in handlers([cls]):
            if name != "setvar":
                calls.append((event_name(cls, name), {argument: values[argument] for argument in arguments}, route))
    return calls


def test_admin_handlers_refuse_a_learner_and_work_for_the_admin(world: World) -> None:
    dave = world.dave
    calls = admin_calls(world, dave)
    assert {name.rsplit(".", 1)[1] for name, _, _ in calls} >= {"reset_enrollment", "reissue", "check", "apply"}

    async def as_learner() -> None:
        tab = world.tab(world.alice)
        await tab.connect(HOME)
        await tab.open(page(f"/admin/learners/{dave.id}", id=str(dave.id)))
        before = rows(world.db)
        for name, payload, route in calls:
            await tab.fire(name, route, payload)
            await tab.settle()
            assert changed_tables(before, rows(world.db)) == [], f"{name} worked for a learner"
        joined = "\n".join(tab.seen)
        assert '"status_rx_state_":"missing"' in joined and '"status_rx_state_":"ok"' not in joined
        assert_nothing_of(dave, tab.seen)
        await tab.close()

    async def as_admin() -> None:
        """The control: the same handler names and arguments do work from the admin's socket."""
        tab = world.tab(world.admin)
        await tab.connect(HOME)
        learner_page = page(f"/admin/learners/{dave.id}", id=str(dave.id))
        await tab.open(learner_page)
        assert dave.email in "\n".join(tab.replies)
        history = len(rows(world.db)["progress_history"])
        await tab.event(
            event_name(LearnerAdminState, "reissue"), learner_page, {"certificate_id": world.dave_certificate}
        )
        await tab.event(event_name(LearnerAdminState, "reset_enrollment"), learner_page, {"course_slug": COURSE})
        await tab.settle()
        assert completions(world.db, dave.id) == set()
        assert len(rows(world.db)["progress_history"]) >= history + 2
        endpoints = len(rows(world.db)["webhook_endpoint"])
        name, payload, route = next(call for call in calls if call[0].endswith(".add"))
        await tab.fire(name, route, payload)
        await tab.settle()
        assert len(rows(world.db)["webhook_endpoint"]) == endpoints + 1, "the admin's add made no endpoint"
        await tab.open(page("/admin/content"))
        assert re.search(r'"stage_rx_state_": ?"previewed"', await upload_content(tab, world.content))
        await tab.close()
        wait_for_certificates(world.db)  # the re-issue is rendered again in the background

    asyncio.run(as_learner())
    asyncio.run(as_admin())


async def upload_content(tab: Tab, folder: Path) -> str:
    """What the content page's drop zone does: post the files to /_upload for the tab's check handler."""
    files = [("files", (f.name, f.read_bytes(), "application/yaml")) for f in sorted(folder.glob("*.yaml"))]
    headers = {"reflex-client-token": tab.token, "reflex-event-handler": event_name(ContentState, "check")}
    async with httpx.AsyncClient(base_url=tab.url, timeout=60) as client:
        response = await client.post("/_upload", files=files, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def test_a_learner_uploading_content_changes_nothing(world: World) -> None:
    """The upload route answers any tab's token; the handler asks the tab's session, a learner's: nothing is read."""

    async def run() -> None:
        tab = world.tab(world.alice)
        await tab.connect(HOME)
        await tab.open(page("/admin/content"))
        before = rows(world.db)
        answer = await upload_content(tab, world.content)
        assert "previewed" not in answer and "10-python.yaml" not in answer
        assert re.search(r'"status_rx_state_": ?"missing"', answer)  # refused as a learner, before any byte is read
        assert changed_tables(before, rows(world.db)) == []
        await tab.close()

    asyncio.run(run())


async def bobs_tab_then_gone(world: World, stay: bool) -> tuple[Tab, str]:
    """Bob opens his lesson and his profile, creates an API token (its secret is in his tab's state)."""
    bob = world.tab(world.bob)
    await bob.connect(lesson_route(OTHER_COURSE, world.other_lessons[0]))
    await bob.open(page("/profile"))
    await bob.event(event_name(ProfileState, "create_api_token"), page("/profile"), {"form": {"token_name": "ci"}})
    await bob.settle()
    profile = ProfileState.get_full_name()
    shown = [
        d[profile]["new_token_rx_state_"] for d in deltas(bob.seen) if d.get(profile, {}).get("new_token_rx_state_")
    ]
    assert shown and world.bob.email in "\n".join(bob.seen) and any(sync_values(bob.seen, "done"))  # his tab has it all
    if not stay:
        await bob.close()  # returns once the server acknowledged the close
        # Two round trips through the server (one process, one loop) after it, from a passer-by: handled by now.
        passer_by = world.tab()
        await passer_by.connect(HOME)
        await passer_by.settle()
        await passer_by.close()
    return bob, shown[-1]


@pytest.mark.parametrize("bob_stays", [False, True], ids=["bob-gone", "bob-still-connected"])
@pytest.mark.parametrize("thief", ["alice", "signed-out"])
def test_another_learners_tab_token_shows_nothing_of_him(world: World, thief: str, bob_stays: bool) -> None:
    async def run() -> None:
        bob, secret = await bobs_tab_then_gone(world, stay=bob_stays)
        before = rows(world.db, but=world.alice.id)
        who = world.alice if thief == "alice" else None
        tab = world.tab(who, token=bob.token)
        await tab.connect(HOME)
        await tab.open(page("/profile"))
        await tab.open(lesson_route(OTHER_COURSE, world.other_lessons[0]))
        await tab.fire(event_name(PlayerState, "mark_complete"), lesson_route(OTHER_COURSE, world.other_lessons[3]))
        await tab.fire(event_name(ProfileState, "revoke_api_token"), page("/profile"), {"token_id": world.bob_token_id})
        await tab.settle()
        assert_nothing_of(world.bob, tab.seen, secret, world.bob_token_secret)
        alices = completions(world.db, world.alice.id) if who else set()
        for done in sync_values(tab.seen, "done"):
            assert set(done) <= alices, f"Bob's progress reached the {thief} socket: {done}"
        assert changed_tables(before, rows(world.db, but=world.alice.id)) == []
        await tab.close()
        await bob.close()

    asyncio.run(run())


@pytest.mark.parametrize(
    "boot",
    [None, {"name": "reflex___state____state.no_such_handler", "payload": {}, "router_data": {}}],
    ids=["no-event", "unknown-boot-event"],
)
def test_a_silent_socket_on_bobs_old_token_does_not_follow_his_progress(
    world: World, boot: dict[str, Any] | None
) -> None:
    async def run() -> None:
        bob, _ = await bobs_tab_then_gone(world, stay=False)
        thief = world.tab(world.alice, token=bob.token)
        await thief.connect_silently(boot)
        # Bob goes on in two other tabs: the control tab must see his click, the thief must not.
        slug = world.other_lessons[3 if boot is None else 4]  # one Bob has not done yet
        route = lesson_route(OTHER_COURSE, slug)
        other, clicking = world.tab(world.bob), world.tab(world.bob)
        await other.connect(route)
        await clicking.connect(route)
        other._drain()
        await clicking.mark_complete(route)
        assert slug in completions(world.db, world.bob.id)
        # The control tab gets the push; then two round trips through the server (one process, one loop) make sure
        # every push it had to write before them is written: one to the thief's socket would be here by now.
        await other.collect_until(lambda seen: any(slug in done for done in sync_values(seen, "done")))
        await clicking.settle()
        stolen = await thief.collect()
        assert sync_values(stolen, "done") == [] and sync_values(stolen, "courses") == [], stolen
        assert_nothing_of(world.bob, stolen)
        for tab in (thief, other, clicking):
            await tab.close()

    asyncio.run(run())


def test_the_session_cookie_never_comes_back_over_the_socket(world: World) -> None:
    """Every page of the app for a learner and the admin, plus every message this module's sockets received."""
    learner_pages = [
        HOME,
        page("/my-learning"),
        page("/profile"),
        page(f"/courses/{COURSE}", course=COURSE),
        lesson_route(COURSE, world.lessons[2]),
        page(f"/pathways/{PATHWAY}", pathway=PATHWAY),
        page("/login"),
        page("/signup"),
    ]
    admin_pages = [
        page("/admin"),
        page(f"/admin/courses/{COURSE}", course=COURSE),
        page(f"/admin/learners/{world.alice.id}", id=str(world.alice.id)),
        page("/admin/content"),
    ]

    async def run() -> None:
        for who, pages in ((world.alice, learner_pages), (world.admin, learner_pages + admin_pages)):
            tab = world.tab(who)
            await tab.connect(HOME)
            for route in pages:
                await tab.open(route)
            await tab.close()

    asyncio.run(run())
    joined = "\n".join(RECORDED)
    assert len(RECORDED) > 100 and world.alice.email in joined  # the sockets did receive pages
    for who in (world.alice, world.bob, world.dave, world.admin):
        assert who.secret not in joined, f"{who.email}'s session cookie was sent over the websocket"
    assert f"{COOKIE}=" not in joined
