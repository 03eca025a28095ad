"""UI: content update with its impact first: upload YAML files (or a zip) → problems by file and line, or the
impact → Apply exactly what was previewed; and the published catalog as a file to download."""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.services.content.files import ContentError
from learnapp.services.content.updates import ContentImpact, Previewed, apply_upload, preview_upload
from learnapp.services.content.upload import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, upload_source
from learnapp.services.errors import LearnappError
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header, number
from learnapp.ui.pages.admin_content_view import download_button, report, steps, upload_zone
from learnapp.ui.session import db

MAX_CERTIFICATES_SHOWN = 100
UPLOAD_ID = "content-files"
EXPORT_PATH = "/admin-files/content/catalog.yaml"  # served by api/content_file.py (the same constant there)


class ContentState(AdminState):
    busy: rx.Field[bool] = rx.field(False)
    stage: rx.Field[str] = rx.field("")  # "", "previewed" or "applied"
    unchanged: rx.Field[bool] = rx.field(False)
    files: rx.Field[list[str]] = rx.field(default_factory=list)  # the names checked, as the admin sees them
    figures: rx.Field[list[list[str]]] = rx.field(default_factory=list)
    kinds: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    courses: rx.Field[list[str]] = rx.field(default_factory=list)
    certificates: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    problems: rx.Field[list[str]] = rx.field(default_factory=list)
    # Backend only: Apply applies exactly the upload previewed (its digest, kept server-side) onto the catalog
    # version it was previewed on.
    _digest: str = ""
    _version: int = 0
    _changes: bool = False

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        account = await self._admin()
        self._clear()
        self.files = []
        if account is None:
            return
        self._stamp(account, datetime.now(ZoneInfo("UTC")))

    def _clear(self) -> None:
        self.stage, self.unchanged, self.figures, self.kinds, self.courses = "", False, [], [], []
        self.certificates, self.problems, self._digest, self._version, self._changes = [], [], "", 0, False

    @event
    async def check(self, files: list[rx.UploadFile]) -> AsyncIterator[EventSpec | None]:
        """The files dropped or chosen: validated, previewed and kept server-side for Apply; or every problem."""
        account = await self._admin()  # before a byte is read: a learner's upload is never looked at
        if account is None or not files:  # none accepted: the drop zone says why through `refused`
            return
        self._clear()
        self.busy, self.files = True, [_name(f) for f in files]
        yield None
        try:
            received = await _read(files)
            impact = await asyncio.to_thread(lambda: preview_upload(db(), upload_source(received)))
        except ContentError as error:
            self.problems = [str(p) for p in error.problems]
        except LearnappError as error:
            self.problems = [error.message]
        else:
            self._show(impact, applied=False)
            self._digest, self._version, self._changes = impact.digest, impact.catalog_version, impact.report.changed
        finally:
            self.busy = False
        self._stamp(account, datetime.now(ZoneInfo("UTC")))

    @event
    async def refused(self, rejected: list[str]) -> None:
        """Files the browser would not send (over the size limit), by name: said on the page like the server's
        problems."""
        if await self._admin() is None:
            return
        self._clear()
        names = [_name_of(str(name)) for name in rejected[:MAX_UPLOAD_FILES]] if isinstance(rejected, list) else []
        self.problems = [
            f"{name}: file: is too large (the limit is {MAX_UPLOAD_BYTES // 1048576} MB)" for name in names
        ]

    @event
    async def apply(self) -> AsyncIterator[EventSpec | None]:
        account = await self._admin()
        if account is None or not self._digest:
            return
        previewed = Previewed(self._digest, self._version, self._changes)
        self.busy = True
        yield None
        try:
            impact = await asyncio.to_thread(apply_upload, db(), previewed, account.id)
        except ContentError as error:
            self.problems = [str(p) for p in error.problems]
        except LearnappError as error:
            self._clear()  # refused as a whole: the preview shown no longer says what Apply would do
            self.problems = [error.message]
        else:
            self._clear()
            self._show(impact, applied=True)
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


def _name(file: rx.UploadFile) -> str:
    return _name_of(file.name or file.filename or "")


def _name_of(name: str) -> str:
    """The file's own name, never a path, and short: it is shown on the page."""
    return posixpath.basename(name.replace("\\", "/"))[:200] or "upload"


async def _read(files: list[rx.UploadFile]) -> list[tuple[str, bytes]]:
    """At most the upload limit in all (one byte over is enough to refuse), whatever sizes the request declares."""
    received: list[tuple[str, bytes]] = []
    left = MAX_UPLOAD_BYTES + 1
    for file in files[: MAX_UPLOAD_FILES + 1]:  # one over the count is enough to refuse
        data = await file.read(left) if left > 0 else b""
        left -= len(data)
        received.append((_name(file), data))
    return received


S = ContentState


def content_page() -> rx.Component:
    return admin_page(
        "Update content",
        crumbs(("Admin", routes.ADMIN)),
        header(
            "Update content",
            None,
            download_button(EXPORT_PATH, "catalog.yaml"),
        ),
        upload_zone(S, UPLOAD_ID),
        rx.cond((S.stage == "") & (S.problems.length() == 0), steps()),
        rx.cond(
            S.problems.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text("Nothing was written. Fix these and upload again:", weight="bold"),
                    rx.foreach(S.problems, lambda p: rx.text(p, class_name="content-problem")),
                    spacing="1",
                ),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                width="100%",
            ),
        ),
        rx.cond(
            S.stage != "",
            rx.cond(
                S.unchanged,
                rx.callout("These files match the published content: nothing to do.", icon="info", width="100%"),
                report(S),
            ),
        ),
    )
