"""UI: the live channel: a change of a learner's progress shows in the tab that made it and reaches their others.

The unit of work reads the learner's progress in the change's own transaction and publishes it after commit
(learnapp/services/engine/live.py). The tab that made the change shows that read before its event answers (change_here);
the learner's other tabs get the same read pushed, on whichever worker their socket is, with nothing read again.
A page that has read what it shows calls show_progress; a page that writes calls change_here and nothing after.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import reflex as rx
from reflex.state import BaseState

from learnapp.services.accounts.sessions import session_digest
from learnapp.services.engine import live
from learnapp.services.engine.live import ProgressChanged, ProgressRead, Scope
from learnapp.services.learning.snapshot import LearnerSnapshot
from learnapp.ui.live.reflex_adapter import is_connected, serving, socket_proven, tab_state
from learnapp.ui.live.tab_directory import directory
from learnapp.ui.live.tab_state import LearnerSync
from learnapp.ui.session import cookie_token, db

log = logging.getLogger("learnapp.live")

T = TypeVar("T")

# Seconds a lesson opened by in-app navigation trusts this tab's progress without reading it again: every change
# made through the app reaches every tab at once; only a command run in another process changes it unseen.
FRESH_FOR = 30.0


class Reload(Enum):
    """Whether show_progress reads the learner's progress even when this tab holds it already."""

    ALWAYS = "always"
    WHEN_STALE = "when stale"  # not read within FRESH_FOR, or a new socket (which may have missed pushes)


class Socket(Enum):
    """The tab's socket, as the list of the learner's tabs knows it."""

    KNOWN = "known"  # listed already: every change since reached it
    NEW = "new"  # a new socket (or another learner): listed now, and it may have missed changes meanwhile


async def show_progress(state: BaseState, learner_id: int, reload: Reload = Reload.ALWAYS) -> None:
    """After a page's read: list this tab as the learner's and show all of their progress (one read)."""
    sync, socket = await _listed(state, learner_id)
    if reload is Reload.WHEN_STALE and socket is Socket.KNOWN and time.time() - sync._refreshed_at < FRESH_FOR:
        return
    sync._show(learner_id, await asyncio.to_thread(live.read_now, db(), learner_id))


async def read_and_show(state: BaseState, learner_id: int, read: Callable[[], tuple[T, LearnerSnapshot]]) -> T:
    """A page's read that also holds the learner's progress (services/learning/snapshot.with_snapshot): this tab is
    listed as the learner's first, so a change committed after the read reaches it, then the page and its live
    progress are read in one thread hop and one transaction, and the progress shown. Returns what the page shows.
    """
    sync, _socket = await _listed(state, learner_id)
    page, snapshot = await asyncio.to_thread(read)
    sync._show(learner_id, ProgressRead(snapshot, Scope.ALL))
    return page


async def change_here(state: BaseState, learner_id: int, write: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `write` (a service call that changes the learner's progress) for this tab, in one thread hop.

    This tab then shows the change from the change's own read, before its event answers; the learner's other tabs
    get it pushed. A write that changed nothing (a repeat) shows what is stored, read in the same hop.
    """
    sync, socket = await _listed(state, learner_id)
    scope = Scope.ALL if socket is Socket.NEW else Scope.PROGRESS
    origin = state.router.session.client_token or ""
    result, reads = await asyncio.to_thread(_write, origin, scope, learner_id, write, args, kwargs)
    for read in reads:
        sync._show(learner_id, read)
    return result


def _write(
    origin: str, scope: Scope, learner_id: int, write: Callable[..., T], args: Any, kwargs: Any
) -> tuple[T, list[ProgressRead]]:
    with live.writing_from(origin, scope) as writing:
        result = write(*args, **kwargs)
    reads = [c.read for c in writing.heard if c.learner_id == learner_id and c.read is not None]
    return result, reads or [live.read_now(db(), learner_id)]


async def _listed(state: BaseState, learner_id: int) -> tuple[LearnerSync, Socket]:
    """This tab's progress state, listed as the learner's tab.

    Once per socket: a tab that reconnects (new socket) may have been dropped from the list while it was away,
    and missed the changes pushed meanwhile: it is listed again and must read everything.
    """
    sync = await state.get_state(LearnerSync)
    session = state.router.session
    if sync._learner == learner_id and sync._listed_sid == session.session_id:
        return sync, Socket.KNOWN
    if session.client_token:
        await directory().add(learner_id, session.client_token)
        sync._listed_sid = session.session_id
    return sync, Socket.NEW


def connect_tabs(app: rx.App) -> None:
    """Push every committed change to the learner's other open tabs, on any worker."""
    app.register_lifespan_task(live.bind_loop)

    async def push_to_other_tabs(change: ProgressChanged) -> None:
        await push(app, change)

    live.on_progress_changed(push_to_other_tabs)


async def push(app: rx.App, change: ProgressChanged) -> None:
    """The change, into each open tab of the learner but the one that made it, each tab under its own lock.

    Runs in a task of its own (learnapp/services/engine/live.py), never under the lock of the tab that made the change:
    two tabs pushing to each other at once would each wait for the other's lock.
    """
    tokens = sorted((await directory().tokens(change.learner_id)) - {change.origin or ""})
    if not tokens or not serving(app):
        return
    if change.read is None:  # a bulk change: read once, for all of this learner's tabs
        change = await asyncio.to_thread(live.read_change, db(), change)
    results = await asyncio.gather(*(_push_one(app, change, token) for token in tokens), return_exceptions=True)
    for token, result in zip(tokens, results, strict=True):
        if isinstance(result, BaseException):
            log.error(
                "tab update failed", extra={"learner": change.learner_id, "tab": token[:8], "error": repr(result)}
            )


async def _push_one(app: rx.App, change: ProgressChanged, token: str) -> None:
    learner_id, read = change.learner_id, change.read
    assert read is not None  # push() read it
    # A closed tab leaves the list; it comes back with its next page load if it reconnects.
    if not await is_connected(app, token):
        await directory().remove(learner_id, token)
        return
    async with tab_state(app, token, LearnerSync) as (root, sync):
        if sync._learner != learner_id:  # the tab has been signed out or in as someone else since
            await directory().remove(learner_id, token)
            return
        if not socket_proven(app, root):
            return
        if not session_may_see(change, root.router.headers.cookie):
            await directory().remove(learner_id, token)
            return
        sync._show(learner_id, read)


def session_may_see(change: ProgressChanged, cookie_header: str | None) -> bool:
    """Whether the tab's session (from its socket's Cookie header) was live for the learner in the change's read.

    Checked in the change's own transaction: once a session has ended (logout, expiry, idleness, "log out
    everywhere", another learner's), its tabs get nothing more, on every worker.
    """
    secret = cookie_token(cookie_header)
    return secret is not None and session_digest(secret) in change.sessions
