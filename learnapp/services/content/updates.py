"""Services: a content update as an admin sees it: the impact first (a dry run), then apply, recorded in history.

Content comes from a folder under the content root (operators) or from files uploaded in the browser (kept server-side
by digest between preview and apply). Apply applies exactly the bytes previewed, onto the catalog previewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from learnapp.domain.clock import utcnow
from learnapp.persistence import content_updates
from learnapp.persistence.catalog import catalog_version
from learnapp.persistence.db import Connection, Database
from learnapp.services.content.apply import ImportReport, import_plan
from learnapp.services.content.bundles import load_bundle, store_bundle
from learnapp.services.content.files import ContentSource, load_files, parse_content
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
class Previewed:
    """What Apply holds on to between preview and apply (a page keeps it in its state)."""

    digest: str  # of the files' bytes as previewed: apply takes it back and refuses other bytes
    catalog_version: int  # of the catalog the preview was computed on: apply refuses any other
    changes: bool  # whether the preview changed anything


@dataclass(frozen=True)
class ContentImpact:
    report: ImportReport
    certificates: tuple[AffectedCertificate, ...]
    digest: str  # of the files' bytes as previewed: apply_content takes it back and refuses other bytes
    catalog_version: int = 0  # of the catalog the preview was computed on: apply refuses any other

    @property
    def previewed(self) -> Previewed:
        return Previewed(self.digest, self.catalog_version, self.report.changed)


class ContentChanged(Conflict):
    code = "content_changed"


class CatalogChanged(Conflict):
    code = "catalog_changed"


def content_files(path: Path, root: Path | None = None) -> ContentSource:
    """The files under the content root (LEARNAPP_CONTENT_DIR) only: regular files, each with a size cap."""
    return load_files(path, root or get_settings().content_dir)


def preview_content(db: Database, path: Path, root: Path | None = None) -> ContentImpact:
    """What applying `path` would change; nothing is written (the import's own dry run)."""
    return preview_source(db, content_files(path, root))


def preview_upload(db: Database, source: ContentSource) -> ContentImpact:
    """Validate uploaded files, preview them and keep them server-side (by digest) for apply_upload."""
    impact = preview_source(db, source)  # ContentError first: invalid uploads are never kept
    store_bundle(db, source)
    return impact


def apply_upload(db: Database, previewed: Previewed, actor_id: int) -> ContentImpact:
    """Apply the uploaded files of `previewed` (by digest), only onto the catalog version they were previewed on."""
    return apply_source(db, load_bundle(db, previewed.digest), actor_id, previewed)


def preview_source(db: Database, source: ContentSource) -> ContentImpact:
    plan = parse_content(source)
    before = _reopened(db)
    found: list[AffectedCertificate] = []
    versions: list[int] = []

    def inspect(conn: Connection) -> None:
        found.extend(_reopened_in(conn))
        versions.append(catalog_version(conn))

    report = import_plan(db, plan, dry_run=True, inspect=inspect)
    # Read inside the dry run, after its own bump (if it changed anything): the version it started from.
    previewed = versions[0] - (1 if report.changed else 0)
    return ContentImpact(report, _difference(found, before), source.digest, previewed)


def apply_content(db: Database, path: Path, actor_id: int, digest: str, root: Path | None = None) -> ContentImpact:
    """Apply exactly the files previewed (same digest) in one transaction; each recomputed row gets a history entry."""
    source = content_files(path, root)
    if source.digest != digest:
        raise ContentChanged("The content files changed since the preview: nothing was applied. Preview them again.")
    return apply_source(db, source, actor_id)


CATALOG_CHANGED = (
    "The published catalog changed since this preview (content was applied meanwhile): nothing was applied. "
    "Preview again to see the impact on the catalog as it is now."
)


def apply_source(
    db: Database, source: ContentSource, actor_id: int, previewed: Previewed | None = None
) -> ContentImpact:
    """Apply `source`; with `previewed`, only onto the catalog version it was previewed on (else nothing changes)."""
    plan = parse_content(source)  # from the very bytes just checked, not a second read
    before = _reopened(db)
    started = utcnow()
    found: list[AffectedCertificate] = []

    def record(conn: Connection) -> None:
        # On the previewed catalog the import changes what the preview did, so the version it leaves is known.
        # Checked in the import's own transaction: raising here rolls the whole import back.
        if previewed is not None and catalog_version(conn) != previewed.catalog_version + previewed.changes:
            raise CatalogChanged(CATALOG_CHANGED)
        _record_recalculated(conn, started, actor_id)
        found.extend(_reopened_in(conn))

    report = import_plan(db, plan, inspect=record)
    if previewed is not None and previewed.changes and not report.changed:
        # The one case the version cannot tell: the same files were applied meanwhile. This import wrote nothing.
        raise CatalogChanged(CATALOG_CHANGED)
    return ContentImpact(report, _difference(found, before), source.digest, _current_version(db))


def _current_version(db: Database) -> int:
    with db.snapshot() as conn:
        return catalog_version(conn)


def _reopened(db: Database) -> list[AffectedCertificate]:
    with db.snapshot() as conn:
        return _reopened_in(conn)


def _reopened_in(conn: Connection) -> list[AffectedCertificate]:
    """Certificates whose holder's stored course or pathway row is no longer complete."""
    return [AffectedCertificate(*found) for found in content_updates.reopened_certificates(conn)]


def _difference(after: list[AffectedCertificate], before: list[AffectedCertificate]) -> tuple[AffectedCertificate, ...]:
    already = {c.code for c in before}
    return tuple(c for c in after if c.code not in already)


def _record_recalculated(conn: Connection, since: datetime, actor_id: int) -> None:
    """One history entry per stored row this update recomputed, in one statement per kind."""
    content_updates.record_recalculated(conn, since, actor_id)
