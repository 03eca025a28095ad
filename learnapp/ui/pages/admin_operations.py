"""UI: the admin's Operations page: the recorded runs (who, when, scope, outcome, counts) and their report files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.components.react_router.dom import ReactRouterLink
from reflex.event import EventSpec
from reflex.vars import ObjectVar, StringVar

from learnapp.domain import routes
from learnapp.services.admin.operations_view import RunFile, RunRow, operation_runs
from learnapp.services.operations.runs import runs_folder
from learnapp.ui.components.layout import data_table
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header, number
from learnapp.ui.session import db

COLORS = {
    "succeeded": "green",
    "running": "blue",
    "interrupted": "orange",
    "dry-run": "gray",
    "failed": "red",
    "refused": "red",
}
HEADERS = ["Run", "Operation", "Outcome", "Started", "Scope", "Counts", "Reports"]  # on a phone: the first three


def _size(size: int) -> str:
    return (
        f"{size:,} B"
        if size < 1024
        else f"{size / 1024:,.1f} KB"
        if size < 1024 * 1024
        else f"{size / 1048576:,.1f} MB"
    )


def _file(run_id: int, found: RunFile) -> dict[str, str]:
    # Served by api/admin_files.py to admins only.
    return {"name": found.name, "size": _size(found.size), "href": f"/admin-files/runs/{run_id}/{found.name}"}


def _took(row: RunRow) -> str:
    if row.finished_at is None:
        return "not finished"
    seconds = (row.finished_at - row.started_at).total_seconds()
    if seconds < 0.1:
        return "took under 0.1 s"
    return f"took {seconds:.1f} s" if seconds < 120 else f"took {seconds / 60:.0f} min"


def _run(row: RunRow, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "label": row.label,
        "dry": "dry run" if row.dry_run else "",
        "actor": row.actor,
        "started": row.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        "took": _took(row),
        "scope": row.scope,
        "status": row.status,
        "color": COLORS.get(row.status, "gray"),
        "counts": " · ".join(f"{number(n)} {words}" for words, n in row.counts) or "—",
        "error": row.error,
        "note": "pruned: snapshots and files deleted" if row.pruned else "",
        "files": [_file(row.id, f) for f in row.files],
    }


class OperationsState(AdminState):
    runs: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    folder: rx.Field[str] = rx.field("")

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        await self._show()

    @event
    async def refresh(self) -> None:
        await self._show()

    async def _show(self) -> None:
        account = await self._admin()
        if account is None:
            self.runs, self.folder = [], ""
            return
        zone = ZoneInfo(account.time_zone or "UTC")
        found = await asyncio.to_thread(operation_runs, db())
        self.runs = [_run(row, zone) for row in found]
        self.folder = str(runs_folder(db()))
        self._stamp(account, datetime.now(ZoneInfo("UTC")))


def _download(item: ObjectVar[dict[str, str]], run_id: StringVar) -> rx.Component:
    """A plain <a download> styled as a button: the file comes from an HTTP route, not a page of the app."""
    return rx.button(
        # A document navigation, not the router's: the browser saves the file and the page stays.
        ReactRouterLink.create(
            rx.icon("download", size=14),
            item["name"],
            to=item["href"],
            reload_document=True,
            download="run-" + run_id + "-" + item["name"],
            aria_label="Download " + item["name"] + " of run " + run_id + " (" + item["size"] + ")",
        ),
        as_child=True,
        size="1",
        variant="soft",
    )


def _run_row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
    files = item["files"].to(list[dict[str, str]])
    return rx.table.row(
        rx.table.row_header_cell(rx.text("#", item["id"], weight="medium"), white_space="nowrap"),
        rx.table.cell(
            rx.vstack(
                rx.text(item["label"], weight="medium"),
                rx.text("by ", item["actor"], size="1", color_scheme="gray"),
                rx.cond(item["dry"] != "", rx.badge(item["dry"], variant="outline", color_scheme="gray")),
                spacing="1",
            ),
            min_width="9em",
        ),
        rx.table.cell(
            rx.vstack(
                rx.badge(item["status"], color_scheme=item["color"].to(str)),
                rx.cond(item["error"] != "", rx.text(item["error"], size="1", color_scheme="red")),
                rx.cond(item["note"] != "", rx.text(item["note"], size="1", color_scheme="gray")),
                spacing="1",
            ),
            white_space="normal",
            min_width="8em",
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(item["started"]),
                rx.text(item["took"], size="1", color_scheme="gray"),
                spacing="1",
            ),
            white_space="nowrap",
        ),
        rx.table.cell(item["scope"], white_space="normal", min_width="10em"),
        rx.table.cell(item["counts"], white_space="normal", min_width="11em"),
        rx.table.cell(
            rx.cond(
                files.length() > 0,
                rx.flex(
                    rx.foreach(files, lambda f: _download(f, item["id"].to(str))),
                    direction="column",
                    align="start",
                    spacing="1",
                ),
                rx.text("none", size="1", color_scheme="gray"),
            ),
        ),
    )


S = OperationsState


def operations_page() -> rx.Component:
    return admin_page(
        "Operations",
        crumbs(("Admin", routes.ADMIN)),
        header("Operations", S.refresh),
        rx.text(
            "The latest 50 runs of the operator commands on this database: recalculate, its rollback, progress "
            "imports and their rollbacks. Runs start from the command line (",
            rx.code("learnapp recalculate"),
            ", ",
            rx.code("learnapp progress import"),
            "), not from here.",
            size="2",
            color_scheme="gray",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Runs", size="4", as_="h2"),
                rx.cond(
                    S.runs.length() > 0,
                    data_table(HEADERS, S.runs, _run_row, "Operation runs"),
                    rx.text("No run yet.", color_scheme="gray"),
                ),
                rx.text("Run files of this database: ", rx.code(S.folder), size="1", color_scheme="gray"),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
    )
