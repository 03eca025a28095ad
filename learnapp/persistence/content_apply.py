"""Persistence: a content import's writes: rows upserted by slug or retired, links replaced, the version bumped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlmodel import Session, col

from learnapp.domain.clock import utcnow
from learnapp.persistence.tables import (
    CatalogState,
    CourseModule,
    CourseRow,
    Enrollment,
    LessonRow,
    ModuleRow,
    PathwayCourse,
    PathwayEnrollment,
    PathwayRow,
)

_ROWS: dict[str, type[Any]] = {"module": ModuleRow, "lesson": LessonRow, "course": CourseRow, "pathway": PathwayRow}
# A parent's children: the link table, the parent's column, the child's column.
_LINKS: dict[str, tuple[type[Any], str, str]] = {
    "course": (CourseModule, "course_id", "module_id"),
    "pathway": (PathwayCourse, "pathway_id", "course_id"),
}


class Tally(Protocol):
    """What an import counts per kind of row (its report)."""

    created: Counter[str]
    updated: Counter[str]
    retired: Counter[str]


def rows_by_slug(session: Session, kind: str) -> dict[str, Any]:
    """Every row of `kind` (module, lesson, course, pathway), retired ones too, by slug."""
    return {row.slug: row for row in session.execute(select(_ROWS[kind])).scalars()}


def upsert(session: Session, rows: dict[str, Any], label: str, slug: str, tally: Tally, /, **values: Any) -> Any:
    """The row of `label` (module, lesson, ...) with `slug`, created or brought up to `values` (and no longer retired);
    counted if so. Positional first arguments: a lesson's values have a `kind` of their own."""
    row = rows.get(slug)
    values["retired"] = False
    if row is None:
        row = _ROWS[label](slug=slug, **values)
        session.add(row)
        session.flush()
        rows[slug] = row
        tally.created[label] += 1
    elif any(getattr(row, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        tally.updated[label] += 1
    return row


def retire(rows: dict[str, Any], keep: set[str], tally: Tally, kind: str) -> None:
    # Retire rather than delete: completions of a removed lesson are facts and stay.
    for slug, row in rows.items():
        if slug not in keep and not row.retired:
            row.retired = True
            tally.retired[kind] += 1


def relink(session: Session, kind: str, parent_id: int, wanted: list[tuple[int, int]], tally: Tally) -> None:
    """Make the parent's (child id, position) links exactly `wanted`; replaced, and counted, only when they differ."""
    table, parent_key, child_key = _LINKS[kind]
    current = sorted(
        (
            (getattr(r, child_key), r.position)
            for r in session.execute(select(table).where(getattr(table, parent_key) == parent_id)).scalars()
        ),
        key=lambda pair: pair[1],
    )
    if current == wanted:
        return
    session.execute(delete(table).where(getattr(table, parent_key) == parent_id))
    session.add_all(table(**{parent_key: parent_id, child_key: cid, "position": pos}) for cid, pos in wanted)
    session.flush()
    tally.updated[f"{table.__tablename__} links"] += 1


def bump_version(session: Session) -> int:
    """The catalog's next version, stamped now and flushed: the one the import publishes."""
    state = session.get(CatalogState, 1) or CatalogState(id=1)
    state.version += 1
    state.updated_at = utcnow()
    session.add(state)
    session.flush()
    return state.version


def enrolled_learners(session: Session, course_ids: Iterable[int], pathway_ids: Iterable[int]) -> set[int]:
    """Learners enrolled in one of the courses or one of the pathways."""
    learners = set(
        session.execute(select(col(Enrollment.learner_id)).where(col(Enrollment.course_id).in_(course_ids))).scalars()
    )
    learners |= set(
        session.execute(
            select(col(PathwayEnrollment.learner_id)).where(col(PathwayEnrollment.pathway_id).in_(pathway_ids))
        ).scalars()
    )
    return learners
