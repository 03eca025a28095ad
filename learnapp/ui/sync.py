"""UI: per-learner progress shared by every open tab of that learner (a Reflex SharedState)."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.services.notifications import notifications
from learnapp.services.snapshot import learner_snapshot
from learnapp.ui.session import db


class LearnerSync(rx.SharedState):
    """Linked to the token learner-<id>: a change here reaches all of the learner's tabs at once."""

    done: dict[str, bool] = {}
    modules: dict[str, int] = {}
    courses: dict[str, dict[str, int]] = {}
    certificates: dict[str, dict[str, str]] = {}
    unread: int = 0
    notices: list[dict[str, str]] = []

    async def _refresh(self, learner_id: int) -> None:
        snapshot, (unread, notices) = await asyncio.gather(
            asyncio.to_thread(learner_snapshot, db(), learner_id), asyncio.to_thread(notifications, db(), learner_id)
        )
        self.done = snapshot.done
        self.modules = snapshot.modules
        self.courses = snapshot.courses
        self.certificates = snapshot.certificates
        self.unread = unread
        self.notices = [
            {"title": n.title, "link": n.link, "at": n.created_at.isoformat(), "read": "yes" if n.read else ""}
            for n in notices
        ]


async def linked_sync(state: rx.State, learner_id: int) -> LearnerSync:
    """The learner's shared progress, linked for this tab (link tokens may not contain '_')."""
    sync = await state.get_state(LearnerSync)
    return await sync._link_to(f"learner-{learner_id}")


async def refresh_sync(state: rx.State, learner_id: int) -> LearnerSync:
    """Link this tab to the learner's shared state and reload it from the database."""
    sync = await linked_sync(state, learner_id)
    await sync._refresh(learner_id)
    return sync
