"""Services: stored progress of a range of learners recomputed from the facts in a few set-based statements."""

from __future__ import annotations

from sqlalchemy import text

from learnapp.domain import progress as rules
from learnapp.domain.content import Catalog
from learnapp.persistence.db import Connection

# The catalog's shape as temporary tables, so the rules of SPEC §3 become joins and GROUP BYs.
_SHAPE = (
    "CREATE TEMP TABLE IF NOT EXISTS tmp_course_lesson (course_id INTEGER, lesson_id INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_course (course_id INTEGER, total INTEGER, completable BOOLEAN)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_pathway_lesson (pathway_id INTEGER, lesson_id INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_pathway_course (pathway_id INTEGER, course_id INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_pathway (pathway_id INTEGER, total INTEGER, courses_total INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_done (learner_id INTEGER, course_id INTEGER, n INTEGER, last TIMESTAMP)",
    "CREATE TEMP TABLE IF NOT EXISTS tmp_path_done (learner_id INTEGER, pathway_id INTEGER, n INTEGER,"
    " last TIMESTAMP, courses INTEGER)",
    # The pathway step counts each learner's complete courses in tmp_done: without this it reads all of it per group.
    "CREATE INDEX IF NOT EXISTS tmp_done_learner ON tmp_done (learner_id)",
)
_TABLES = ("tmp_course_lesson", "tmp_course", "tmp_pathway_lesson", "tmp_pathway_course", "tmp_pathway")


def _percent(done: str, total: str, complete: str) -> str:
    """floor(100 × done / total), 100 only when complete (SPEC §3.5), in SQL."""
    floor = f"(100 * {done}) / {total}"
    return f"CASE WHEN {complete} THEN 100 WHEN {total} = 0 THEN 0 WHEN {floor} >= 100 THEN 99 ELSE {floor} END"


# The unary + keeps the planner (SQLite has no statistics, PostgreSQL none on temp tables) off the course_id and
# pathway_id indexes, which would read every learner of the course: the learner is the narrow way in at any size.
_COURSE_RESET = """
UPDATE enrollment SET completed = 0, total = c.total, percent = 0, is_complete = FALSE, completed_at = NULL
FROM tmp_course c WHERE +enrollment.course_id = c.course_id AND enrollment.learner_id BETWEEN :lo AND :hi"""
_COURSE_DONE = """
INSERT INTO tmp_done (learner_id, course_id, n, last)
SELECT f.learner_id, cl.course_id, count(*), max(f.completed_at)
FROM lesson_completion f JOIN tmp_course_lesson cl ON cl.lesson_id = f.lesson_id
WHERE f.learner_id BETWEEN :lo AND :hi GROUP BY f.learner_id, cl.course_id"""
_COMPLETE = "(c.completable AND d.n = c.total)"
# The f-strings below splice only this module's constant SQL fragments; every value is a bound parameter.
_COURSE_SET = f"""
UPDATE enrollment SET completed = d.n, percent = {_percent("d.n", "c.total", _COMPLETE)},
  is_complete = {_COMPLETE}, completed_at = CASE WHEN {_COMPLETE} THEN d.last END,
  first_completed_at = COALESCE(enrollment.first_completed_at, CASE WHEN {_COMPLETE} THEN d.last END)
FROM tmp_done d JOIN tmp_course c ON c.course_id = d.course_id
WHERE enrollment.learner_id = d.learner_id AND +enrollment.course_id = d.course_id
  AND enrollment.learner_id BETWEEN :lo AND :hi"""  # nosec B608 - constant fragments only
_PATH_RESET = """
UPDATE pathway_enrollment SET completed = 0, total = p.total, percent = 0, is_complete = FALSE,
  completed_at = NULL, courses_completed = 0, courses_total = p.courses_total
FROM tmp_pathway p WHERE +pathway_enrollment.pathway_id = p.pathway_id
  AND pathway_enrollment.learner_id BETWEEN :lo AND :hi"""
