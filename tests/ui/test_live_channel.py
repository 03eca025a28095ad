"""The live channel in one process, on a real Reflex app's state manager and token manager (no sockets served):
a click is one thread hop and one transaction, and pushing it to the learner's other tabs reads nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import reflex as rx
from reflex.state import BaseState, State
from reflex_base.constants import RouteVar
from sqlalchemy import event

from learnapp.persistence.db import Database, default_database
from learnapp.services.accounts.sessions import end_session, start_session
from learnapp.services.engine import live
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.settings import get_settings
from learnapp.ui.live.channel import change_here, push, show_progress
from learnapp.ui.live.reflex_adapter import VERIFIED_SID
from learnapp.ui.live.tab_directory import directory
from learnapp.ui.live.tab_state import LearnerSync
from tests.conftest import ALICE

OTHER_TABS = 5


@dataclass
class Counts:
    """Statements and transactions the app's engine ran while counting."""

    statements: int = 0
    transactions: int = 0
    on: bool = False
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def app_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, Counts]]:
    """The UI's default database is this test's; every statement and transaction on its engine is counted."""
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    db, counts = default_database(), Counts()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if counts.on:
            counts.statements += 1
            counts.seen.append(sql)

    def begin(_conn: Any) -> None:
        if counts.on:
            counts.transactions += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "begin", begin)
    yield db, counts
    event.remove(db.engine, "before_cursor_execute", statement)
    event.remove(db.engine, "begin", begin)
    get_settings.cache_clear()


async def open_tab(app: rx.App, token: str, cookie: str) -> None:
    """A tab of Alice's whose socket is connected and proved her session (as binding.py records it)."""
    sid = f"sid-{token}"
    namespace = app.event_namespace
    assert namespace is not None
    await namespace._token_manager.link_token_to_sid(token, sid)
    router_data = {
        RouteVar.CLIENT_TOKEN: token,
        RouteVar.SESSION_ID: sid,
        RouteVar.HEADERS: {"cookie": cookie},
        VERIFIED_SID: sid,
    }
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=LearnerSync)) as root:
        # What Reflex's event processor does with an event's router data (base_state_processor.py).
        root.router_data = root._update_router_vars(router_data, root.router_data)
        await show_progress(root, ALICE)


async def shown(app: rx.App, token: str) -> LearnerSync:
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=LearnerSync)) as root:
        return await root.get_state(LearnerSync)


def clicking_tab(token: str, cookie: str) -> BaseState:
    """The state of the tab handling a click (its handler holds it under the tab's lock)."""
    root = State(_reflex_internal_init=True)
    sid = f"sid-{token}"
    data = {RouteVar.CLIENT_TOKEN: token, RouteVar.SESSION_ID: sid, RouteVar.HEADERS: {"cookie": cookie}}
    root.router_data = root._update_router_vars(data, {})
    return root


def test_a_click_is_one_hop_and_one_transaction_and_its_push_to_every_other_tab_reads_nothing(
    app_db: tuple[Database, Counts], tab_app: rx.App
) -> None:
    db, counts, app = *app_db, tab_app
    enroll_course(db, ALICE, "ac-course")
    cookie = f"learnapp_session={start_session(db, ALICE)}"
    pushed: list[asyncio.Task[None]] = []
    remove = live.on_progress_changed(lambda change: pushed.append(asyncio.create_task(push(app, change))))
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counted_to_thread(work: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(work, "__name__", repr(work)))
        return await real_to_thread(work, *args, **kwargs)

    async def run() -> None:
        await live.bind_loop()
        others = [f"other-{n}" for n in range(OTHER_TABS)]
        for token in others:
            await open_tab(app, token, cookie)
        here = clicking_tab("here", cookie)
        await show_progress(here, ALICE)  # the clicking tab's page load

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(asyncio, "to_thread", counted_to_thread)
            counts.on = True
            await change_here(here, ALICE, record_completion, db, ALICE, "b1", "ui")
            click = (len(hops), counts.transactions)
            counts.transactions = counts.statements = 0
            for _ in range(100):  # the change is published to the loop from the click's thread
                if pushed:
                    break
                await asyncio.sleep(0.01)
            await asyncio.gather(*pushed)
            push_reads = (len(hops) - click[0], counts.statements, counts.transactions)
            counts.on = False

        assert click == (1, 1), f"a click took {click[0]} thread hops and {click[1]} transactions"
        assert push_reads == (0, 0, 0), f"pushing to {OTHER_TABS} tabs read the database: {counts.seen}"
        assert (await here.get_state(LearnerSync)).done == {"b1": True}
        for token in others:
            assert (await shown(app, token)).done == {"b1": True}

    try:
        asyncio.run(run())
    finally:
        remove()
        live._loop = None
        for token in ("here", *(f"other-{n}" for n in range(OTHER_TABS))):
            asyncio.run(directory().remove(ALICE, token))


