"""The Reflex internals the app relies on (learnapp/ui/live/reflex_adapter.py), pinned on the installed Reflex: an
upgrade that changes one of them fails here."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import reflex as rx
from reflex.state import State
from reflex_base.constants import RouteVar

import learnapp
from learnapp.ui.live import reflex_adapter
from learnapp.ui.live.reflex_adapter import (
    VERIFIED_SID,
    is_connected,
    page_param,
    prove_socket,
    serving,
    socket_proven,
    tab_state,
)
from learnapp.ui.live.tab_state import LearnerSync

# What the adapter wraps: reaching for any of these elsewhere in the app bypasses the pinned behaviour.
INTERNALS = (
    "_token_manager",
    "sid_to_token",
    "router._page",
    "router_data",
    "RouteVar",
    "modify_state",
    "event_namespace",
    "RegistrationContext",
)


def test_no_other_module_of_the_app_reaches_into_these_internals() -> None:
    adapter = Path(reflex_adapter.__file__).resolve()
    found = [
        f"{path.relative_to(adapter.parents[3])}: {name}"
        for path in Path(learnapp.__file__).resolve().parent.rglob("*.py")
        if path != adapter
        for name in INTERNALS
        if name in path.read_text()
    ]
    assert found == []


def event_router_data(token: str, sid: str, **query: object) -> dict[str, object]:
    return {RouteVar.CLIENT_TOKEN: token, RouteVar.SESSION_ID: sid, RouteVar.QUERY: query}


def test_a_tabs_socket_is_known_connected_until_it_disconnects(tab_app: rx.App) -> None:
    token, sid = uuid.uuid4().hex, uuid.uuid4().hex
    namespace = tab_app.event_namespace
    assert serving(tab_app) and namespace is not None

    async def run() -> None:
        assert not await is_connected(tab_app, token)
        await namespace._token_manager.link_token_to_sid(token, sid)
        assert await is_connected(tab_app, token)
        await namespace._token_manager.disconnect_token(token, sid)
        assert not await is_connected(tab_app, token)

    asyncio.run(run())


def test_only_the_socket_that_proved_the_session_is_proven(tab_app: rx.App) -> None:
    token, first, second = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    namespace = tab_app.event_namespace
    assert namespace is not None

    async def run() -> None:
        await namespace._token_manager.link_token_to_sid(token, first)
        async with tab_state(tab_app, token, LearnerSync) as (root, _sync):
            root.router_data = root._update_router_vars(event_router_data(token, first), root.router_data)
            assert not socket_proven(tab_app, root)  # no event of its own reached a handler yet
            prove_socket(root)
            assert root.router_data[VERIFIED_SID] == first
        async with tab_state(tab_app, token, LearnerSync) as (root, _sync):
            assert socket_proven(tab_app, root)  # kept with the tab's state
        # The tab's token reconnects on another socket that has sent nothing: the old proof does not carry over.
        await namespace._token_manager.disconnect_token(token, first)
        await namespace._token_manager.link_token_to_sid(token, second)
        async with tab_state(tab_app, token, LearnerSync) as (root, _sync):
            assert not socket_proven(tab_app, root)
        await namespace._token_manager.disconnect_token(token, second)

    asyncio.run(run())


def test_a_tab_state_changed_under_its_lock_is_kept(tab_app: rx.App) -> None:
    token = uuid.uuid4().hex

    async def run() -> None:
        async with tab_state(tab_app, token, LearnerSync) as (root, sync):
            assert isinstance(sync, LearnerSync) and root.get_name() == State.get_name()
            sync._learner, sync.unread = 7, 3
        async with tab_state(tab_app, token, LearnerSync) as (_root, sync):
            assert (sync._learner, sync.unread) == (7, 3)

    asyncio.run(run())


def test_a_dynamic_routes_parameters_are_read_from_the_events_router_data() -> None:
    root = State(_reflex_internal_init=True)
    data = event_router_data("t", "s", course="python-basics", lesson=["a", "b"])
    root.router_data = root._update_router_vars(data, {})
    assert page_param(root, "course") == "python-basics"
    assert page_param(root, "lesson") == ""  # a list (a catch-all route) is no lesson slug
    assert page_param(root, "missing") == ""