_PATH_DONE = f"""
INSERT INTO tmp_path_done (learner_id, pathway_id, n, last, courses)
SELECT f.learner_id, pl.pathway_id, count(*), max(f.completed_at),
  (SELECT count(*) FROM tmp_done d JOIN tmp_course c ON c.course_id = d.course_id
   JOIN tmp_pathway_course pc ON pc.course_id = d.course_id
   WHERE d.learner_id = f.learner_id AND pc.pathway_id = pl.pathway_id AND {_COMPLETE})
FROM lesson_completion f JOIN tmp_pathway_lesson pl ON pl.lesson_id = f.lesson_id
WHERE f.learner_id BETWEEN :lo AND :hi GROUP BY f.learner_id, pl.pathway_id"""  # nosec B608 - constant fragments only
_PATH_COMPLETE = "(p.courses_total > 0 AND d.courses = p.courses_total)"
_PATH_SET = f"""
UPDATE pathway_enrollment SET completed = d.n, percent = {_percent("d.n", "p.total", _PATH_COMPLETE)},
  is_complete = {_PATH_COMPLETE}, courses_completed = d.courses,
  completed_at = CASE WHEN {_PATH_COMPLETE} THEN d.last END,
  first_completed_at = COALESCE(pathway_enrollment.first_completed_at, CASE WHEN {_PATH_COMPLETE} THEN d.last END)
FROM tmp_path_done d JOIN tmp_pathway p ON p.pathway_id = d.pathway_id
WHERE pathway_enrollment.learner_id = d.learner_id AND +pathway_enrollment.pathway_id = d.pathway_id
  AND pathway_enrollment.learner_id BETWEEN :lo AND :hi"""  # nosec B608 - constant fragments only


def load_shape(conn: Connection, catalog: Catalog) -> None:
    """Write the catalog's countable lessons, totals and memberships into this connection's temp tables."""
    for statement in _SHAPE:
        conn.execute(text(statement))
    for table in _TABLES:
        conn.execute(text(f"DELETE FROM {table}"))  # nosec B608 - names from _TABLES
    courses = [c for c in catalog.courses]
    rows = [{"c": c.id, "l": lesson} for c in courses for lesson in sorted(c.countable_ids)]
    if rows:
        conn.execute(text("INSERT INTO tmp_course_lesson VALUES (:c, :l)"), rows)
    # Completable: finishing every countable lesson completes it (false when a module has none, §3.2).
    totals = [
        {"c": c.id, "t": len(c.countable_ids), "ok": _completable(c.id, catalog)} for c in courses if c.countable_ids
    ]
    if totals:
        conn.execute(text("INSERT INTO tmp_course VALUES (:c, :t, :ok)"), totals)
    paths = [{"p": p.id, "l": lesson} for p in catalog.pathways for lesson in sorted(p.countable_ids)]
    if paths:
        conn.execute(text("INSERT INTO tmp_pathway_lesson VALUES (:p, :l)"), paths)
    links = [{"p": p.id, "c": c.id} for p in catalog.pathways for c in p.courses]
    if links:
        conn.execute(text("INSERT INTO tmp_pathway_course VALUES (:p, :c)"), links)
    shapes = [{"p": p.id, "t": len(p.countable_ids), "n": len(p.courses)} for p in catalog.pathways]
    if shapes:
        conn.execute(text("INSERT INTO tmp_pathway VALUES (:p, :t, :n)"), shapes)


def _completable(course_id: int, catalog: Catalog) -> bool:
    course = catalog.course(course_id)
    result = rules.course_progress(course, course.countable_ids) if course else None
    return bool(result and result.counts.complete)


def recompute_range(conn: Connection, lo: int, hi: int, fresh: bool = False) -> None:
    """Stored course and pathway rows of learners lo..hi, from their facts (load_shape first, same connection).

    Only for learners nobody else writes meanwhile (a fresh population): the live path is services.refresh.
    `fresh`: the rows were just inserted as the reset leaves them (totals from tmp_course and tmp_pathway, nothing
    done), so the reset is skipped: on PostgreSQL each UPDATE writes every row anew, with its index entries.
    """
    bounds = {"lo": lo, "hi": hi}
    conn.execute(text("DELETE FROM tmp_done"))
    conn.execute(text("DELETE FROM tmp_path_done"))
    if not fresh:
        conn.execute(text(_COURSE_RESET), bounds)
    conn.execute(text(_COURSE_DONE), bounds)
    conn.execute(text(_COURSE_SET), bounds)
    if not fresh:
        conn.execute(text(_PATH_RESET), bounds)
    conn.execute(text(_PATH_DONE), bounds)
    conn.execute(text(_PATH_SET), bounds)
