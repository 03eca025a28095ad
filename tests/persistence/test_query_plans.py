"""Learner-facing reads cost the same at 1,000 or 1,000,000 learners: no statement they send scans a learner's table.

Each read below is called on a seeded database with a listener capturing the statements it sends; each statement is
then EXPLAINed with its own parameters (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with sequential scans
priced out, so a Seq Scan shows only where no index can serve). A learner-keyed table may only be reached through an
index whose condition starts with the learner (or a unique key such as the row id or a token's hash).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, event

from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import session_account, start_session
from learnapp.services.accounts.tokens import create_token, token_caller
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.live import ProgressChanged, Scope, read_change, writing_from
from learnapp.services.engine.shared_credit import shared_credit
from learnapp.services.learning.catalog import catalog_progress
from learnapp.services.learning.dashboard import dashboard
from learnapp.services.learning.learner_progress import learner_progress
from learnapp.services.learning.lessons import open_lesson
from learnapp.services.learning.my_stats import learner_stats
from learnapp.services.learning.progress import (
    continue_learning,
    course_outline,
    next_lesson,
    node_progress,
    pathway_outline,
)
from learnapp.services.learning.snapshot import learner_snapshot
from learnapp.services.notices.bell import notifications
from learnapp.services.notices.certificates import certificates_of
from learnapp.services.operations.population import generate_population
from tests.conftest import ALICE

# Tables that grow with the number of learners (the catalog's tables do not).
LEARNER_TABLES = frozenset(
    (
        *("lesson_completion", "enrollment", "pathway_enrollment", "progress_history", "activity_day", "lesson_time"),
        *("notification", "certificate", "outbox_event", "learner", "login_session", "api_token", "client_event"),
    )
)
# The first column of an index condition that finds one learner's rows, or one row by a unique key.
NARROW = frozenset(["learner_id", "id", "rowid", "email", "token_hash", "code", "event_id"])
EXPLAINED = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")
_NOT_ALIASES = frozenset(
    (
        *("where", "join", "left", "inner", "outer", "cross", "on", "using", "group", "order", "limit", "set"),
        *("values", "select", "union", "as", "natural"),
    )
)
Statement = tuple[str, Any]


def captured(db: Database, call: Callable[[], object]) -> list[Statement]:
    """The statements one call sends to the driver, with their parameters (the first row of an executemany)."""
    sent: list[Statement] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(EXPLAINED):
            sent.append((statement, parameters[0] if many and parameters else parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return sent


def _names(statement: str) -> dict[str, str]:
    """Every name a learner table goes by in the statement (itself and its aliases) -> the table."""
    found = {}
    for table in LEARNER_TABLES:
        for match in re.finditer(rf'(?<![\w.])"?{table}"?(?:\s+AS)?\s+"?(\w+)"?', statement, re.IGNORECASE):
            if match.group(1).lower() not in _NOT_ALIASES:
                found[match.group(1)] = table
        if re.search(rf'(?<![\w.])"?{table}"?(?![\w])', statement):
            found[table] = table
    return found


def _first_column(condition: str) -> str:
    match = re.search(r"[A-Za-z_][\w.]*", condition)
    return match.group(0).rsplit(".", 1)[-1] if match else ""


def sqlite_problems(conn: Connection, statement: str, parameters: Any) -> list[str]:
    names = _names(statement)
    problems = []
    for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters):
        detail = str(row[3])
        match = re.match(r"(SCAN|SEARCH) (\w+)", detail)
        if not match or match.group(2) not in names:
            continue
        condition = detail.split("(", 1)[1] if "(" in detail else ""
        if detail == f"SEARCH {match.group(2)}":  # min() or max() of the row id: one step down the tree
            continue
        if match.group(1) == "SCAN" or _first_column(condition) not in NARROW:
            problems.append(f"{names[match.group(2)]}: {detail}")
    return problems


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def postgres_problems(conn: Connection, statement: str, parameters: Any) -> list[str]:
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table is cheaper to scan: price that out
    raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    explained: list[dict[str, Any]] = json.loads(raw) if isinstance(raw, str) else list(raw or ())
    plan = explained[0]["Plan"]
    nodes = _nodes(plan)
    problems = []
    for node in nodes:
        table = node.get("Relation Name")
        if table not in LEARNER_TABLES or "Scan" not in node["Node Type"]:  # ModifyTable names its table too
            continue
        kind = node["Node Type"]
        if kind == "Bitmap Heap Scan":
            inner = [n for n in _nodes(node) if n["Node Type"] == "Bitmap Index Scan"]
            condition = " ".join(n.get("Index Cond", "") for n in inner)
            narrow = bool(inner) and all(_first_column(n.get("Index Cond", "")) in NARROW for n in inner)
        else:
            condition = node.get("Index Cond", "")
            narrow = kind in ("Index Scan", "Index Only Scan") and _first_column(condition) in NARROW
        if not narrow:
            problems.append(f"{table}: {kind} {node.get('Index Name', '')} {condition}".rstrip())
    return problems


def problems_of(
    db: Database, statements: list[Statement], prepare: Callable[[Connection], None] | None = None
) -> list[str]:
    """What each statement's plan reaches other than by the learner (`prepare`: e.g. temp tables they read)."""
    found = []
    with db.engine.connect() as conn, conn.begin():  # EXPLAIN runs nothing; rolled back all the same
        if prepare:
            prepare(conn)
        check = postgres_problems if conn.dialect.name == "postgresql" else sqlite_problems
        for statement, parameters in statements:
            shown = " ".join(statement.split())[:300]
            found += [f"{problem}\n    in: {shown}" for problem in check(conn, statement, parameters or ())]
    return found


