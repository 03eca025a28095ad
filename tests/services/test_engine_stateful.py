"""Random sequences through every progress write path; after each step, stored progress and its consequences hold."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.errors import LearnappError
from learnapp.services.operations.legacy_import import import_progress, rollback_import
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.backing import create_database, drop_database
from tests.conftest import ADMIN, ALICE, BOB, backend
from tests.services.helpers import invariant_problems, stored_moment

pytestmark = pytest.mark.slow  # a stateful machine over every write path: make test runs it, test-fast does not

NIGHTLY = os.environ.get("LEARNAPP_HYPOTHESIS_PROFILE") == "nightly"
# Bounded for make test: about 10-20 s on SQLite and 30 s on PostgreSQL (a database per example) here.
EXAMPLES = 1000 if NIGHTLY else 100 if backend() == "sqlite" else 60
SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=50 if NIGHTLY else 30, deadline=None)

LEARNERS = {ALICE: "alice@example.com", BOB: "bob@example.com"}
LESSONS = ("s1", "s2", "e1", "x1")
COURSES = ("course-a", "course-b")
MODULES = ("m-shared", "m-extra", "m-new")
_MODULES = """
modules:
  - slug: m-shared
    title: Shared
    lessons:
      - {slug: sp, title: Shared preview, preview: true}
      - {slug: s1, title: Shared one}
      - {slug: s2, title: Shared two}
  - slug: m-extra
    title: Extra
    lessons:
      - {slug: e1, title: Extra one}
"""
_NEW = """
  - slug: m-new
    title: New
    lessons:
      - {slug: x1, title: New one}
"""
# Three catalogs: the start; one adding a module to course-b; one moving m-extra from course-a to course-b.
CATALOGS = {
    "start": _MODULES
    + """
courses:
  - {slug: course-a, title: Course A, modules: [m-shared, m-extra]}
  - {slug: course-b, title: Course B, modules: [m-shared]}
pathways:
  - {slug: path, title: The path, courses: [course-a, course-b]}
""",
    "adds": _MODULES
    + _NEW
    + """
courses:
  - {slug: course-a, title: Course A, modules: [m-shared, m-extra]}
  - {slug: course-b, title: Course B, modules: [m-shared, m-new]}
pathways:
  - {slug: path, title: The path, courses: [course-a, course-b]}
""",
    "moves": _MODULES
    + """
courses:
  - {slug: course-a, title: Course A, modules: [m-shared]}
  - {slug: course-b, title: Course B, modules: [m-shared, m-extra]}
pathways:
  - {slug: path, title: The path, courses: [course-a, course-b]}
""",
}
# Facts change only through these history actions: folding them per learner gives the facts.
ADDS, REMOVES = {"completed"}, {"uncompleted", "reset"}
_names = itertools.count()


class Example:
    """Where each example's fresh database comes from: a copy of a template holding the tiny catalog."""

    def __init__(self, template: str, folder: Path, admin: str | None) -> None:
        self.template, self.folder, self.admin = template, folder, admin
        self.catalogs = {}
        for name, body in CATALOGS.items():
            (self.folder / name).mkdir(exist_ok=True)
            (self.folder / name / "catalog.yaml").write_text(body)
            self.catalogs[name] = self.folder / name

    def fresh(self) -> tuple[Database, Callable[[], None]]:
        name = f"engine{next(_names)}"
        if self.admin is None:
            path = self.folder / f"{name}.db"
            shutil.copyfile(self.template, path)
            database = Database(f"sqlite:///{path}")

            def drop() -> None:
                database.dispose()
                path.unlink(missing_ok=True)

            return database, drop
        admin = self.admin
        database = Database(create_database(admin, name, template=self.template))

        def drop_pg() -> None:
            database.dispose()
            drop_database(admin, name)

        return database, drop_pg


