"""UI: content update with its impact first: a folder on the server → dry run report → Apply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec

from learnapp.services.admin_content import ContentImpact, apply_content, preview_content
from learnapp.services.content_files import ContentError
from learnapp.services.errors import LearnappError
from learnapp.settings import get_settings
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header, number, table, tiles
from learnapp.ui.session import db

MAX_CERTIFICATES_SHOWN = 100


class ContentState(AdminState):
    path: str = ""
    busy: bool = False
    stage: str = ""  # "", "previewed" or "applied"
    unchanged: bool = False
    figures: list[list[str]] = []
    kinds: list[dict[str, Any]] = []
    courses: list[str] = []
    certificates: list[dict[str, Any]] = []
    problems: list[str] = []
    _previewed: str = ""  # backend only: Apply applies exactly the folder that was previewed...
    _digest: str = ""  # ...and exactly its bytes as previewed (changed files are refused)

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        account = await self._admin()
        self._clear()
        if account is None:
            return
        self.path = self.path or str(get_settings().content_dir)
        self._stamp(account, datetime.now(ZoneInfo("UTC")))

    def _clear(self) -> None:
        self.stage, self.unchanged, self.figures, self.kinds, self.courses = "", False, [], [], []
        self.certificates, self.problems, self._previewed, self._digest = [], [], "", ""

    @rx.event
    async def preview(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        async for step in self._run(str(form.get("path", "")).strip(), apply=False):
            yield step

    @rx.event
    async def apply(self) -> AsyncIterator[EventSpec | None]:
        async for step in self._run(self._previewed, apply=True, digest=self._digest):
            yield step

    async def _run(self, path: str, apply: bool, digest: str = "") -> AsyncIterator[EventSpec | None]:
        account = await self._admin()
        self._clear()
        if account is None or not path:
            return
        self.path, self.busy = path, True
        yield None
        try:
            if apply:
                impact = await asyncio.to_thread(apply_content, db(), Path(path), account.id, digest)
            else:
                impact = await asyncio.to_thread(preview_content, db(), Path(path))
        except ContentError as error:
            self.problems = [str(p) for p in error.problems]
        except (LearnappError, OSError) as error:
            self.problems = [getattr(error, "message", None) or f"{type(error).__name__}: {error}"]
        else:
            self._show(impact, applied=apply)
            self._previewed, self._digest = ("", "") if apply else (path, impact.digest)
        finally:
            self.busy = False
        self._stamp(account, datetime.now(ZoneInfo("UTC")))  # the "Applied" callout says it: a toast needs eval (CSP)

    def _show(self, impact: ContentImpact, applied: bool) -> None:
        r = impact.report
        self.stage, self.unchanged = ("applied" if applied else "previewed"), not r.changed
        self.figures = [
            ["Courses changing", number(len(r.changed_courses)), "content differs"],
            ["Dropping below 100%", number(r.learners_dropping), "learners"],
            ["Gaining 100%", number(r.learners_gaining), "learners"],
            ["Completions reopened", number(r.completions_reopened), "course or pathway rows"],
            ["Certificates affected", number(len(impact.certificates)), "none are revoked"],
            ["Progress rows", number(r.progress_rows_changed), "stored rows that changed"],
        ]
        kinds = sorted(set(r.created) | set(r.updated) | set(r.retired))
        self.kinds = [
            {"kind": k, "created": r.created[k], "updated": r.updated[k], "retired": r.retired[k]} for k in kinds
        ]
        self.courses = list(r.changed_courses)
        self.certificates = [
            {"learner": c.learner, "title": c.title, "kind": c.kind, "code": c.code}
            for c in impact.certificates[:MAX_CERTIFICATES_SHOWN]
        ]


S = ContentState


def report() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.stage == "applied",
            rx.callout(
                "Applied. Stored progress of the affected learners was recomputed. Each change is in their history.",
                icon="check",
                color_scheme="green",
                width="100%",
            ),
            rx.callout("Preview only: nothing has been written yet.", icon="eye", width="100%"),
        ),
        tiles(S.figures),
        rx.card(
            rx.vstack(
                rx.heading("What changes", size="4", as_="h2"),
                rx.flex(rx.foreach(S.courses, lambda c: rx.badge(c, size="2", variant="soft")), gap="2", wrap="wrap"),
                table(["Item", "Created", "Updated", "Retired"], S.kinds, ["kind", "created", "updated", "retired"]),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Certificates affected", size="4", as_="h2"),
                rx.text(
                    "Their holders' course or pathway reopens. Certificates are never revoked: these stay valid.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    S.certificates.length() == 0,
                    rx.text("None.", size="2", color_scheme="gray"),
                    table(
                        ["Learner", "Course or pathway", "Kind", "Code"],
                        S.certificates,
                        ["learner", "title", "kind", "code"],
                        height="300px",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(
            S.stage == "previewed",
            rx.hstack(
                rx.button("Apply update", size="3", on_click=S.apply, loading=S.busy, disabled=S.busy),
                rx.text(
                    "Applies in one transaction and recomputes the affected learners' progress.",
                    size="2",
                    color_scheme="gray",
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
        ),
        spacing="4",
        width="100%",
    )


def steps() -> rx.Component:
    items = [
        ("folder-open", "Point at a folder of content files on the server (the configured one is filled in)."),
        (
            "eye",
            "Preview: which courses change, how many learners drop below 100% or reach it, which certificates "
            "are affected. Nothing is written.",
        ),
        (
            "check",
            "Apply: one transaction; the affected learners' stored progress is recomputed and each change is "
            "recorded in their history. Completions stay; certificates are never revoked.",
        ),
    ]
    return rx.card(
        rx.vstack(
            *(
                rx.hstack(rx.icon(icon, size=18, color="var(--accent-9)", flex_shrink="0"), rx.text(text, size="2"))
                for icon, text in items
            ),
            spacing="3",
        ),
        width="100%",
        variant="surface",
    )


def content_page() -> rx.Component:
    return admin_page(
        "Update content",
        crumbs(("Admin", "/admin")),
        header("Update content", None),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.text("Content folder on the server", weight="medium"),
                    rx.hstack(
                        rx.input(
                            name="path",
                            default_value=S.path,
                            key=S.path,
                            aria_label="Content folder on the server",
                            width="100%",
                        ),
                        rx.button("Preview impact", type="submit", loading=S.busy, disabled=S.busy),
                        width="100%",
                    ),
                    rx.text(
                        "YAML files as described in content/README.md, inside the configured content folder, each at "
                        "most 1 MiB; nothing is written until you apply.",
                        size="1",
                        color_scheme="gray",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.preview,
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(S.stage == "", steps()),
        rx.cond(
            S.problems.length() > 0,
            rx.callout(
                rx.vstack(rx.text("Nothing was written:", weight="bold"), rx.foreach(S.problems, rx.text), spacing="1"),
                icon="triangle-alert",
                color_scheme="red",
                width="100%",
            ),
        ),
        rx.cond(
            S.stage != "",
            rx.cond(
                S.unchanged,
                rx.callout("These files match the published content: nothing to do.", icon="info", width="100%"),
                report(),
            ),
        ),
    )
