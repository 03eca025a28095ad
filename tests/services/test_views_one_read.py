"""Each learner screen is built from one read of the learner, taken in one read transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.learning.catalog import catalog_progress
from learnapp.services.learning.dashboard import dashboard
from learnapp.services.learning.learner_progress import learner_progress
from learnapp.services.learning.progress import course_outline, node_progress, pathway_outline
from learnapp.services.learning.snapshot import learner_snapshot
from tests.conftest import ALICE

SCREENS: dict[str, Callable[[Database], object]] = {
    "My Learning": lambda db: dashboard(db, ALICE),
    "course page": lambda db: course_outline(db, ALICE, "ac-course"),
    "pathway page": lambda db: pathway_outline(db, ALICE, "path"),
    "catalog": lambda db: catalog_progress(db, ALICE),
    "API enrollments": lambda db: learner_progress(db, ALICE),
    "API outline with lessons": lambda db: node_progress(db, ALICE, "pathway", "path", lessons=True),
    "tab snapshot": lambda db: learner_snapshot(db, ALICE),
}


def transactions(db: Database, call: Callable[[], object]) -> int:
    begun = []

    def begin(_conn: Any) -> None:
        begun.append(1)

    event.listen(db.engine, "begin", begin)
    try:
        call()
    finally:
        event.remove(db.engine, "begin", begin)
    return len(begun)


@pytest.mark.parametrize("screen", SCREENS)
def test_a_screen_reads_the_learner_in_one_transaction(db: Database, screen: str) -> None:
    enroll_pathway(db, ALICE, "path")
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "b1")
    assert transactions(db, lambda: SCREENS[screen](db)) == 1


def test_the_outline_with_lessons_gives_each_completion_its_time_and_source(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1", source="api")
    view = node_progress(db, ALICE, "course", "course-b", lessons=True)
    lessons = {x.slug: x for m in view.modules for x in m.lessons}
    assert lessons["s1"].done and lessons["s1"].record is not None and lessons["s1"].record.source == "api"
    assert not lessons["s2"].done and lessons["s2"].record is None
    assert node_progress(db, ALICE, "course", "course-b").modules[0].lessons[0].record is None  # not read
