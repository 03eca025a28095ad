"""A generated population is what the engine would store: its rows, its counters and its activity days."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select, text

from learnapp.persistence import stats_counters as counters
from learnapp.persistence.db import Database
from learnapp.persistence.handles import ACTIVITY, COMPLETION
from learnapp.persistence.migrate import upgrade
from learnapp.persistence.tables import Enrollment, PathwayEnrollment
from learnapp.services.content.apply import import_content
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.operations.population import generate_population
from tests.backing import create_database, drop_database

NIGHTLY = os.environ.get("LEARNAPP_HYPOTHESIS_PROFILE") == "nightly"
# A database and a content import per example: about 0.1 s each on SQLite here.
SETTINGS = settings(max_examples=300 if NIGHTLY else 40, deadline=None)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# Every stored column but the row's id and updated_at (when it was written, which the two paths need not share).
COURSE_COLUMNS = (
    "learner_id course_id enrolled_at last_lesson_id last_accessed_at completed total percent is_complete"
    " completed_at first_completed_at claimed_at"
)
PATHWAY_COLUMNS = (
    "learner_id pathway_id enrolled_at last_accessed_at completed total percent courses_completed courses_total"
    " is_complete completed_at first_completed_at claimed_at"
)

pytestmark = pytest.mark.slow  # generated populations: `make test` runs it, `make test-fast` does not
COURSE_ROWS: Table = Enrollment.__table__  # type: ignore[attr-defined]
PATHWAY_ROWS: Table = PathwayEnrollment.__table__  # type: ignore[attr-defined]
_names = itertools.count()


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    """Modules of 1-12 lessons (previews mixed in, at least one countable), courses sharing them, pathways."""
    numbers = itertools.count()
    modules = []
    for m in range(draw(st.integers(1, 6))):
        flags = draw(st.lists(st.sampled_from((False, False, True)), min_size=1, max_size=12))
        flags[draw(st.integers(0, len(flags) - 1))] = False  # the importer wants a countable lesson per module
        lessons = [{"slug": f"l{(n := next(numbers))}", "title": f"L{n}", "preview": p} for p in flags]
        modules.append({"slug": f"m{m}", "title": f"M{m}", "lessons": lessons})
    slugs = [m["slug"] for m in modules]
    courses = [
        {
            "slug": f"c{c}",
            "title": f"C{c}",
            "modules": draw(st.lists(st.sampled_from(slugs), min_size=1, max_size=4, unique=True)),
        }
        for c in range(draw(st.integers(1, 4)))
    ]
    names = [c["slug"] for c in courses]
    pathways = [
        {"slug": f"p{p}", "title": f"P{p}", "courses": draw(st.lists(st.sampled_from(names), min_size=1, unique=True))}
        for p in range(draw(st.integers(0, 3)))
    ]
    return {"modules": modules, "courses": courses, "pathways": pathways}


class Databases:
    """A fresh migrated database per example: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL."""

    def __init__(self, template: str, folder: Path, admin: str | None) -> None:
        self.template, self.folder, self.admin = template, folder, admin

    def fresh(self) -> tuple[Database, Callable[[], None]]:
        name = f"popeq{next(_names)}"
        if self.admin is None:
            path = self.folder / f"{name}.db"
            shutil.copyfile(self.template, path)
            database = Database(f"sqlite:///{path}")
            return database, lambda: (database.dispose(), path.unlink())  # type: ignore[func-returns-value]
        admin = self.admin
        database = Database(create_database(admin, name, template=self.template))
        return database, lambda: (database.dispose(), drop_database(admin, name))  # type: ignore[func-returns-value]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Databases]:
    """An empty migrated template (no accounts, no content): each example imports its own catalog."""
    tmp_path = tmp_path_factory.mktemp("population-equivalence")
    if os.environ.get("LEARNAPP_TEST_DATABASE", "sqlite") == "sqlite":
        path = tmp_path / "popeq-template.db"
        upgrade(f"sqlite:///{path}")
        yield Databases(str(path), tmp_path, None)
        return
    admin = request.getfixturevalue("postgres")
    name = f"popeq_template{next(_names)}"
    upgrade(create_database(admin, name))
    yield Databases(name, tmp_path, admin)
    drop_database(admin, name)


def _import(db: Database, catalog: dict[str, Any], folder: Path) -> None:
    where = folder / f"catalog{next(_names)}"
    where.mkdir()
    (where / "catalog.yaml").write_text(yaml.safe_dump(catalog))
    import_content(db, where)


def _read(db: Database, table: Table, columns: str, typed: bool) -> dict[int, tuple[Any, ...]]:
    """Every row by id: as the app reads it (typed) or as the database holds it (raw text on SQLite)."""
    with db.snapshot() as conn:
        if typed:
            rows = conn.execute(select(table.c.id, *(table.c[name] for name in columns.split())))
        else:
            rows = conn.execute(text(f"SELECT id, {', '.join(columns.split())} FROM {table.name}"))  # nosec B608
        return {row[0]: tuple(row[1:]) for row in rows}


def _state(db: Database, typed: bool = True) -> dict[str, dict[int, tuple[Any, ...]]]:
    return {
        "course": _read(db, COURSE_ROWS, COURSE_COLUMNS, typed),
        "pathway": _read(db, PATHWAY_ROWS, PATHWAY_COLUMNS, typed),
    }


def _differences(
    left: dict[str, dict[int, tuple[Any, ...]]], right: dict[str, dict[int, tuple[Any, ...]]]
) -> list[str]:
    found = []
    for kind, columns in (("course", COURSE_COLUMNS), ("pathway", PATHWAY_COLUMNS)):
        assert left[kind].keys() == right[kind].keys()
        for row_id, values in left[kind].items():
            for name, a, b in zip(columns.split(), values, right[kind][row_id], strict=True):
                if a != b:
                    found.append(f"{kind} row {row_id} ({columns.split()[0]}={values[0]}) {name}: {a!r} != {b!r}")
    return found


@settings(SETTINGS, max_examples=max(10, SETTINGS.max_examples // 4))
@given(catalog=catalogs(), learners=st.integers(1, 30), seed=st.integers(1, 10**6), enrollments=st.integers(1, 4))
def test_a_generated_population_is_what_the_engine_would_store(
    databases: Databases, catalog: dict[str, Any], learners: int, seed: int, enrollments: int
) -> None:
    """The generator end to end (its own rows, times and batches): recomputing with the engine changes nothing, every
    counter equals its recount, and each completion's day is kept as record_activity keeps it."""
    db, drop = databases.fresh()
    try:
        _import(db, catalog, databases.folder)
        report = generate_population(db, learners, seed=seed, enrollments=enrollments, now=T0, batch=7)
        generated, generated_raw = _state(db), _state(db, typed=False)
        with unit_of_work(db) as work:
            catalog_now = work.catalog
            changes = work.recompute(
                list(range(report.first_learner_id, report.last_learner_id + 1)),
                [c.id for c in catalog_now.courses],
                [p.id for p in catalog_now.pathways],
            )
        assert not any(changes.values()), changes
        assert not _differences(generated, _state(db)), "\n".join(_differences(generated, _state(db)))
        assert not _differences(generated_raw, _state(db, typed=False))
        with db.snapshot() as conn:
            nodes = counters.every_node(work.catalog)
            assert not counters.differences(counters.totals(conn, nodes), counters.recount(conn, work.catalog, nodes))
            facts = conn.execute(select(COMPLETION.c.learner_id, COMPLETION.c.completed_at, COMPLETION.c.lesson_id))
            days = {(learner, at.astimezone(UTC).date(), lesson) for learner, at, lesson in facts}
            assert set(conn.execute(select(ACTIVITY.c.learner_id, ACTIVITY.c.day, ACTIVITY.c.lesson_id))) == days
        if any(values[COURSE_COLUMNS.split().index("is_complete")] for values in generated["course"].values()):
            event("a generated course complete")
    finally:
        drop()