class ProgressEngine(RuleBasedStateMachine):
    """Every write path, in any order, for two learners on a catalog of two courses sharing a module."""

    example: Example

    def __init__(self) -> None:
        super().__init__()
        self.db, self._drop = self.example.fresh()
        self.folder = self.example.folder
        self.first: dict[tuple[int, str, int], datetime] = {}
        self.runs: list[int] = []
        self.claimed = False  # the step was an accepted claim: first completion may move within the tolerance
        self.rolled_back: set[int] = set()

    def teardown(self) -> None:
        self._drop()

    @initialize(enrolled=st.lists(st.tuples(st.sampled_from(list(LEARNERS)), st.sampled_from([*COURSES, "path"]))))
    def start(self, enrolled: list[tuple[int, str]]) -> None:
        """Most interesting sequences need an enrollment: start with some, often."""
        for learner, node in enrolled:
            if node == "path":
                enroll_pathway(self.db, learner, node)
            else:
                enroll_course(self.db, learner, node)

    def _try(self, name: str, action: Callable[[], Any]) -> Any:
        """Refusals (not enrolled, unknown lesson, claim rejected, conflict) change nothing: the invariants check it."""
        try:
            result = action()
        except LearnappError as error:
            event(f"{name}: refused ({type(error).__name__})")
            return None
        event(f"{name}: done")
        return result

    @rule(
        learner=st.sampled_from(list(LEARNERS)),
        lessons=st.lists(st.sampled_from(LESSONS), min_size=1, max_size=3),
        source=st.sampled_from(["ui", "api"]),
    )
    def complete(self, learner: int, lessons: list[str], source: str) -> None:
        """A few clicks in a row (each its own transaction): completing a course takes several."""
        for lesson in lessons:
            self._try(f"complete ({source})", lambda slug=lesson: record_completion(self.db, learner, slug, source))

    @rule(
        learner=st.sampled_from(list(LEARNERS)), lesson=st.sampled_from(LESSONS), source=st.sampled_from(["ui", "api"])
    )
    def undo(self, learner: int, lesson: str, source: str) -> None:
        self._try(f"undo ({source})", lambda: revoke_completion(self.db, learner, lesson, source))

    @rule(
        learner=st.sampled_from(list(LEARNERS)),
        lessons=st.lists(st.sampled_from(LESSONS), max_size=2),
        claim=st.sampled_from([None, ("course_completed", "course-a"), ("course_completed", "course-b")])
        | st.just(("pathway_completed", "path")),
        offset=st.sampled_from([None, -180, 120, 7200]),
    )
    def event_batch(self, learner: int, lessons: list[str], claim: tuple[str, str] | None, offset: int | None) -> None:
        batch = [ClientEventIn(f"e{next(_names)}", "lesson_completed", slug) for slug in lessons]
        if claim is not None:
            at = None if offset is None else self._inferred(learner) + timedelta(seconds=offset)
            batch.append(ClientEventIn(f"e{next(_names)}", claim[0], claim[1], occurred_at=at))
        outcomes = self._try("event batch", lambda: apply_events(self.db, learner, batch))
        if outcomes and claim is not None:
            self.claimed = True
            event(f"claim accepted, offset {offset}")

    def _inferred(self, learner: int) -> datetime:
        """The learner's latest completion: near it a claim is kept, far from it the inferred time wins."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT completed_at FROM lesson_completion WHERE learner_id = :l"), {"l": learner}
            ).all()
        times = [_moment(r[0]) for r in rows]
        return max(times) if times else utcnow()

    @rule(learner=st.sampled_from(list(LEARNERS)), course=st.sampled_from(COURSES))
    def enroll_in_course(self, learner: int, course: str) -> None:
        self._try("enroll course", lambda: enroll_course(self.db, learner, course))

    @rule(learner=st.sampled_from(list(LEARNERS)))
    def enroll_in_pathway(self, learner: int) -> None:
        self._try("enroll pathway", lambda: enroll_pathway(self.db, learner, "path"))

    @rule(learner=st.sampled_from(list(LEARNERS)), course=st.sampled_from(COURSES), admin=st.booleans())
    def start_over(self, learner: int, course: str, admin: bool) -> None:
        if admin:
            self._try("admin reset", lambda: reset_course(self.db, learner, course, "admin", ADMIN))
        else:
            self._try("start over", lambda: reset_course(self.db, learner, course))

    @rule(catalog=st.sampled_from(list(CATALOGS)), dry_run=st.booleans())
    def content(self, catalog: str, dry_run: bool) -> None:
        report = import_content(self.db, self.example.catalogs[catalog], dry_run=dry_run)
        event(f"content import {catalog}{' (dry run)' if dry_run else ''}: {'changed' if report.changed else 'same'}")

    @rule(
        rows=st.lists(
            st.tuples(
                st.sampled_from(list(LEARNERS.values())),
                st.sampled_from(MODULES),
                st.sampled_from([None, "s1", "s2", "e1", "x1"]),
                st.sampled_from([timedelta(days=1), timedelta(minutes=1)]),
            ),
            min_size=1,
            max_size=3,
        ),
        keep_good=st.booleans(),
    )
    def legacy_import(self, rows: list[tuple[str, str, str | None, timedelta]], keep_good: bool) -> None:
        now = utcnow()
        data = [
            {"email": email, "pathway": "path", "module": module, "completed_at": (now - ago).isoformat()}
            | ({"lesson": lesson} if lesson else {})
            for email, module, lesson, ago in rows
        ]
        path = self.folder / f"legacy{next(_names)}.json"
        path.write_text(json.dumps(data))
        report = import_progress(self.db, path, "ops", keep_good=keep_good)
        event(f"legacy import: {'written' if report.written else 'refused'}, {report.imported} facts")
        if report.written:
            self.runs.append(report.run_id)

    @rule(data=st.data(), whole=st.booleans(), force=st.booleans())
    def legacy_rollback(self, data: st.DataObject, whole: bool, force: bool) -> None:
        if not self.runs:
            return
        run = data.draw(st.sampled_from(self.runs))
        learner = None if whole else data.draw(st.sampled_from(list(LEARNERS)))
        done = self._try("legacy rollback", lambda: rollback_import(self.db, run, "ops", learner, force))
        self.rolled_back = set(done or ())

    @rule(
        course=st.sampled_from([None, *COURSES]),
        learner=st.sampled_from([None, *LEARNERS]),
        dry_run=st.booleans(),
    )
    def recalc(self, course: str | None, learner: int | None, dry_run: bool) -> None:
        options = RecalcOptions(course=course, learner_id=learner, dry_run=dry_run)
        recalculate(self.db, options, self.folder / "runs", "ops")
        event(f"recalculate course={course is not None} learner={learner is not None} dry_run={dry_run}")

    @invariant()
    def stored_equals_recomputed(self) -> None:
        problems = invariant_problems(self.db)
        assert not problems, "\n".join(problems)

    @invariant()
    def consequences_and_first_completions(self) -> None:
        with self.db.engine.connect() as conn:
            rows = _completed_nodes(conn)
            certificates = _counts(conn, "SELECT learner_id, node_kind, node_id FROM certificate")
            notices = _counts(conn, "SELECT learner_id, dedupe_key FROM notification")
        for (learner, kind, node), (slug, first, completed) in rows.items():
            key = (learner, kind, node)
            assert certificates.get(key, 0) == 1, f"{key}: {certificates.get(key, 0)} certificates"
            notice = (learner, f"{kind}:{slug}:completed")
            assert notices.get(notice, 0) == 1, f"{key}: {notices.get(notice, 0)} completion notices"
            before = self.first.get(key)
            if before is None:
                event(f"first completion of a {kind}")
            if before is not None and before != first:
                # A forced rollback restores the learner's rows exactly as before the import (SPEC §operator).
                if learner in self.rolled_back:
                    event("first completion restored by a rollback")
                else:
                    # Only to the claim's kept time, which the oracle holds to ±5 min of the facts' time. Each claim
                    # is measured from the facts, not from the last claim: two claims may move it up to 10 min.
                    assert self.claimed and first == completed, (
                        f"{key}: first_completed_at moved from {before} to {first}"
                    )
                    event("first completion moved by an accepted claim")
            self.first[key] = first
        for key in [k for k in self.first if k not in rows]:
            assert key[0] in self.rolled_back, f"{key}: first_completed_at cleared"
            del self.first[key]
        self.claimed, self.rolled_back = False, set()

    @invariant()
    def facts_unique_and_history_replays(self) -> None:
        with self.db.engine.connect() as conn:
            facts = conn.execute(text("SELECT learner_id, lesson_id FROM lesson_completion")).all()
            history = conn.execute(text("SELECT learner_id, action, lesson_id FROM progress_history ORDER BY id")).all()
        assert len(facts) == len(set(facts)), "a completion fact is duplicated"
        replayed: dict[int, set[int]] = defaultdict(set)
        for learner, action, lesson in history:
            if lesson is not None and action in ADDS:
                replayed[learner].add(lesson)
            elif lesson is not None and action in REMOVES:
                replayed[learner].discard(lesson)
        current: dict[int, set[int]] = defaultdict(set)
        for learner, lesson in facts:
            current[learner].add(lesson)
        for learner in set(current) | set(replayed):
            assert replayed[learner] == current[learner], (
                f"{learner}: history replays to {sorted(replayed[learner])}, facts are {sorted(current[learner])}"
            )

    @invariant()
    def outbox_replays_and_versions_only_grow(self) -> None:
        """The outbox tells every fact change once, in an order a receiver can rebuild the facts from."""
        with self.db.engine.connect() as conn:
            events = conn.execute(
                text("SELECT learner_id, topic, version, payload FROM outbox_event ORDER BY id")
            ).all()
            facts = conn.execute(text("SELECT learner_id, lesson_id FROM lesson_completion")).all()
            versions = dict(conn.execute(text("SELECT id, progress_version FROM learner")).all())
            rows = _completed_nodes(conn)
        replayed: dict[int, set[int]] = defaultdict(set)
        seen: dict[int, int] = {}
        completed: set[tuple[int, str, int]] = set()
        for learner, topic, version, payload in events:
            body = json.loads(payload)
            assert version >= seen.get(learner, 0), f"{learner}: version {version} after {seen[learner]}"
            assert version <= versions[learner] and body["version"] == version
            seen[learner] = version
            if topic == "lesson.completed":
                replayed[learner].add(body["lesson_id"])
            elif topic == "lesson.uncompleted":
                replayed[learner].discard(body["lesson_id"])
            elif topic == "progress.reset":
                replayed[learner] -= set(body["lesson_ids"])
            elif topic in ("course.completed", "pathway.completed"):
                kind = topic.split(".")[0]
                completed.add((learner, kind, body[f"{kind}_id"]))
        current: dict[int, set[int]] = defaultdict(set)
        for learner, lesson in facts:
            current[learner].add(lesson)
        for learner in set(current) | set(replayed):
            assert replayed[learner] == current[learner], (
                f"{learner}: the outbox replays to {sorted(replayed[learner])}, facts are {sorted(current[learner])}"
            )
        missing = set(rows) - completed
        assert not missing, f"first completions without a completed event: {sorted(missing)}"


def _moment(value: Any) -> datetime:
    moment = stored_moment(value)
    assert moment is not None
    return moment


def _completed_nodes(conn: Any) -> dict[tuple[int, str, int], tuple[str, datetime, datetime | None]]:
    """(learner, kind, node) -> (slug, first_completed_at, completed_at) of every node ever completed."""
    found: dict[tuple[int, str, int], tuple[str, datetime, datetime | None]] = {}
    for kind in ("course", "pathway"):
        table = "enrollment" if kind == "course" else "pathway_enrollment"
        sql = (
            f"SELECT e.learner_id, e.{kind}_id, n.slug, e.first_completed_at, e.completed_at FROM {table} e "
            f"JOIN {kind} n ON n.id = e.{kind}_id WHERE e.first_completed_at IS NOT NULL"
        )
        for learner, node, slug, first, completed in conn.execute(text(sql)):
            found[(learner, kind, node)] = (slug, _moment(first), _moment(completed) if completed else None)
    return found


def _counts(conn: Any, sql: str) -> dict[tuple[Any, ...], int]:
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in conn.execute(text(sql)):
        counts[tuple(row)] += 1
    return counts


@pytest.fixture
def example(template_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Example]:
    """A template of the tiny catalog (the shared template's accounts, the start catalog imported)."""
    if template_url.startswith("sqlite"):
        path = tmp_path / "engine-template.db"
        shutil.copyfile(template_url.split("///", 1)[1], path)
        _import_start(f"sqlite:///{path}", tmp_path)
        yield Example(str(path), tmp_path, None)
        return
    admin = request.getfixturevalue("postgres")
    name = f"engine_template{next(_names)}"
    _import_start(create_database(admin, name, template="learnapp_template"), tmp_path)
    yield Example(name, tmp_path, admin)
    drop_database(admin, name)


def _import_start(url: str, folder: Path) -> None:
    (folder / "start-catalog").mkdir()
    (folder / "start-catalog" / "catalog.yaml").write_text(CATALOGS["start"])
    database = Database(url)
    import_content(database, folder / "start-catalog")
    if database.is_sqlite:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()


def test_every_write_path_keeps_progress_consequences_and_history_true(example: Example) -> None:
    ProgressEngine.example = example
    run_state_machine_as_test(ProgressEngine, settings=SETTINGS)
