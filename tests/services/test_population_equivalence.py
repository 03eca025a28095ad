"""The population's set-based recompute (recompute_range) writes exactly what the engine's one recompute writes."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Table, insert, select, text, update

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import LEARNER
from learnapp.persistence.migrate import upgrade
from learnapp.persistence.tables import Enrollment, LessonCompletion, PathwayEnrollment
from learnapp.services.content.apply import import_content
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.operations.population import PASSWORD_HASH, generate_population
from learnapp.services.operations.population_progress import load_shape, recompute_range
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
FACTS: Table = LessonCompletion.__table__  # type: ignore[attr-defined]
_names = itertools.count()


@dataclass
class World:
    """A catalog (YAML) and, per learner, what they enrolled in, what they completed when, and what was stored."""

    catalog: dict[str, Any]
    retired: list[str]  # courses a second import removes (their stored rows stay, for retired content)
    learners: list[dict[str, Any]]
    in_range: tuple[int, int]  # positions of the first and last learner recomputed


moments = st.integers(0, 20_000).map(lambda minutes: T0 + timedelta(minutes=minutes))


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


def _lessons(catalog: dict[str, Any], course: str) -> list[str]:
    modules = {m["slug"]: m for m in catalog["modules"]}
    wanted = next(c for c in catalog["courses"] if c["slug"] == course)
    return [lesson["slug"] for m in wanted["modules"] for lesson in modules[m]["lessons"]]


@st.composite
def stored_rows(draw: st.DrawFn) -> dict[str, Any]:
    """What a row holds before the recompute: zeros as the generator writes them, or stale values."""
    if draw(st.booleans()):
        return {"completed": 0, "total": 0, "percent": 0, "is_complete": False, "completed_at": None}
    event("stale stored row")
    return {
        "completed": draw(st.integers(0, 9)),
        "total": draw(st.integers(0, 9)),
        "percent": draw(st.integers(0, 100)),
        "is_complete": draw(st.booleans()),
        "completed_at": draw(st.none() | moments),
        "first_completed_at": draw(st.none() | moments),
    }


@st.composite
def worlds(draw: st.DrawFn) -> World:
    catalog = draw(catalogs())
    courses = [c["slug"] for c in catalog["courses"]]
    pathways = [p["slug"] for p in catalog["pathways"]]
    every = [lesson["slug"] for m in catalog["modules"] for lesson in m["lessons"]]
    learners = []
    for _ in range(draw(st.integers(1, 5))):
        enrolled = draw(st.lists(st.sampled_from(courses), unique=True))
        done = set(draw(st.lists(st.sampled_from(every), unique=True)))
        for course in draw(st.lists(st.sampled_from(courses), max_size=2)):  # finished on purpose, often enrolled
            done |= set(_lessons(catalog, course))
        learners.append(
            {
                "courses": {c: draw(stored_rows()) for c in enrolled},
                "pathways": {p: draw(stored_rows()) for p in draw(st.lists(st.sampled_from(pathways), unique=True))}
                if pathways
                else {},
                "facts": {slug: draw(moments) for slug in sorted(done)},
            }
        )
    first = draw(st.integers(0, len(learners) - 1))
    retired = draw(st.lists(st.sampled_from(courses), max_size=len(courses) - 1, unique=True))
    return World(catalog, retired, learners, (first, draw(st.integers(first, len(learners) - 1))))


def _without(catalog: dict[str, Any], retired: list[str]) -> dict[str, Any]:
    """The catalog once the retired courses (and pathways left without a course) are removed from the files."""
    courses = [c for c in catalog["courses"] if c["slug"] not in retired]
    pathways = [p | {"courses": [c for c in p["courses"] if c not in retired]} for p in catalog["pathways"]]
    return catalog | {"courses": courses, "pathways": [p for p in pathways if p["courses"]]}


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


def _ids(conn: Connection, table: str) -> dict[str, int]:
    return {slug: ident for ident, slug in conn.execute(text(f"SELECT id, slug FROM {table}"))}  # nosec B608


def _load(db: Database, world: World) -> list[int]:
    """The world's learners, enrollments (with their stored rows) and facts, written through the app's column types."""
    with db.transaction() as conn:
        course_ids, pathway_ids, lesson_ids = (_ids(conn, t) for t in ("course", "pathway", "lesson"))
        learner_ids = []
        for n, learner in enumerate(world.learners):
            row = {"email": f"l{n}@example.com", "name": f"L {n}", "password_hash": PASSWORD_HASH, "created_at": T0}
            learner_id = int(conn.execute(insert(LEARNER).returning(LEARNER.c.id), row).scalar_one())
            learner_ids.append(learner_id)
            for slug, stored in learner["courses"].items():
                conn.execute(insert(COURSE_ROWS), _row(learner_id, "course_id", course_ids[slug], stored))
            for slug, stored in learner["pathways"].items():
                conn.execute(insert(PATHWAY_ROWS), _row(learner_id, "pathway_id", pathway_ids[slug], stored))
            for slug, at in learner["facts"].items():
                fact = {"learner_id": learner_id, "lesson_id": lesson_ids[slug], "completed_at": at, "source": "import"}
                conn.execute(insert(FACTS), fact)
    return learner_ids


def _row(learner_id: int, column: str, node_id: int, stored: dict[str, Any]) -> dict[str, Any]:
    return {"learner_id": learner_id, column: node_id, "enrolled_at": T0, "updated_at": T0} | stored


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


def _restore(db: Database, state: dict[str, dict[int, tuple[Any, ...]]]) -> None:
    """Put every stored row back as it was before the first recompute (typed values, so the same text)."""
    with db.transaction() as conn:
        for kind, table, columns in (
            ("course", COURSE_ROWS, COURSE_COLUMNS),
            ("pathway", PATHWAY_ROWS, PATHWAY_COLUMNS),
        ):
            for row_id, values in state[kind].items():
                conn.execute(
                    update(table).where(table.c.id == row_id).values(dict(zip(columns.split(), values, strict=True)))
                )


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


def _report(world: World, fast: dict[str, dict[int, tuple[Any, ...]]]) -> None:
    for kind, columns in (("course", COURSE_COLUMNS), ("pathway", PATHWAY_COLUMNS)):
        complete = columns.split().index("is_complete")
        if any(values[complete] for values in fast[kind].values()):
            event(f"a {kind} recomputed complete")
    if any(len(c["modules"]) > 1 for c in world.catalog["courses"]) and len(world.catalog["courses"]) > 1:
        event("several courses")


@SETTINGS
@given(world=worlds())
def test_the_set_based_recompute_writes_what_the_engine_writes(databases: Databases, world: World) -> None:
    db, drop = databases.fresh()
    try:
        _import(db, world.catalog, databases.folder)
        if world.retired:
            event("retired content")
            _import(db, _without(world.catalog, world.retired), databases.folder)
        learner_ids = _load(db, world)
        lo, hi = (learner_ids[i] for i in world.in_range)
        before, before_raw = _state(db), _state(db, typed=False)
        with db.transaction() as conn:
            catalog = current_catalog(conn)
            load_shape(conn, catalog)
            recompute_range(conn, lo, hi)
        fast, fast_raw = _state(db), _state(db, typed=False)
        _report(world, fast)
        _restore(db, before)
        assert _state(db, typed=False) == before_raw
        with unit_of_work(db) as work:
            work.recompute(
                learner_ids[world.in_range[0] : world.in_range[1] + 1],
                [c.id for c in catalog.courses],
                [p.id for p in catalog.pathways],
                catalog=catalog,
            )
        engine, engine_raw = _state(db), _state(db, typed=False)
        assert not _differences(fast, engine), "\n".join(_differences(fast, engine))
        assert not _differences(fast_raw, engine_raw), "\n".join(_differences(fast_raw, engine_raw))
    finally:
        drop()


@settings(SETTINGS, max_examples=max(10, SETTINGS.max_examples // 4))
@given(catalog=catalogs(), learners=st.integers(1, 30), seed=st.integers(1, 10**6), enrollments=st.integers(1, 4))
def test_a_generated_population_is_what_the_engine_would_store(
    databases: Databases, catalog: dict[str, Any], learners: int, seed: int, enrollments: int
) -> None:
    """The generator end to end (its own rows, times and batches): recomputing with the engine changes nothing."""
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
        if any(values[COURSE_COLUMNS.split().index("is_complete")] for values in generated["course"].values()):
            event("a generated course complete")
    finally:
        drop()
