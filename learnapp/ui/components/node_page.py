"""UI: what a course page and a pathway page share: their frame, their read, and their Enroll and Start over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import reflex as rx
from reflex.event import EventSpec

from learnapp.services.errors import LearnappError, NotFound
from learnapp.services.learning.snapshot import LearnerSnapshot
from learnapp.ui.components.layout import page, until_loaded
from learnapp.ui.live.channel import change_here, read_and_show
from learnapp.ui.session import SessionState, db

T = TypeVar("T")


def node_page(
    found: rx.Var, header: rx.Component, heading: str, body: rx.Component, missing: str, **note: Any
) -> rx.Component:
    """`body` under an h2 `heading` (its items' headings, h3, sit under it); `note` styles the missing callout."""
    return page(
        until_loaded(
            rx.cond(
                found,
                rx.vstack(header, rx.heading(heading, size="5", as_="h2"), body, width="100%", spacing="5"),
                rx.callout(missing, icon="circle-alert", **note),
            )
        ),
    )


async def change_node(state: SessionState, write: Callable[..., object], slug: str) -> EventSpec | None:
    """`write(db, learner, slug)` from this tab (Enroll, Start over): the sign-in page for a visitor, a toast for a
    refusal, None once done."""
    account = await state._account()
    if account is None:
        return state._login_redirect()
    try:
        await change_here(state, account.id, write, db(), account.id, slug)
    except LearnappError as error:
        return rx.toast.error(error.message)
    return None


async def read_node(
    state: SessionState,
    slug: str,
    visit: Callable[[str], T],
    read: Callable[[int, str], tuple[T, LearnerSnapshot]],
) -> T | None:
    """The page's read of a course or pathway: a visitor's alone; a learner's with their progress, from the same
    read, shown in this tab (read_and_show). None when the slug names nothing."""
    account = await state._account()
    try:
        if account is None:
            return await asyncio.to_thread(visit, slug)
        return await read_and_show(state, account.id, partial(read, account.id, slug))
    except NotFound:
        return None