@pytest.fixture
def seeded(db: Database) -> dict[str, str]:
    """Alice mid-way through a course and a pathway with a course complete (certificate, notices); others around."""
    generate_population(db, 40, seed=5, enrollments=3, now=datetime(2026, 11, 20, tzinfo=UTC))
    enroll_course(db, ALICE, "ac-course")
    enroll_pathway(db, ALICE, "path")
    for lesson in ("b1", "b2", "s1", "s2", "e1"):
        record_completion(db, ALICE, lesson, "ui")
    open_lesson(db, ALICE, "ac-course", "b2")
    return {"session": start_session(db, ALICE), "token": create_token(db, ALICE, "plans").secret}


def click_from_a_tab(db: Database, lesson: str) -> None:
    """A click as the player makes it: the unit of work also reads the progress it pushes (learnapp/ui/live/)."""
    with writing_from("tab", Scope.ALL):
        record_completion(db, ALICE, lesson, "ui")


READS: dict[str, Callable[[Database, dict[str, str]], object]] = {
    "sign-in session": lambda db, s: session_account(db, s["session"]),
    "API token": lambda db, s: token_caller(db, s["token"]),
    "player": lambda db, _: open_lesson(db, ALICE, "ac-course", "b3"),
    "player live snapshot": lambda db, _: learner_snapshot(db, ALICE),
    "a push's progress and live sessions": lambda db, _: read_change(db, ProgressChanged(ALICE, None, None)),
    "bell": lambda db, _: notifications(db, ALICE),
    "certificates": lambda db, _: certificates_of(db, ALICE),
    "Mark as Complete": lambda db, _: click_from_a_tab(db, "b3"),
    "course page": lambda db, _: (course_outline(db, ALICE, "ac-course"), shared_credit(db, ALICE, "ac-course")),
    "pathway page": lambda db, _: pathway_outline(db, ALICE, "path"),
    "catalog": lambda db, _: catalog_progress(db, ALICE),
    "My Learning": lambda db, _: (dashboard(db, ALICE), learner_stats(db, ALICE)),
    "Continue Learning": lambda db, _: (continue_learning(db, ALICE), next_lesson(db, ALICE, "ac-course")),
    "API progress": lambda db, _: (
        learner_progress(db, ALICE),
        node_progress(db, ALICE, "course", "ac-course", lessons=True),
        node_progress(db, ALICE, "pathway", "path", lessons=True),
    ),
}


@pytest.mark.parametrize("read", READS)
def test_a_learner_read_reaches_learner_tables_only_by_the_learner(
    db: Database, seeded: dict[str, str], read: str
) -> None:
    statements = captured(db, lambda: READS[read](db, seeded))
    assert statements, f"{read} sent no statement: the capture is broken"
    problems = problems_of(db, statements)
    assert not problems, f"{read} reaches a learner table other than by the learner:\n" + "\n".join(problems)


def test_the_check_sees_a_scan_and_a_search_by_another_column(db: Database) -> None:
    """The checker itself: a count of every fact and a lookup by lesson are both reported, a learner's rows are not."""
    sql = "SELECT count(*) FROM lesson_completion"
    by_lesson = "SELECT learner_id FROM lesson_completion WHERE lesson_id = 3"
    mine = "SELECT lesson_id FROM lesson_completion AS f WHERE f.learner_id = 1"
    assert problems_of(db, [(sql, None)]) and problems_of(db, [(by_lesson, None)])
    assert not problems_of(db, [(mine, None)])
