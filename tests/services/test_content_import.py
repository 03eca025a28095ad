"""Content files: strict validation naming file, item and problem; atomic, idempotent import."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.content.files import ContentError
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.learning.progress import course_outline
from tests.conftest import ALICE, FIXTURE_CONTENT
from tests.services.helpers import assert_stored_equals_recomputed, dump, stored_course

GOOD_MODULE = "  - slug: ok\n    title: Fine\n    lessons:\n      - {slug: ok-1, title: Fine one}\n"

# (file text, the item the error must name, the problem it must state)
BROKEN = [
    ("modules:\n" + GOOD_MODULE + GOOD_MODULE, "module 'ok'", "duplicate slug"),
    ("courses:\n  - {slug: c, title: C, modules: [ghost]}\n", "course 'c'", "unknown module 'ghost'"),
    (
        "modules:\n" + GOOD_MODULE + "courses:\n  - {slug: c, title: C, modules: [ok, ok]}\n",
        "course 'c'",
        "module 'ok' is listed twice",
    ),
    ("modules:\n  - slug: m\n    title: ''\n    lessons: [{slug: l, title: L}]\n", "module 'm'", "title is empty"),
    (
        "modules:\n  - slug: m\n    title: M\n    lessons: [{slug: l, title: L, preview: true}]\n",
        "module 'm'",
        "no countable lesson",
    ),
    (
        "modules:\n  - slug: Bad Slug\n    title: M\n    lessons: [{slug: l, title: L}]\n",
        "module #1",
        "lowercase letters",
    ),
    (
        "modules:\n  - slug: m\n    title: M\n    lessons: [{slug: l, title: L, kind: podcast}]\n",
        "lesson 'l'",
        "kind 'podcast'",
    ),
    (
        "modules:\n  - slug: m\n    title: M\n    lessons: [{slug: l, title: L, kind: video}]\n",
        "lesson 'l'",
        "video_url is empty",
    ),
    (
        "modules:\n  - slug: m\n    title: M\n    lessons: [{slug: l, title: L, minutes: -3}]\n",
        "lesson 'l'",
        "minutes must be",
    ),
    (
        "modules:\n  - slug: m\n    title: M\n    colour: red\n    lessons: [{slug: l, title: L}]\n",
        "module #1",
        "unknown key 'colour'",
    ),
    ("modules:\n  - slug: m\n    title: M\n    lessons: []\n", "module 'm'", "non-empty list"),
    ("pathways:\n  - {slug: p, title: P, courses: [nowhere]}\n", "pathway 'p'", "unknown course 'nowhere'"),
    ("modules: [unclosed\n", "file", "cannot be read as YAML"),
    (
        "modules:\n  - slug: m2\n    title: M\n    lessons: [{slug: b1, title: Twice}]\n",
        "lesson 'b1'",
        "duplicate slug",
    ),
]


@pytest.mark.parametrize(("text", "item", "problem"), BROKEN)
def test_invalid_content_names_file_item_and_problem_and_writes_nothing(
    db: Database, tmp_path: Path, text: str, item: str, problem: str
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(FIXTURE_CONTENT)
    (folder / "b-broken.yaml").write_text(text)
    before = dump(db)
    with pytest.raises(ContentError) as caught:
        import_content(db, folder)
    messages = [str(p) for p in caught.value.problems]
    assert any("b-broken.yaml" in m and item in m and problem in m for m in messages), messages
    assert dump(db) == before


def test_reimporting_unchanged_files_changes_nothing(db: Database, content_dir: Path) -> None:
    before = dump(db)
    report = import_content(db, content_dir)
    assert not report.changed
    assert dump(db) == before


def test_dry_run_reports_the_impact_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    folder = tmp_path / "content"
    folder.mkdir()
    # A new lesson in the shared module: Alice's finished course-b drops below 100%.
    (folder / "catalog.yaml").write_text(
        FIXTURE_CONTENT.replace(
            "      - {slug: s2, title: Shared two}\n",
            "      - {slug: s2, title: Shared two}\n      - {slug: s3, title: Shared three}\n",
        )
    )
    before = dump(db)
    report = import_content(db, folder, dry_run=True)
    assert (report.created["lesson"], report.learners_dropping, report.completions_reopened) == (1, 1, 1)
    assert report.changed_courses == ["course-a", "course-b"]
    assert dump(db) == before


def test_content_change_keeps_facts_and_recomputes_stored_progress(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    folder = tmp_path / "content"
    folder.mkdir()
    # s2 removed from the shared module: Alice's one completion now finishes course-b.
    (folder / "catalog.yaml").write_text(FIXTURE_CONTENT.replace("      - {slug: s2, title: Shared two}\n", ""))
    report = import_content(db, folder)
    assert (report.retired["lesson"], report.learners_gaining) == (1, 1)
    row = stored_course(db, ALICE, "course-b")
    assert (row.completed, row.total, row.is_complete) == (1, 1, True)
    assert [x.slug for m in course_outline(db, ALICE, "course-b").modules for x in m.lessons] == ["s1"]
    assert_stored_equals_recomputed(db)
    # Putting the lesson back reopens the course; the earlier completion is still a fact.
    import_content(db, _write(tmp_path / "again", FIXTURE_CONTENT))
    assert stored_course(db, ALICE, "course-b").is_complete is False
    assert stored_course(db, ALICE, "course-b").first_completed_at is not None
    assert_stored_equals_recomputed(db)


def _write(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "catalog.yaml").write_text(text)
    return folder


def test_an_empty_folder_is_an_error(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="problem"):
        import_content(db, tmp_path)


def test_the_shipped_demo_catalog_is_valid_and_has_what_the_spec_asks(tmp_path: Path) -> None:
    from learnapp.services.content.files import read_content
    from learnapp.settings import ROOT

    plan = read_content(ROOT / "content")
    modules = {m.slug: m for m in plan.modules}
    courses = {c.slug: c for c in plan.courses}
    assert any(len(p.children) >= 3 for p in plan.pathways)
    assert any(sum(m in c.children for c in plan.courses) >= 2 for m in modules)
    shapes = [[sum(not x.preview for x in modules[m].lessons) for m in c.children] for c in courses.values()]
    assert [3, 5, 2] in shapes
    assert any(x.preview for m in modules.values() for x in m.lessons)
    assert max(sum(len(modules[m].lessons) for m in c.children) for c in courses.values()) >= 200
