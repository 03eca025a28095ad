"""UI: per-learner progress shared by every open tab of that learner (a Reflex SharedState)."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.services.snapshot import learner_snapshot
from learnapp.ui.session import db


class LearnerSync(rx.SharedState):
    """Linked to the token learner-<id>: a change here reaches all of the learner's tabs at once."""

    done: dict[str, bool] = {}
    modules: dict[str, int] = {}
    courses: dict[str, dict[str, int]] = {}

    async def _refresh(self, learner_id: int) -> None:
        snapshot = await asyncio.to_thread(learner_snapshot, db(), learner_id)
        self.done = snapshot.done
        self.modules = snapshot.modules
        self.courses = snapshot.courses


async def linked_sync(state: rx.State, learner_id: int) -> LearnerSync:
    """The learner's shared progress, linked for this tab (link tokens may not contain '_')."""
    sync = await state.get_state(LearnerSync)
    return await sync._link_to(f"learner-{learner_id}")
