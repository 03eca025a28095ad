"""A page's read holds the learner's progress too: one thread hop, one transaction, and the tab shows that read."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pytest
import reflex as rx

from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import start_session
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.learning.read_model import course_view
from learnapp.services.learning.snapshot import with_snapshot
from learnapp.ui.live.channel import read_and_show
from learnapp.ui.live.tab_directory import directory
from learnapp.ui.live.tab_state import LearnerSync
from tests.conftest import ALICE
from tests.ui.test_live_channel import Counts, app_db, clicking_tab

__all__ = ["app_db"]  # the fixture, shared with the click's test


def test_a_page_read_is_one_hop_and_one_transaction_and_the_tab_shows_it(
    app_db: tuple[Database, Counts], tab_app: rx.App
) -> None:
    db, counts = app_db
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    cookie = f"learnapp_session={start_session(db, ALICE)}"
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counted_to_thread(work: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(work, "__name__", repr(work)))
        return await real_to_thread(work, *args, **kwargs)

    async def run() -> None:
        tab = clicking_tab("page", cookie)
        read = partial(with_snapshot, db, ALICE, partial(course_view, slug="ac-course"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(asyncio, "to_thread", counted_to_thread)
            counts.on = True
            view = await read_and_show(tab, ALICE, read)
            counts.on = False
        assert (len(hops), counts.transactions) == (1, 1), f"{hops}, {counts.seen}"
        assert (view.slug, view.completed) == ("ac-course", 1)
        sync = await tab.get_state(LearnerSync)
        assert sync.done == {"b1": True} and sync.courses["ac-course"]["completed"] == 1
        assert "page" in await directory().tokens(ALICE)  # listed: a change after the read reaches it

    try:
        asyncio.run(run())
    finally:
        asyncio.run(directory().remove(ALICE, "page"))
