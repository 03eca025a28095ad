"""Persistence: what the admin reads about learners: search, a learner's record and history, a course's CSV rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, case, func, or_, select
from sqlalchemy.orm import aliased

from learnapp.domain.ids import parse_id
from learnapp.persistence.db import Connection
from learnapp.persistence.handles import (
    COMPLETION,
    COURSE,
    ENROLLMENT,
    HISTORY,
    LEARNER,
    LESSON,
    PATHWAY,
    PATHWAY_ENROLLMENT,
)

# Each kind of enrollment: its table, the column naming its node, and the nodes' table.
_ENROLLMENTS = {
    "course": (ENROLLMENT, ENROLLMENT.c.course_id, COURSE),
    "pathway": (PATHWAY_ENROLLMENT, PATHWAY_ENROLLMENT.c.pathway_id, PATHWAY),
}
# A course's progress as the admin's CSV shows it, after the learner's id, name and email.
PROGRESS_COLUMNS = (
    "enrolled_at",
    "completed",
    "total",
    "percent",
    "is_complete",
    "completed_at",
    "first_completed_at",
    "last_accessed_at",
)


def search(conn: Connection, text: str, limit: int) -> list[tuple[int, str, str, str, int, int]]:
    """(id, name, email, role, enrollments, complete ones) of learners matching `text` by name, email or id, newest
    first; with no text, the newest accounts. Counts come from one grouped join."""
    done = func.sum(case((ENROLLMENT.c.is_complete, 1), else_=0))
    query = select(LEARNER.c.id, LEARNER.c.name, LEARNER.c.email, LEARNER.c.role, func.count(ENROLLMENT.c.id), done)
    query = query.select_from(LEARNER.outerjoin(ENROLLMENT, ENROLLMENT.c.learner_id == LEARNER.c.id))
    # PostgreSQL refuses a NUL in any string, so a pasted one would be an error instead of no match.
    needle = text.replace("\x00", "").strip().lower()
    if needle:
        pattern = f"%{needle.replace('%', '').replace('_', '')}%"
        match: list[Any] = [func.lower(LEARNER.c.name).like(pattern), LEARNER.c.email.like(pattern)]
        wanted = parse_id(needle)  # "²" or 30 digits are text to search for, not an id to look up
        if wanted is not None:
            match.append(LEARNER.c.id == wanted)
        query = query.where(or_(*match))
    query = query.group_by(LEARNER.c.id).order_by(LEARNER.c.id.desc()).limit(limit)
    return [(int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in conn.execute(query)]


def account(conn: Connection, learner_id: int) -> Row[Any] | None:
    """The learner's own row (id, name, email, role, time_zone, created_at, ...), or None."""
    return conn.execute(select(LEARNER).where(LEARNER.c.id == learner_id)).first()


def lessons_completed(conn: Connection, learner_id: int) -> int:
    return int(conn.execute(select(func.count()).where(COMPLETION.c.learner_id == learner_id)).scalar() or 0)


def enrollments(conn: Connection, kind: str, learner_id: int) -> list[tuple[Any, ...]]:
    """(slug, title, completed, total, percent, is_complete, enrolled_at, last_accessed_at, first_completed_at) of
    each of the learner's enrollments of `kind`, in the catalog's order."""
    table, key, nodes = _ENROLLMENTS[kind]
    columns = [table.c[n] for n in ("completed", "total", "percent", "is_complete", "enrolled_at")]
    columns += [table.c.last_accessed_at, table.c.first_completed_at]
    query = (
        select(nodes.c.slug, nodes.c.title, *columns)
        .join_from(table, nodes, nodes.c.id == key)
        .where(table.c.learner_id == learner_id)
        .order_by(nodes.c.position, nodes.c.id)
    )
    return [tuple(row) for row in conn.execute(query)]


def history(conn: Connection, learner_id: int, limit: int) -> list[tuple[Any, ...]]:
    """(at, action, source, actor's name or None, lesson title or "", course or pathway title or "") of the learner's
    history, newest first."""
    actor = aliased(LEARNER)
    node = func.coalesce(COURSE.c.title, PATHWAY.c.title, "")
    query = (
        select(HISTORY.c.at, HISTORY.c.action, HISTORY.c.source, actor.c.name, func.coalesce(LESSON.c.title, ""), node)
        .select_from(HISTORY)
        .outerjoin(actor, actor.c.id == HISTORY.c.actor_id)
        .outerjoin(LESSON, LESSON.c.id == HISTORY.c.lesson_id)
        .outerjoin(COURSE, COURSE.c.id == HISTORY.c.course_id)
        .outerjoin(PATHWAY, PATHWAY.c.id == HISTORY.c.pathway_id)
        .where(HISTORY.c.learner_id == learner_id)
        .order_by(HISTORY.c.at.desc(), HISTORY.c.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in conn.execute(query)]


def course_progress(conn: Connection, course_id: int) -> list[tuple[Any, ...]]:
    """(learner id, name, email, *PROGRESS_COLUMNS) of each enrollment in the course, by learner id."""
    query = (
        select(LEARNER.c.id, LEARNER.c.name, LEARNER.c.email, *(ENROLLMENT.c[n] for n in PROGRESS_COLUMNS))
        .join_from(ENROLLMENT, LEARNER, LEARNER.c.id == ENROLLMENT.c.learner_id)
        .where(ENROLLMENT.c.course_id == course_id)
        .order_by(LEARNER.c.id)
    )
    return [tuple(row) for row in conn.execute(query)]


def emails(conn: Connection, learner_ids: Iterable[int]) -> dict[int, str]:
    """The learners' emails by id, in id order (unknown ids left out)."""
    wanted = sorted(set(learner_ids))
    if not wanted:
        return {}
    rows = conn.execute(select(LEARNER.c.id, LEARNER.c.email).where(LEARNER.c.id.in_(wanted)).order_by(LEARNER.c.id))
    return {int(row.id): str(row.email) for row in rows}
