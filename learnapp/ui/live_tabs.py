"""UI: push progress changes made outside a browser event (API, jobs) to the learner's open tabs."""

from __future__ import annotations

import reflex as rx

from learnapp.services.live import on_progress_changed
from learnapp.ui.sync import LearnerSync


def connect_tabs(app: rx.App) -> None:
    """After a committed change, reload the learner's shared state; Reflex fans it out to every linked tab."""

    async def refresh_tabs(learner_id: int) -> None:
        token = rx.BaseStateToken(ident=f"learner-{learner_id}", cls=LearnerSync)
        async with app.modify_state(token) as state:
            sync = state if isinstance(state, LearnerSync) else await state.get_state(LearnerSync)
            await sync._refresh(learner_id)

    on_progress_changed(refresh_tabs)