def test_a_bulk_change_is_read_once_for_all_of_a_learners_tabs(
    app_db: tuple[Database, Counts], tab_app: rx.App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change published without its read (too many learners in one unit) is read once, not once per tab."""
    db, counts, app = *app_db, tab_app
    enroll_course(db, ALICE, "ac-course")
    cookie = f"learnapp_session={start_session(db, ALICE)}"
    monkeypatch.setattr("learnapp.services.engine.unit_of_work.LIVE_READ_LIMIT", 0)

    async def transactions_to_push(tabs: int) -> int:
        for n in range(tabs):
            await open_tab(app, f"bulk-{tabs}-{n}", cookie)
        with live.writing_from("elsewhere", live.Scope.PROGRESS) as writing:
            record_completion(db, ALICE, f"b{tabs}")
        [change] = writing.heard
        assert change.read is None
        counts.on, counts.transactions = True, 0
        await push(app, change)
        counts.on = False
        for n in range(tabs):
            assert f"b{tabs}" in (await shown(app, f"bulk-{tabs}-{n}")).done
            await directory().remove(ALICE, f"bulk-{tabs}-{n}")
        return counts.transactions

    assert asyncio.run(transactions_to_push(1)) == asyncio.run(transactions_to_push(3)) == 1


def test_a_tab_whose_session_ended_before_the_change_gets_nothing_and_leaves_the_list(
    app_db: tuple[Database, Counts], tab_app: rx.App
) -> None:
    db, app = app_db[0], tab_app
    enroll_course(db, ALICE, "ac-course")
    live_secret, ended_secret = start_session(db, ALICE), start_session(db, ALICE)

    async def run() -> None:
        await open_tab(app, "live-tab", f"learnapp_session={live_secret}")
        await open_tab(app, "ended-tab", f"learnapp_session={ended_secret}")
        end_session(db, ended_secret)
        with live.writing_from("elsewhere", live.Scope.PROGRESS) as writing:
            record_completion(db, ALICE, "b1")
        [change] = writing.heard
        await push(app, change)
        assert (await shown(app, "live-tab")).done == {"b1": True}
        assert (await shown(app, "ended-tab")).done == {}
        assert await directory().tokens(ALICE) == {"live-tab"}
        await directory().remove(ALICE, "live-tab")

    asyncio.run(run())


def test_a_socket_that_proved_nothing_and_a_tab_now_of_another_learner_get_nothing(
    app_db: tuple[Database, Counts], tab_app: rx.App
) -> None:
    db, app = app_db[0], tab_app
    enroll_course(db, ALICE, "ac-course")
    cookie = f"learnapp_session={start_session(db, ALICE)}"

    async def run() -> None:
        await open_tab(app, "silent-tab", cookie)
        await open_tab(app, "now-bobs-tab", cookie)
        async with app.modify_state(rx.BaseStateToken(ident="silent-tab", cls=LearnerSync)) as root:
            # Reconnected with the token on a socket that has sent no event of its own.
            root.router_data = {**root.router_data, VERIFIED_SID: "an-older-socket"}
        async with app.modify_state(rx.BaseStateToken(ident="now-bobs-tab", cls=LearnerSync)) as root:
            (await root.get_state(LearnerSync))._learner = ALICE + 1000  # signed in as someone else since
        with live.writing_from("elsewhere", live.Scope.PROGRESS) as writing:
            record_completion(db, ALICE, "b1")
        [change] = writing.heard
        await push(app, change)
        assert (await shown(app, "silent-tab")).done == {}
        assert (await shown(app, "now-bobs-tab")).done == {}
        assert await directory().tokens(ALICE) == {"silent-tab"}  # it may prove itself again with its next event
        await directory().remove(ALICE, "silent-tab")

    asyncio.run(run())
