"""UI: a learner's progress in each of their open tabs, pushed to all of them whenever it changes."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import reflex as rx
from reflex.state import BaseState
from reflex_base.constants import RouteVar
from reflex_base.registry import RegistrationContext

from learnapp.services.sessions import live_snapshot
from learnapp.services.snapshot import LearnerSnapshot, learner_snapshot
from learnapp.ui.learner_tabs import directory
from learnapp.ui.session import SessionState, cookie_token, db

log = logging.getLogger("learnapp.live")

# In a tab's router data: the socket whose event last proved the session (set by learnapp/ui/binding.py).
VERIFIED_SID = "learnapp_verified_sid"

# Seconds a lesson opened by in-app navigation trusts this tab's progress without reloading it.
FRESH_FOR = 30.0

Values = dict[str, Any]


class LearnerSync(SessionState):
    """This tab's copy of the learner's progress; every change is pushed into every tab of the learner.

    Per tab rather than one Reflex SharedState linked into every tab: a linked state is locked, patched into the
    tab and diffed on every event of the tab, which cost more than the rest of a click. Here a tab pays only when
    the learner's progress changes. Under SessionState, it is reset with the rest of the tab's private state when
    the session changes (learnapp/ui/binding.py).
    """

    done: dict[str, bool] = {}
    modules: dict[str, int] = {}
    courses: dict[str, dict[str, int]] = {}
    certificates: dict[str, dict[str, str]] = {}
    unread: int = 0
    notices: list[dict[str, str]] = []
    _learner: int = 0  # whose progress this tab holds
    _version: int = -1  # the learner's progress version this tab shows (learnapp/services/unit_of_work.py)
    _listed_sid: str = ""  # the socket for which this tab was last listed as the learner's
    _refreshed_at: float = 0.0

    def _apply(self, learner_id: int, fresh: Values) -> None:
        version = fresh.pop("version", 0)
        if older_than_shown(self._learner, self._version, learner_id, version):
            return  # read before what this tab shows already (pushes and a click's own read can cross)
        self._version = version
        # Reflex sends each var that is assigned, changed or not: assign only the changes.
        for name, value in fresh.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
        self._learner, self._refreshed_at = learner_id, time.time()  # wall clock: workers may be hosts


def older_than_shown(shown_learner: int, shown_version: int, learner_id: int, version: int) -> bool:
    """Whether a read of the learner's progress at `version` predates what the tab shows: it is then ignored.

    Every change bumps the learner's version in its own transaction, so a read taken before a change carries a
    lower version than one taken after, whichever reaches the tab first. Another learner's read is never older.
    """
    return learner_id == shown_learner and version < shown_version


def progress_values(snapshot: LearnerSnapshot, extras: bool = True) -> Values:
    """The learner's progress as the tabs show it.

    Without `extras`, only checkmarks and counts: certificates and notices change only with a milestone, a first
    completion, the certificate worker or the bell, and those read (or push) everything.
    """
    values: Values = {
        "version": snapshot.version,
        "done": snapshot.done,
        "modules": snapshot.modules,
        "courses": snapshot.courses,
    }
    if extras:
        values["certificates"] = snapshot.certificates
        values["unread"] = snapshot.unread
        values["notices"] = [
            {"title": n.title, "link": n.link, "at": n.created_at.isoformat(), "read": "yes" if n.read else ""}
            for n in snapshot.notices
        ]
    return values


async def read_progress(learner_id: int, extras: bool = True) -> Values:
    """progress_values from one read transaction."""
    return progress_values(await asyncio.to_thread(learner_snapshot, db(), learner_id, extras), extras)


async def read_live_progress(learner_id: int, session_token: str | None) -> Values | None:
    """read_progress, or None when the session `session_token` is no longer the learner's live session."""
    snapshot = await asyncio.to_thread(live_snapshot, db(), learner_id, session_token)
    return None if snapshot is None else progress_values(snapshot)


async def listed_sync(state: BaseState, learner_id: int) -> tuple[LearnerSync, bool]:
    """This tab's progress state, listed as the learner's tab; True when this socket was not listed yet.

    Once per socket: a tab that reconnects (new socket) may have been dropped from the list while it was away,
    and missed the changes pushed meanwhile: it is listed again and must reload.
    """
    sync = await state.get_state(LearnerSync)
    session = state.router.session
    new_socket = sync._learner != learner_id or sync._listed_sid != session.session_id
    if new_socket and session.client_token:
        await directory().add(learner_id, session.client_token)
        sync._listed_sid = session.session_id
    return sync, new_socket


