"""UI: per-learner progress shared by every open tab of that learner (a Reflex SharedState)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx
from reflex.state import BaseState, _override_base_method
from reflex_base.constants import RouteVar
from reflex_base.registry import RegistrationContext

from learnapp.services.notifications import notifications
from learnapp.services.snapshot import learner_snapshot
from learnapp.ui.session import db

# In a tab's router data: the socket whose event last proved the session (set by learnapp/ui/binding.py).
VERIFIED_SID = "learnapp_verified_sid"


# Seconds a lesson opened by in-app navigation trusts the shared progress without reloading it.
FRESH_FOR = 30.0


class LearnerSync(rx.SharedState):
    """Linked to the token learner-<id>: a change here reaches all of the learner's tabs at once."""

    done: dict[str, bool] = {}
    modules: dict[str, int] = {}
    courses: dict[str, dict[str, int]] = {}
    certificates: dict[str, dict[str, str]] = {}
    unread: int = 0
    notices: list[dict[str, str]] = []
    _refreshed_for: int = 0
    _refreshed_at: float = 0.0

    @_override_base_method  # Reflex's marker for a deliberate override (its own shared states use it)
    def get_delta(self) -> dict[str, dict[str, Any]]:
        """Nothing for a connection that no event has checked.

        A learner's progress is pushed to every tab token linked here, and Reflex keeps the links of closed
        tabs. Whoever connects with such a token and sends no event (or none that reaches a handler) would
        otherwise receive this learner's progress as it changes. An event resets a tab that is not the
        session's (learnapp/ui/binding.py) and records the socket it came from; only that socket, while it
        is still the token's, gets these values. A real browser sends the hydrate first, which does that.
        """
        tab: BaseState = self  # linked, this state sits in the tab's tree: its root is the tab's
        while tab.parent_state is not None:
            tab = tab.parent_state
        if not _checked_connection(tab.router_data):
            return {}
        return super().get_delta()

    async def _refresh(self, learner_id: int) -> None:
        snapshot, (unread, notices) = await asyncio.gather(
            asyncio.to_thread(learner_snapshot, db(), learner_id), asyncio.to_thread(notifications, db(), learner_id)
        )
        fresh = {
            "done": snapshot.done,
            "modules": snapshot.modules,
            "courses": snapshot.courses,
            "certificates": snapshot.certificates,
            "unread": unread,
            "notices": [
                {"title": n.title, "link": n.link, "at": n.created_at.isoformat(), "read": "yes" if n.read else ""}
                for n in notices
            ],
        }
        # Reflex sends (to every linked tab) each var that is assigned, changed or not: assign only the changes.
        for name, value in fresh.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
        self._refreshed_for, self._refreshed_at = learner_id, time.time()  # wall clock: workers may be hosts


def _checked_connection(router_data: dict[str, Any]) -> bool:
    namespace = RegistrationContext.get().app.event_namespace
    if namespace is None:  # no sockets served: no one to send to
        return True
    checked = router_data.get(VERIFIED_SID)
    # Reflex looks the socket up just before it pushes a shared change to a token, on any worker.
    return checked is not None and namespace.sid_to_token.get(checked) == router_data.get(RouteVar.CLIENT_TOKEN)


async def linked_sync(state: rx.State, learner_id: int) -> LearnerSync:
    """The learner's shared progress, linked for this tab (link tokens may not contain '_')."""
    sync = await state.get_state(LearnerSync)
    return await sync._link_to(f"learner-{learner_id}")


async def refresh_sync(state: rx.State, learner_id: int, unless_fresh: bool = False) -> LearnerSync:
    """Link this tab to the learner's shared state and reload it from the database.

    `unless_fresh` skips the reload when any tab of the learner reloaded it within FRESH_FOR seconds: every
    change made through the app (clicks, API, certificate worker) reloads it at once anyway; the bound only
    matters for changes made by a command in another process.
    """
    sync = await linked_sync(state, learner_id)
    recent = time.time() - sync._refreshed_at < FRESH_FOR
    if not (unless_fresh and sync._refreshed_for == learner_id and recent):
        await sync._refresh(learner_id)
    return sync
