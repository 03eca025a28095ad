"""UI: the catalog home page, listing pathways and courses."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.persistence.db import default_database
from learnapp.services.catalog import list_catalog


class CatalogState(rx.State):
    entries: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def load(self) -> None:
        # Off the event loop: a database call must never stall other clients.
        entries = await asyncio.to_thread(list_catalog, default_database())
        self.entries = [
            {
                "kind": e.kind,
                "slug": e.slug,
                "title": e.title,
                "description": e.description,
                "meta": f"{e.lessons} lessons · {_duration(e.minutes)}",
                "children": ", ".join(e.children),
            }
            for e in entries
        ]
        self.loaded = True


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def entry_card(entry: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(entry["kind"], color_scheme=rx.cond(entry["kind"] == "pathway", "violet", "indigo")),
                rx.text(entry["meta"], size="2", color_scheme="gray"),
                justify="between",
                width="100%",
            ),
            rx.heading(entry["title"], size="5", as_="h3"),
            rx.text(entry["description"], size="3"),
            rx.text(entry["children"], size="2", color_scheme="gray"),
            spacing="2",
            align="start",
        ),
        width="100%",
    )


def catalog_page() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.heading("learnapp", size="6", as_="span"),
            rx.spacer(),
            rx.color_mode.button(),
            padding="1em 1.5em",
            border_bottom="1px solid var(--gray-a5)",
            align="center",
        ),
        rx.container(
            rx.vstack(
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
                spacing="5",
                padding_y="2em",
            ),
            size="4",
        ),
    )
