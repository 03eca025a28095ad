"""Test helpers: read stored rows and recompute them from the facts, to compare the two."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from math import floor
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, select, text

from learnapp.persistence.catalog import load_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.tables import Enrollment, PathwayEnrollment, UTCDateTime, moment_of
from tests.dbdump import dump  # noqa: F401  (re-exported for the suites)

# The oracle below reads the tables with plain SQL and counts by hand (SPEC §3): it must not share code
# with learnapp.domain.progress or services.refresh, or a bug there would be copied into the expectation.


def stored_course(db: Database, learner_id: int, course_slug: str) -> Enrollment:
    with db.read() as session:
        catalog = load_catalog(session)
        course = catalog.course(course_slug)
        assert course is not None
        row = session.execute(
            select(Enrollment).where(Enrollment.learner_id == learner_id, Enrollment.course_id == course.id)
        ).scalar_one()
        return row


def stored_pathway(db: Database, learner_id: int, pathway_slug: str) -> PathwayEnrollment:
    with db.read() as session:
        pathway = load_catalog(session).pathway(pathway_slug)
        assert pathway is not None
        return session.execute(
            select(PathwayEnrollment).where(
                PathwayEnrollment.learner_id == learner_id, PathwayEnrollment.pathway_id == pathway.id
            )
        ).scalar_one()


@dataclass(frozen=True)
class Tree:
    """The live content as plain id lists: countable lessons per module, modules per course, courses per pathway."""

    lessons_of_module: dict[int, list[int]]
    modules_of_course: dict[int, list[int]]
    courses_of_pathway: dict[int, list[int]]


def _rows(conn: Connection, sql: str) -> list[Any]:
    return list(conn.execute(text(sql)))


def read_tree(conn: Connection) -> Tree:
    live_modules = {r[0] for r in _rows(conn, "SELECT id FROM module WHERE NOT retired")}
    live_courses = {r[0] for r in _rows(conn, "SELECT id FROM course WHERE NOT retired")}
    lessons: dict[int, list[int]] = {m: [] for m in live_modules}
    for lesson_id, module_id in _rows(conn, "SELECT id, module_id FROM lesson WHERE NOT retired AND NOT preview"):
        if module_id in lessons:
            lessons[module_id].append(lesson_id)
    modules: dict[int, list[int]] = {c: [] for c in live_courses}
    for course_id, module_id in _rows(conn, "SELECT course_id, module_id FROM course_module"):
        if course_id in modules and module_id in live_modules:
            modules[course_id].append(module_id)
    courses: dict[int, list[int]] = {p[0]: [] for p in _rows(conn, "SELECT id FROM pathway WHERE NOT retired")}
    for pathway_id, course_id in _rows(conn, "SELECT pathway_id, course_id FROM pathway_course"):
        if pathway_id in courses and course_id in live_courses:
            courses[pathway_id].append(course_id)
    return Tree(lessons, modules, courses)


def floor_percent(completed: int, total: int, complete: bool) -> int:
    """SPEC §3.5: floor(100 × completed / total), 0 for an empty node, and 100 only when complete."""
    if total == 0:
        return 0
    percent = floor(Fraction(100 * completed, total))
    return 99 if percent == 100 and not complete else percent


def expected_course(tree: Tree, course_id: int, times: dict[int, datetime]) -> dict[str, Any]:
    modules = tree.modules_of_course.get(course_id, [])
    lessons = {lesson for m in modules for lesson in tree.lessons_of_module[m]}
    done = [lesson for lesson in lessons if lesson in times]
    # Every module needs a countable lesson and all of them done; a module of previews only blocks completion.
    complete = bool(modules) and all(
        tree.lessons_of_module[m] and all(lesson in times for lesson in tree.lessons_of_module[m]) for m in modules
    )
    return {
        "completed": len(done),
        "total": len(lessons),
        "percent": floor_percent(len(done), len(lessons), complete),
        "is_complete": complete,
        "completed_at": max(times[lesson] for lesson in done) if complete else None,
    }


def expected_pathway(tree: Tree, pathway_id: int, times: dict[int, datetime]) -> dict[str, Any]:
    courses = tree.courses_of_pathway.get(pathway_id, [])
    lessons = {x for c in courses for m in tree.modules_of_course[c] for x in tree.lessons_of_module[m]}
    done = [lesson for lesson in lessons if lesson in times]
    finished = sum(1 for c in courses if expected_course(tree, c, times)["is_complete"])
    complete = bool(courses) and finished == len(courses)
    return {
        "completed": len(done),
        "total": len(lessons),
        "percent": floor_percent(len(done), len(lessons), complete),
        "is_complete": complete,
        "completed_at": max(times[lesson] for lesson in done) if complete else None,
        "courses_completed": finished,
        "courses_total": len(courses),
    }


def recorded_enrollments(conn: Connection) -> set[tuple[int, str, int]]:
    """(learner, kind, node) the learner has, from records other than the rows themselves.

    The "enrolled" history entries not followed by an "unenrolled" one (a legacy import's rollback), or an
    enrollment a legacy import created (before it wrote history) that no rollback of that run has taken back.
    """
    found: set[tuple[int, str, int]] = set()
    for action, learner, course, pathway in _rows(
        conn,
        "SELECT action, learner_id, course_id, pathway_id FROM progress_history "
        "WHERE action IN ('enrolled', 'unenrolled') ORDER BY id",
    ):
        node = (learner, "pathway", pathway) if pathway is not None else (learner, "course", course)
        if action == "enrolled":
            found.add(node)
        else:  # a rollback of the legacy import that created it
            found.discard(node)
    rolled_back: set[tuple[int, int | None]] = set()
    for (arguments,) in _rows(conn, "SELECT arguments FROM operation_run WHERE kind = 'progress-rollback'"):
        parsed = json.loads(arguments)
        rolled_back.add((int(parsed["run"]), parsed.get("learner")))
    for run, learner, kind, node in _rows(
        conn, "SELECT run_id, learner_id, node_kind, node_id FROM imported_enrollment"
    ):
        if (run, None) not in rolled_back and (run, learner) not in rolled_back:
            found.add((learner, kind, node))
    return found


_COURSE_SQL = (
    "SELECT learner_id, course_id, completed, total, percent, is_complete, completed_at, first_completed_at "
    "FROM enrollment"
)
_PATHWAY_SQL = (
    "SELECT learner_id, pathway_id, completed, total, percent, is_complete, completed_at, first_completed_at, "
    "courses_completed, courses_total FROM pathway_enrollment"
)


def stored_moment(value: Any) -> datetime | None:
    """A moment as raw SQL reads it (SQLite: an integer of microseconds, tables.UTCDateTime; PostgreSQL: a zoned
    datetime; older SQLite text) as an aware UTC datetime, so every time compares as one."""
    if value is None:
        return None
    if isinstance(value, int):
        return moment_of(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]


def stored_rows(conn: Connection) -> dict[tuple[int, str, int], dict[str, Any]]:
    rows: dict[tuple[int, str, int], dict[str, Any]] = {}
    for kind, sql in (("course", _COURSE_SQL), ("pathway", _PATHWAY_SQL)):
        for row in conn.execute(text(sql)).mappings():
            values = dict(row)
            learner, node = values.pop("learner_id"), values.pop(f"{kind}_id")
            values["is_complete"] = bool(values["is_complete"])
            values["completed_at"] = stored_moment(values["completed_at"])
            values["first_completed_at"] = stored_moment(values["first_completed_at"])
            rows[(learner, kind, node)] = values
    return rows


def completion_facts(conn: Connection) -> dict[int, dict[int, datetime]]:
    facts: dict[int, dict[int, datetime]] = defaultdict(dict)
    for learner, lesson, at in _rows(conn, "SELECT learner_id, lesson_id, completed_at FROM lesson_completion"):
        moment = stored_moment(at)
        assert moment is not None
        facts[learner][lesson] = moment
    return facts


CLAIM_TOLERANCE = timedelta(minutes=5)


def claimed_times(conn: Connection) -> dict[tuple[int, str, int], set[datetime]]:
    """Per (learner, kind, node), the times accepted claims kept (history 'completion_claimed', accepted_at)."""
    found: dict[tuple[int, str, int], set[datetime]] = defaultdict(set)
    sql = "SELECT learner_id, course_id, pathway_id, detail FROM progress_history WHERE action = 'completion_claimed'"
    for learner, course, pathway, detail in _rows(conn, sql):
        accepted = json.loads(detail).get("accepted_at")
        key = (learner, "pathway", pathway) if pathway is not None else (learner, "course", course)
        if accepted:
            found[key].add(datetime.fromisoformat(accepted))
    return found


def invariant_problems(db: Database) -> list[str]:
    """Every way the stored progress differs from the facts; empty when the invariant holds."""
    with db.engine.connect() as conn:
        tree, facts, stored = read_tree(conn), completion_facts(conn), stored_rows(conn)
        recorded, claims = recorded_enrollments(conn), claimed_times(conn)
    problems = [f"row missing for enrollment {key}" for key in sorted(recorded - set(stored))]
    problems += [f"row {key} is not an enrollment the learner has" for key in sorted(set(stored) - recorded)]
    for key, row in sorted(stored.items()):
        learner, kind, node = key
        times = facts.get(learner, {})
        wanted = expected_course(tree, node, times) if kind == "course" else expected_pathway(tree, node, times)
        kept = row["completed_at"]
        # An accepted claim's time, within ±5 minutes of the latest lesson, stands for it while the node is complete.
        if (
            wanted["is_complete"]
            and kept in claims.get(key, ())
            and abs(kept - wanted["completed_at"]) <= CLAIM_TOLERANCE
        ):
            wanted["completed_at"] = kept
        for column, value in wanted.items():
            if row[column] != value:
                problems.append(f"{kind} {node} of learner {learner}: {column} is {row[column]!r}, facts say {value!r}")
        first = row["first_completed_at"]
        # SPEC §3.7: a complete node has been completed at some point. Not "first <= completed_at": a content change
        # that removes a module, or a backdated import, makes a node complete earlier than it first was.
        if wanted["is_complete"] and first is None:
            problems.append(f"{kind} {node} of learner {learner}: first_completed_at {first!r} for a complete node")
    return problems


def assert_stored_equals_recomputed(db: Database) -> None:
    """The invariant: the stored rows are exactly the learners' enrollments, each equal to its facts now."""
    problems = invariant_problems(db)
    assert not problems, "\n".join(problems)


def moment_text(sql: str, params: Mapping[str, object]) -> TextClause:
    """A raw statement whose datetime parameters bind as stored moments (tables.UTCDateTime: integers on SQLite)."""
    moments = [bindparam(k, type_=UTCDateTime()) for k, v in params.items() if isinstance(v, datetime)]
    return text(sql).bindparams(*moments)
