"""UI: a tab's server-side state belongs to the sign-in session that filled it, never to whoever holds its token.

Reflex keys a tab's state by the client token the browser sends when it connects. A token is not a credential:
it travels in the websocket's address, so it can leak (logs, proxies, a shared computer). Without this check,
anyone connecting with another learner's token got that learner's whole state in the first snapshot (name,
email, progress, a new API token's secret, an admin's view of a learner) and, through the shared per-learner
state, their live progress after that.

So every event first compares the session cookie of the connection it came from with the one the state was filled
for (by digest: the state never holds the secret itself). When they differ (another account, signed out, a new
sign-in, a session that has ended) every private state of the tab goes back to its defaults and the tab stops
receiving the other learner's progress before the event runs; the page's on_load then fills it again for the right
learner.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import reflex as rx
from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate

from learnapp.services.accounts.sessions import session_account, session_digest, trusted_account
from learnapp.ui.live.reflex_adapter import prove_socket
from learnapp.ui.live.tab_directory import directory
from learnapp.ui.live.tab_state import LearnerSync
from learnapp.ui.session import SessionState, cookie_token, db

if TYPE_CHECKING:
    from reflex.app import App
    from reflex_base.event import Event

SIGNED_OUT = "signed-out"


def session_key(cookie_token: str | None) -> str:
    """What a tab's state is bound to: a digest of the session secret, or the signed-out marker."""
    return session_digest(cookie_token) if cookie_token else SIGNED_OUT


async def live_session_key(secret: str | None) -> str:
    """session_key, but an ended session (logout, expiry, idleness, "log out everywhere") is signed out.

    Answered from the session check of the last TRUST_FOR seconds when there is one (no query, no thread hop):
    the handlers' own check right after then costs nothing either.
    """
    if not secret:
        return SIGNED_OUT
    known, account = trusted_account(secret)
    if not known:
        account = await asyncio.to_thread(session_account, db(), secret)
    return session_key(secret) if account is not None else SIGNED_OUT


def private_states() -> list[type[BaseState]]:
    """SessionState and every state below it: all the per-tab state that can hold a learner's data."""
    found: list[type[BaseState]] = []
    pending: list[type[BaseState]] = [SessionState]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.get_substates())
    return found


async def forget_tab(state: BaseState) -> None:
    """Reset the tab's private states and stop pushing the previous learner's progress to it."""
    for cls in private_states():  # load them all (the Redis manager loads substates lazily), then reset
        await state.get_state(cls)
    sync = await state.get_state(LearnerSync)
    token = state.router.session.client_token
    if sync._learner and token:
        await directory().remove(sync._learner, token)
    session = await state.get_state(SessionState)
    session.reset()


class TabBinding(rx.State):
    """The digest of the session this tab's private state was filled for (backend only, never sent).

    A state of its own, with no substates: with Redis, asking for SessionState would load every page's state.
    """

    _bound_to: str = ""


class SessionBinding(Middleware):
    """Runs before every event handler, hydrate included, under the tab's state lock."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        key = await live_session_key(cookie_token(state.router.headers.cookie))
        # SessionState carries a copy, written together with TabBinding's under the same lock: when this event
        # already loaded it (every page's own events), the copy answers without reading TabBinding.
        session = state.substates.get(SessionState.get_name())
        if session is None or session._bound_to != key:  # type: ignore[attr-defined]  # SessionState's substate
            binding = await state.get_state(TabBinding)
            if binding._bound_to != key:
                await forget_tab(state)
                binding._bound_to = key
            session = state.substates.get(SessionState.get_name())
            if session is not None:
                session._bound_to = key
        # This connection's own event: from now on it, and only it, gets the learner's progress pushed.
        prove_socket(state)
        return None
