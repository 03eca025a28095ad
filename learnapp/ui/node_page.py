"""UI: the frame a course page and a pathway page share: header, a titled list, or a note that it does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from learnapp.services.errors import LearnappError
from learnapp.ui.layout import page
from learnapp.ui.live.channel import change_here
from learnapp.ui.session import SessionState, db


def node_page(
    found: rx.Var, header: rx.Component, heading: str, body: rx.Component, missing: str, **note: Any
) -> rx.Component:
    """`body` under an h2 `heading` (its items' headings, h3, sit under it); `note` styles the missing callout."""
    return page(
        rx.cond(
            found,
            rx.vstack(header, rx.heading(heading, size="5", as_="h2"), body, width="100%", spacing="5"),
            rx.callout(missing, icon="circle-alert", **note),
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