async def refresh_sync(
    state: BaseState, learner_id: int, unless_fresh: bool = False, changed: bool = False, announced: bool = True
) -> LearnerSync:
    """Reload this tab's progress and list the tab as the learner's, after a change of its own when `changed`.

    `unless_fresh` skips the reload when this tab was reloaded or pushed to within FRESH_FOR seconds: every
    change made through the app (clicks, API, certificate worker) reaches every tab at once anyway; the bound
    only matters for changes made by a command in another process. A change that `announced` nothing (no
    notice, no certificate) reloads only checkmarks and counts.
    """
    sync, new_socket = await listed_sync(state, learner_id)
    if unless_fresh and not new_socket and time.time() - sync._refreshed_at < FRESH_FOR:
        return sync
    extras = announced or not changed or sync._learner != learner_id
    # The change's unit of work told the learner's other tabs itself, after its commit.
    sync._apply(learner_id, await read_progress(learner_id, extras))
    return sync


async def refresh_tabs(learner_id: int, app: rx.App | None = None, but: str | None = None) -> None:
    """After a committed change: reload it into all the learner's tabs but `but` (the tab that made it)."""
    push_to_tabs(learner_id, but=but, app=app)


_pushing: set[asyncio.Task[None]] = set()


def push_to_tabs(learner_id: int, but: str | None = None, app: rx.App | None = None) -> None:
    """Reload the learner's progress into each of their other tabs, each in its own task.

    Never awaited under the caller's tab lock: two tabs pushing to each other at once would each wait for the
    other's lock.
    """
    task = asyncio.create_task(_push(app or RegistrationContext.get().app, learner_id, but))
    _pushing.add(task)
    task.add_done_callback(_pushing.discard)


async def _push(app: rx.App, learner_id: int, but: str | None) -> None:
    tokens = list((await directory().tokens(learner_id)) - {but})
    results = await asyncio.gather(*(_push_one(app, learner_id, token) for token in tokens), return_exceptions=True)
    for token, result in zip(tokens, results, strict=True):
        if isinstance(result, BaseException):
            log.error("tab update failed", extra={"learner": learner_id, "tab": token[:8], "error": repr(result)})


async def _push_one(app: rx.App, learner_id: int, token: str) -> None:
    namespace = app.event_namespace
    if namespace is None:
        return
    # A closed tab leaves the list; it comes back with its next page load if it reconnects.
    if not await namespace._token_manager.is_token_connected(token):
        await directory().remove(learner_id, token)
        return
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=LearnerSync)) as root:
        sync = root if isinstance(root, LearnerSync) else await root.get_state(LearnerSync)
        if sync._learner != learner_id:  # the tab has been signed out or in as someone else since
            await directory().remove(learner_id, token)
            return
        if _checked_connection(app, root.router_data):
            # Read under the tab's lock, not once for all tabs: of two pushes that cross, the one applied last
            # then also carries the newer change. The same read checks the session of the socket that proved
            # itself: once that session has ended (logout, expiry, idleness, "log out everywhere"), nothing more.
            values = await read_live_progress(learner_id, cookie_token(root.router.headers.cookie))
            if values is None:
                await directory().remove(learner_id, token)
                return
            sync._apply(learner_id, values)


def _checked_connection(app: rx.App, router_data: dict[str, Any]) -> bool:
    """Only the socket whose own event last proved the session gets the learner's progress.

    Reflex keeps a closed tab's state, token included. Whoever connects with such a token and sends no event (or
    none that reaches a handler) must not receive the learner's progress as it changes. An event resets a tab
    that is not the session's (learnapp/ui/binding.py) and records the socket it came from; a real browser sends
    the hydrate first, which does that.
    """
    namespace = app.event_namespace
    if namespace is None:  # no sockets served: no one to send to
        return True
    checked = router_data.get(VERIFIED_SID)
    # is_token_connected (just before) fetched the token's socket record, on any worker.
    return checked is not None and namespace.sid_to_token.get(checked) == router_data.get(RouteVar.CLIENT_TOKEN)
