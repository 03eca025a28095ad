"""UI: push every committed progress change to the learner's open tabs (but the one that made it)."""

from __future__ import annotations

import reflex as rx

from learnapp.services.live import bind_loop, on_progress_changed
from learnapp.ui.sync import refresh_tabs


def connect_tabs(app: rx.App) -> None:
    """After a committed change, reload the learner's progress into every tab they have open, on any worker.

    Every unit of work publishes its learners after commit (learnapp/services/unit_of_work.py); a change made by a
    tab names it as the origin, which shows the change already.
    """
    app.register_lifespan_task(bind_loop)

    async def reload_tabs(learner_id: int, origin: str | None) -> None:
        await refresh_tabs(learner_id, app, but=origin)

    on_progress_changed(reload_tabs)
