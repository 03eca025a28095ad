"""The screens' builders are pure: from one hand-made LearnerRead, no database, each screen agrees with the others."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from learnapp.domain.content import Catalog, Course, Lesson, Module, Pathway
from learnapp.persistence.certs import CertificateRow
from learnapp.persistence.facts import StoredProgress
from learnapp.persistence.learner_read import Access, LearnerRead, Part
from learnapp.services.errors import NotFound
from learnapp.services.learning import read_model
from learnapp.services.learning.dashboard import dashboard_of
from learnapp.services.learning.snapshot import snapshot_of

SHARED = Module(10, "shared", "Shared", (Lesson(1, "s1", "S1"), Lesson(2, "s2", "S2")))
INTRO = Module(11, "intro", "Intro", (Lesson(3, "p0", "Preview", preview=True), Lesson(4, "i1", "I1")))
ONE = Course(100, "one", "One", (INTRO, SHARED))
TWO = Course(101, "two", "Two", (SHARED,))
CATALOG = Catalog((ONE, TWO), (Pathway(200, "path", "Path", (ONE, TWO)),), version=7)
EARLY, LATE = datetime(2025, 1, 14, 23, 30, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)


def stored(node_id: int, completed: int, total: int, at: datetime | None = None) -> StoredProgress:
    complete = completed == total
    return StoredProgress(node_id, node_id, completed, total, completed * 100 // total, complete, at, at)


def read_of(done: frozenset[int], parts: Part = Part.ACCESS | Part.STATS | Part.CERTIFICATES) -> LearnerRead:
    """Two is complete (its shared module is done), One half done and opened last."""
    access = (
        Access("course", 101, EARLY, EARLY),
        Access("course", 100, EARLY, LATE, 4),
        Access("pathway", 200, EARLY, None),
    )
    cert = CertificateRow(1, 9, "course", 101, "CODE", "issued", 1, "", EARLY, EARLY, "Ada", "Two")
    return LearnerRead(
        9,
        CATALOG,
        version=3,
        done=done,
        courses={100: stored(100, 2, 3), 101: stored(101, 2, 2, EARLY)},
        pathways={200: stored(200, 2, 3)},
        parts=parts,
        access=access,
        zone=ZoneInfo("Europe/Paris"),
        certificates=(cert,),
    )


def test_outlines_count_from_the_facts_and_a_shared_module_once() -> None:
    read = read_of(frozenset({1, 2}))
    one = read_model.course_view(read, "one")
    assert (one.completed, one.total, one.percent, one.next_course, one.next_lesson) == (2, 3, 66, "one", "i1")
    assert [(m.slug, m.completed, m.total, m.percent) for m in one.modules] == [
        ("intro", 0, 1, 0),
        ("shared", 2, 2, 100),
    ]
    path = read_model.pathway_view(read, "path")
    assert (path.completed, path.total, path.courses_completed, path.courses_total) == (2, 3, 1, 2)
    assert [c.slug for c in path.courses] == ["one", "two"] and path.enrolled
    with pytest.raises(NotFound):
        read_model.course_view(read, "ghost")
    assert read_model.node_view(read, "pathway", "ghost") == read_model.node_view(
        read_of(frozenset()), "pathway", "ghost"
    )


def test_enrollments_continue_learning_and_my_learning_agree() -> None:
    read = read_of(frozenset({1, 2}))
    courses = read_model.course_enrollments(read)
    assert [(c.slug, c.last_lesson, c.complete) for c in courses] == [("one", "i1", False), ("two", None, True)]
    resume = read_model.continue_learning(courses)
    assert resume is not None and (resume.slug, resume.next_lesson, resume.next_title) == ("one", "i1", "I1")
    board = dashboard_of(read, now=LATE)
    assert board.resume == resume and board.cards == courses
    assert board.certificates_earned == 1 and board.stats.courses_completed == 1 and board.stats.lessons_completed == 2
    assert courses[1].completed_on == EARLY.astimezone(ZoneInfo("Europe/Paris")).date()  # the 15th in Paris
    [pathway] = board.pathways
    assert (pathway.next_course, pathway.next_lesson) == ("one", "i1")


def test_the_tab_snapshot_and_the_stored_progress_share_one_key() -> None:
    read = read_of(frozenset({1, 2}))
    snapshot = snapshot_of(read)
    assert set(snapshot.courses) == set(read_model.stored_progress(read)) == {"one", "two", "pathway:path"}
    assert snapshot.certificates == {"two": {"status": "issued", "code": "CODE"}}
    assert (snapshot.done, snapshot.modules, snapshot.version) == (
        {"s1": True, "s2": True},
        {"intro": 0, "shared": 2},
        3,
    )
