"""Shared fixtures: a small real catalog and a real database per test (SQLite or PostgreSQL) copied from a template."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher

# Off a terminal the CLI's Rich console wraps at 80 columns (read when learnapp.cli is imported): a long temporary
# path (a pytest-xdist worker's is longer) would be split across lines and the tests would not find the file names.
os.environ.setdefault("COLUMNS", "200")

from learnapp.api.rate_counters import reset_sign_in_counters
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.accounts import learners as accounts
from learnapp.services.accounts.learners import create_learner
from learnapp.services.content.apply import import_content
from learnapp.settings import get_settings
from tests.app_pool import give_back
from tests.backing import create_database, drop_database, postgres_server
from tests.dbdump import text_moments
from tests.served_marker import refuse_unmarked_serving
from tests.slow_marker import mark_slow

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
_numbers = itertools.count()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: test-fast leaves out what mark_slow marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    refuse_unmarked_serving(items)
    mark_slow(items)


APP_HASHER = accounts._hasher  # the app's argon2 parameters, which tests/services/test_accounts.py checks


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its cheapest in this process (about 1 ms a hash instead of 0.1-0.35 s at 64 MiB and three passes):
    no test is about the hash's cost, and log-ins and new accounts were most of the fast suite's time. A test that
    needs the real cost puts the app's own parameters back (test_login_limits' `hasher`); other processes keep them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(autouse=True)
def fresh_sign_in_budget() -> Iterator[None]:
    """The sign-in limits count per process (as in a server): every test starts with none of them spent.
    After the test, the API apps it was lent (tests/app_pool.py) go back for the next one."""
    reset_sign_in_counters()
    yield
    give_back()


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    (folder / "catalog.yaml").write_text(FIXTURE_CONTENT)
    return folder


def seed(db: Database, content_dir: Path) -> None:
    """Content and three accounts: what every test starts from."""
    import_content(db, content_dir)
    create_learner(db, "alice@example.com", "Alice", "alice-password", time_zone="Europe/Paris")
    create_learner(db, "bob@example.com", "Bob", "bob-password")
    create_learner(db, "admin@example.com", "Ada Admin", "admin-password", role="admin")


def backend() -> str:
    """LEARNAPP_TEST_DATABASE=postgresql runs the database-touching suites on a real PostgreSQL."""
    return os.environ.get("LEARNAPP_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster for the whole session; yields its admin URL."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory, content_dir: Path, request: pytest.FixtureRequest) -> str:
    """Migrated with Alembic, content imported, three accounts; each test gets a copy."""
    if backend() == "postgresql":
        url = create_database(request.getfixturevalue("postgres"), "learnapp_template")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    upgrade(url)
    db = Database(url)
    seed(db, content_dir)
    if db.is_sqlite:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return url


@contextmanager
def copy_of(template_url: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A private copy of the template: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL."""
    if template_url.startswith("sqlite"):
        path = folder / f"learnapp-{next(_numbers)}.db"
        shutil.copyfile(template_url.split("///", 1)[1], path)
        yield f"sqlite:///{path}"
        if found := text_moments(path):
            pytest.fail(f"moments stored as text, not as integers (tables.UTCDateTime): {found}")
        return
    admin, name = request.getfixturevalue("postgres"), f"t{next(_numbers)}"
    yield create_database(admin, name, template="learnapp_template")
    drop_database(admin, name)


@pytest.fixture
def db_url(template_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    with copy_of(template_url, tmp_path, request) as url:
        yield url


@pytest.fixture
def other_db(template_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A second, independent copy of the template."""
    with copy_of(template_url, tmp_path, request) as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture
def empty_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the backend under test, for migrations."""
    if backend() != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin, name = request.getfixturevalue("postgres"), f"e{next(_numbers)}"
    yield create_database(admin, name)
    drop_database(admin, name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """This test's seeded database, also the one the `learnapp` command (settings read afresh) works on."""
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    database = Database(db_url)
    yield database
    database.dispose()
    get_settings.cache_clear()
