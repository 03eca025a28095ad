"""UI: the catalog home page, listing pathways and courses with the signed-in learner's progress."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

import reflex as rx
from reflex.vars import ObjectVar

from learnapp.services.learning.catalog import CatalogEntry, list_catalog
from learnapp.services.learning.read_model import stored_progress
from learnapp.services.learning.snapshot import LearnerSnapshot, with_snapshot
from learnapp.services.learning.views import NodeView, node_key
from learnapp.ui.components.layout import page
from learnapp.ui.events import event
from learnapp.ui.live.channel import read_and_show
from learnapp.ui.session import SessionState, db


@dataclass
class CatalogCard:
    kind: str = "course"
    slug: str = ""
    title: str = ""
    description: str = ""
    meta: str = ""
    children: str = ""
    href: str = ""
    enrolled: bool = False
    percent: int = 0


def _read(learner_id: int) -> tuple[tuple[list[CatalogEntry], dict[str, NodeView]], LearnerSnapshot]:
    """The listing, and the learner's stored progress on it with the tab's snapshot from one read."""
    progress, snapshot = with_snapshot(db(), learner_id, stored_progress)
    return (list_catalog(db()), progress), snapshot


class CatalogState(SessionState):
    entries: rx.Field[list[CatalogCard]] = rx.field(default_factory=list)
    loaded: rx.Field[bool] = rx.field(False)

    @event
    async def load(self) -> None:
        account = await self._account()
        # Off the event loop: a database call must never stall other clients.
        progress: dict[str, NodeView] = {}
        if account is None:
            entries = await asyncio.to_thread(list_catalog, db())
        else:
            entries, progress = await read_and_show(self, account.id, partial(_read, account.id))
        found = [(e, progress.get(node_key(e.kind, e.slug))) for e in entries]
        self.entries = [
            CatalogCard(
                e.kind,
                e.slug,
                e.title,
                e.description,
                f"{plural(e.lessons, 'lesson')} · {_duration(e.minutes)}",
                ", ".join(e.children),
                f"/{e.kind}s/{e.slug}",
                mine is not None,
                mine.percent if mine is not None else 0,
            )
            for e, mine in found
        ]
        self.loaded = True


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def card_link(title: rx.Var | str, href: rx.Var | str, size: str = "5", level: str = "h3") -> rx.Component:
    """A heading whose link covers its whole card (the card needs position: relative); `level` keeps the outline."""
    return rx.heading(
        rx.link(
            title,
            href=href,
            color_scheme="gray",
            high_contrast=True,
            underline="hover",
            _after={"content": "''", "position": "absolute", "inset": "0"},
        ),
        size=size,
        as_=level,
    )


def thin_progress(percent: rx.Var, label: rx.Var | str) -> rx.Component:
    return rx.hstack(
        rx.progress(value=percent, max=100, size="1", width="100%", aria_label=label),
        rx.text(
            percent.to_string() + "%",
            size="1",
            weight="medium",
            min_width="3em",
            text_align="right",
            white_space="nowrap",
            flex_shrink="0",
        ),
        align="center",
        width="100%",
    )


def entry_card(entry: ObjectVar[CatalogCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.hstack(
                    rx.badge(entry.kind, color_scheme=rx.cond(entry.kind == "pathway", "violet", "indigo")),
                    rx.cond(entry.enrolled, rx.badge("Enrolled", color_scheme="green", variant="soft")),
                    spacing="2",
                ),
                rx.text(entry.meta, size="2", color_scheme="gray"),
                justify="between",
                width="100%",
            ),
            card_link(entry.title, entry.href, level="h2"),  # right under the page's h1
            rx.text(entry.description, size="3"),
            rx.text(entry.children, size="2", color_scheme="gray"),
            rx.cond(entry.enrolled, thin_progress(entry.percent, "Your progress in " + entry.title.to(str))),
            spacing="2",
            align="start",
            width="100%",
        ),
        width="100%",
        position="relative",
    )


def catalog_page() -> rx.Component:
    return page(
        rx.heading("Catalog", size="8", as_="h1"),
        rx.text("Pathways and courses you can study, with progress you can trust.", size="4"),
        rx.cond(
            CatalogState.loaded,
            rx.cond(
                CatalogState.entries.length() > 0,
                rx.grid(
                    rx.foreach(CatalogState.entries, entry_card),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                ),
                rx.callout(
                    "The catalog is empty: import content with `learnapp content import content/`.", icon="info"
                ),
            ),
            rx.spinner(size="3"),
        ),
        size="4",
    )
