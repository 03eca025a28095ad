"""Services: a content update as an admin sees it: the impact first (a dry run), then apply, recorded in history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, and_, insert, literal, select

from learnapp.persistence.certs import CERTIFICATE
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT, HISTORY, PATHWAY_ENROLLMENT
from learnapp.persistence.tables import utcnow
from learnapp.services.content_files import ContentSource, load_files, parse_content
from learnapp.services.content_import import ImportReport, import_plan
from learnapp.services.errors import Conflict
from learnapp.settings import get_settings


@dataclass(frozen=True)
class AffectedCertificate:
    """A certificate whose course or pathway the update reopens for its holder: it stays valid."""

    code: str
    learner: str
    kind: str
    title: str


@dataclass(frozen=True)
class ContentImpact:
    report: ImportReport
    certificates: tuple[AffectedCertificate, ...]
    digest: str  # of the files' bytes as previewed: apply_content takes it back and refuses other bytes


class ContentChanged(Conflict):
    code = "content_changed"


def content_files(path: Path, root: Path | None = None) -> ContentSource:
    """The files under the content root (LEARNAPP_CONTENT_DIR) only: regular files, each with a size cap."""
    return load_files(path, root or get_settings().content_dir)


def preview_content(db: Database, path: Path, root: Path | None = None) -> ContentImpact:
    """What applying `path` would change; nothing is written (the import's own dry run)."""
    source = content_files(path, root)
    plan = parse_content(source)
    before = _reopened(db)
    found: list[AffectedCertificate] = []
    report = import_plan(db, plan, dry_run=True, inspect=lambda conn: found.extend(_reopened_in(conn)))
    return ContentImpact(report, _difference(found, before), source.digest)


def apply_content(db: Database, path: Path, actor_id: int, digest: str, root: Path | None = None) -> ContentImpact:
    """Apply exactly the files previewed (same digest) in one transaction; each recomputed row gets a history entry."""
    source = content_files(path, root)
    if source.digest != digest:
        raise ContentChanged("The content files changed since the preview: nothing was applied. Preview them again.")
    plan = parse_content(source)  # from the very bytes just checked, not a second read
    before = _reopened(db)
    started = utcnow()

    found: list[AffectedCertificate] = []

    def record(conn: Connection) -> None:
        _record_recalculated(conn, started, actor_id)
        found.extend(_reopened_in(conn))

    report = import_plan(db, plan, inspect=record)
    return ContentImpact(report, _difference(found, before), digest)


def _reopened(db: Database) -> list[AffectedCertificate]:
    with db.snapshot() as conn:
        return _reopened_in(conn)


def _reopened_in(conn: Connection) -> list[AffectedCertificate]:
    """Certificates whose holder's stored course or pathway row is no longer complete."""
    found: list[AffectedCertificate] = []
    for kind, table, key in (
        ("course", ENROLLMENT, ENROLLMENT.c.course_id),
        ("pathway", PATHWAY_ENROLLMENT, PATHWAY_ENROLLMENT.c.pathway_id),
    ):
        query = (
            select(CERTIFICATE.c.code, CERTIFICATE.c.holder_name, CERTIFICATE.c.title)  # as issued
            .join_from(
                CERTIFICATE, table, and_(table.c.learner_id == CERTIFICATE.c.learner_id, key == CERTIFICATE.c.node_id)
            )
            .where(CERTIFICATE.c.node_kind == kind, table.c.is_complete.is_(False))
            .order_by(CERTIFICATE.c.id)
        )
        found += [AffectedCertificate(code, name, kind, title) for code, name, title in conn.execute(query)]
    return found


def _difference(after: list[AffectedCertificate], before: list[AffectedCertificate]) -> tuple[AffectedCertificate, ...]:
    already = {c.code for c in before}
    return tuple(c for c in after if c.code not in already)


def _record_recalculated(conn: Connection, since: datetime, actor_id: int) -> None:
    """One history entry per stored row this update recomputed, in one statement per kind."""
    for table, column in ((ENROLLMENT, "course_id"), (PATHWAY_ENROLLMENT, "pathway_id")):
        rows = select(
            literal(utcnow(), HISTORY.c.at.type),
            table.c.learner_id,
            literal(actor_id),
            literal("recalculated"),
            literal("admin"),
            table.c[column],
            literal("content update: now ") + table.c.percent.cast(HISTORY.c.detail.type) + literal("%"),
        ).where(table.c.updated_at >= since)
        columns = ["at", "learner_id", "actor_id", "action", "source", column, "detail"]
        conn.execute(insert(HISTORY).from_select(columns, rows))
