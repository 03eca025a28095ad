"""Shared fixtures: a small real catalog and a real SQLite file per test, copied from a template."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.accounts import create_learner
from learnapp.services.content_import import import_content

FIXTURE_CONTENT = """
modules:
  - slug: m-basics
    title: Basics
    lessons:
      - {slug: bp, title: Welcome tour, preview: true}
      - {slug: b1, title: Basics one, minutes: 5}
      - {slug: b2, title: Basics two, minutes: 5}
      - {slug: b3, title: Basics three, minutes: 5}
  - slug: m-core
    title: Core
    lessons:
      - {slug: c1, title: Core one}
      - {slug: c2, title: Core two}
      - {slug: c3, title: Core three}
      - {slug: c4, title: Core four}
      - {slug: c5, title: Core five}
  - slug: m-wrap
    title: Wrap-up
    lessons:
      - {slug: w1, title: Wrap one}
      - {slug: w2, title: Wrap two}
  - slug: m-shared
    title: Shared
    lessons:
      - {slug: s1, title: Shared one}
      - {slug: s2, title: Shared two}
  - slug: m-extra
    title: Extra
    lessons:
      - {slug: e1, title: Extra one}
courses:
  - {slug: ac-course, title: Three modules, modules: [m-basics, m-core, m-wrap]}
  - {slug: course-a, title: Course A, modules: [m-shared, m-extra]}
  - {slug: course-b, title: Course B, modules: [m-shared]}
pathways:
  - {slug: path, title: The path, courses: [ac-course, course-a, course-b]}
"""

ALICE, BOB, ADMIN = 1, 2, 3


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    (folder / "catalog.yaml").write_text(FIXTURE_CONTENT)
    return folder


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, content_dir: Path) -> Path:
    """Migrated with Alembic, content imported, three accounts; each test copies the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    import_content(db, content_dir)
    create_learner(db, "alice@example.com", "Alice", "alice-password", time_zone="Europe/Paris")
    create_learner(db, "bob@example.com", "Bob", "bob-password")
    create_learner(db, "admin@example.com", "Ada Admin", "admin-password", role="admin")
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "learnapp.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{db_path}")
    yield database
    database.dispose()
