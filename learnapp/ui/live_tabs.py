"""UI: push progress changes made outside a browser event (API, jobs) to the learner's open tabs."""

from __future__ import annotations

import reflex as rx

from learnapp.services.live import on_progress_changed
from learnapp.ui.sync import refresh_tabs


def connect_tabs(app: rx.App) -> None:
    """After a committed change, reload the learner's progress into every tab they have open, on any worker."""

    async def reload_tabs(learner_id: int) -> None:
        await refresh_tabs(learner_id, app)

    on_progress_changed(reload_tabs)
