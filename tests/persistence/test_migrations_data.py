"""Alembic with data: rows written at every revision read the same at head, and survive a downgrade and upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, DateTime, MetaData, and_, create_engine, insert, select

from alembic import command
from learnapp.persistence.migrate import alembic_config, upgrade
from learnapp.persistence.tables import UTCDateTime

pytestmark = pytest.mark.slow  # every Alembic revision, up and down: `make test` runs it, `make test-fast` does not

# Rows a later migration derives from older data: expected at head even when written before their table existed.
BACKFILLED = {"activity_day"}
# Zones where 23:30 UTC falls on another local day than in UTC, so a day computed in the wrong zone shows.
ZONES = ("Asia/Tokyo", "America/New_York", "UTC")
Row = tuple[str, dict[str, Any]]
INTEGER_MOMENTS = "c9e1f3a5b7d9"


def revisions(url: str) -> list[str]:
    """Base first; the chain must stay linear (the rule for adding a migration)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


class _StoredMoment(UTCDateTime):
    """tables.UTCDateTime for this test's values, some of which are naive UTC (as the older revisions' text was)."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        naive = value is not None and value.tzinfo is None
        return super().process_bind_param(value.replace(tzinfo=UTC) if value and naive else value, dialect)


def integer_moments(conn: Connection, url: str) -> bool:
    """SQLite from INTEGER_MOMENTS on: moments are integers of microseconds (tables.UTCDateTime), not text."""
    if conn.dialect.name != "sqlite":
        return False
    chain = revisions(url)
    current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return chain.index(str(current)) >= chain.index(INTEGER_MOMENTS)


def generation(g: int) -> list[Row]:
    """The representative rows a deployment at the g-th revision would hold for one learner, in foreign-key order.

    Values a later migration backfills (a certificate's holder name, title and zone; a learner's activity days;
    lesson time per day) are written as the backfill must compute them, so one comparison checks both.
    """
    zone = ZONES[g % len(ZONES)]
    enrolled = datetime(2026, 1, g, 9, 30)  # naive UTC, as the columns hold it
    done = datetime(2026, 2, g, 23, 30)  # late in UTC: another day in Tokyo
    studied = datetime(2026, 2, g, 12, 0)
    local_day = done.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
    name, title = f"Migrated Learner {g}", f"Course {g}"
    stored = {"completed": 1, "total": 1, "percent": 100, "is_complete": True, "completed_at": done}
    stored |= {"first_completed_at": done, "updated_at": done, "claimed_at": None}
    return [
        (
            "learner",
            {
                "id": g,
                "email": f"m{g}@example.com",
                "name": name,
                "password_hash": "argon2-hash",
                "role": "learner",
                "time_zone": zone,
                "created_at": enrolled,
                "progress_version": 0,
            },
        ),
        ("module", {"id": g, "slug": f"m{g}", "title": f"Module {g}", "description": "", "retired": False}),
        ("course", {"id": g, "slug": f"c{g}", "title": title, "description": "", "position": g, "retired": False}),
        (
            "pathway",
            {"id": g, "slug": f"p{g}", "title": f"Path {g}", "description": "", "position": g, "retired": False},
        ),
        ("course_module", {"course_id": g, "module_id": g, "position": 0}),
        ("pathway_course", {"pathway_id": g, "course_id": g, "position": 0}),
        (
            "lesson",
            {
                "id": g,
                "slug": f"l{g}",
                "module_id": g,
                "position": 0,
                "title": f"Lesson {g}",
                "description": "",
                "kind": "article",
                "body": "Text.",
                "video_url": None,
                "minutes": 5,
                "preview": False,
                "retired": False,
            },
        ),
        (
            "enrollment",
            {
                "id": g,
                "learner_id": g,
                "course_id": g,
                "enrolled_at": enrolled,
                "last_lesson_id": g,
                "last_accessed_at": done,
                **stored,
            },
        ),
        (
            "pathway_enrollment",
            {
                "id": g,
                "learner_id": g,
                "pathway_id": g,
                "enrolled_at": enrolled,
                "last_accessed_at": done,
                "courses_completed": 1,
                "courses_total": 1,
                **stored,
            },
        ),
        ("lesson_completion", {"id": g, "learner_id": g, "lesson_id": g, "completed_at": done, "source": "ui"}),
        (
            "progress_history",
            {
                "id": g,
                "at": done,
                "learner_id": g,
                "actor_id": g,
                "action": "completed",
                "source": "ui",
                "lesson_id": g,
                "course_id": None,
                "pathway_id": None,
                "detail": "",
            },
        ),
        ("activity_day", {"learner_id": g, "day": local_day, "lesson_id": g}),
        (
            "lesson_time",
            {"learner_id": g, "lesson_id": g, "day": studied.date(), "seconds": 600 + g, "updated_at": studied},
        ),
        (
            "certificate",
            {
                "id": g,
                "learner_id": g,
                "node_kind": "course",
                "node_id": g,
                "code": f"CERT-{g:04d}",
                "status": "issued",
                "attempts": 1,
                "next_attempt_at": done,
                "last_error": "",
                "completed_at": done,
                "issued_at": done + timedelta(minutes=1),
                "created_at": done,
                "pdf": None,
                "holder_name": name,
                "title": title,
                "time_zone": zone,
            },
        ),
        (
            "notification",
            {
                "id": g,
                "learner_id": g,
                "dedupe_key": f"course:c{g}:completed",
                "title": "Done",
                "link": f"/courses/c{g}",
                "created_at": done,
                "read_at": None,
            },
        ),
    ]


@contextmanager
def connected(url: str) -> Iterator[tuple[Connection, MetaData]]:
    """A connection and the schema as it is now (reflected: each revision has its own; SQLite's moments as that
    revision stores them)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            schema = MetaData()
            schema.reflect(bind=conn)
            if integer_moments(conn, url):
                for table in schema.tables.values():
                    for column in table.c:
                        if isinstance(column.type, DateTime):
                            column.type = _StoredMoment()
            yield conn, schema
    finally:
        engine.dispose()


def write(url: str, rows: list[Row]) -> list[Row]:
    """Rows of the tables this revision has, with the columns it has; a required column we do not fill fails.

    Returns the rows written, whole: the columns this revision lacks are what later migrations must fill in.
    """
    written = []
    with connected(url) as (conn, schema):
        for name, values in rows:
            if name not in schema.tables:
                written += [(name, values)] if name in BACKFILLED else []
                continue
            table = schema.tables[name]
            missing = [c.name for c in table.c if not c.nullable and c.server_default is None and c.name not in values]
            assert not missing, f"{name}.{missing}: a new required column; give it a value in generation()"
            conn.execute(insert(table), {k: v for k, v in values.items() if k in table.c})
            written.append((name, values))
    return written


def _plain(value: Any) -> Any:
    """One form per value across SQLite and PostgreSQL: naive UTC times, bools, ints."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def read(url: str, rows: list[Row]) -> list[str]:
    """What differs between the rows as written and as read now (columns gone since are not compared)."""
    problems = []
    with connected(url) as (conn, schema):
        for name, values in rows:
            if name not in schema.tables:  # a backfilled table before its migration
                continue
            table = schema.tables[name]
            key = [c.name for c in table.primary_key.columns]
            found = conn.execute(select(table).where(and_(*(table.c[k] == values[k] for k in key)))).mappings().all()
            if len(found) != 1:
                problems.append(f"{name} { ({k: values[k] for k in key}) }: {len(found)} rows")
                continue
            for column, wanted in values.items():
                if column in table.c and _plain(found[0][column]) != wanted:
                    problems.append(f"{name}.{column}: wrote {wanted!r}, read {found[0][column]!r}")
    return problems


def dump(url: str) -> dict[str, set[tuple[tuple[str, Any], ...]]]:
    """Every table but Alembic's own, as sets of (column, value) rows."""
    with connected(url) as (conn, schema):
        return {
            name: {
                tuple(sorted((k, _plain(v)) for k, v in row.items())) for row in conn.execute(select(table)).mappings()
            }
            for name, table in schema.tables.items()
            if name != "alembic_version"
        }


def common(before: dict[str, set[Any]], after: dict[str, set[Any]]) -> tuple[dict[str, set[Any]], dict[str, set[Any]]]:
    """Both dumps cut to the tables and columns they share."""
    left, right = {}, {}
    for name in before.keys() & after.keys():
        columns = {k for row in before[name] for k, _ in row} & {k for row in after[name] for k, _ in row}
        left[name] = {tuple(kv for kv in row if kv[0] in columns) for row in before[name]}
        right[name] = {tuple(kv for kv in row if kv[0] in columns) for row in after[name]}
    return left, right


def test_rows_written_at_every_revision_read_the_same_at_head(empty_url: str) -> None:
    written: list[Row] = []
    chain = revisions(empty_url)
    for g, revision in enumerate(chain, start=1):
        upgrade(empty_url, revision)
        written += write(empty_url, generation(g))
        problems = read(empty_url, written)
        assert not problems, f"at {revision}:\n" + "\n".join(problems)
    assert {name for name, _ in written} <= set(dump(empty_url))
    assert len(chain) >= 2


def test_a_downgrade_keeps_what_the_older_schema_holds_and_an_upgrade_brings_it_back(empty_url: str) -> None:
    chain = revisions(empty_url)
    for g, revision in enumerate(chain, start=1):
        upgrade(empty_url, revision)
        write(empty_url, generation(g))
    at_head = dump(empty_url)
    newer = at_head
    for revision in reversed(chain[:-1]):  # one step at a time, down to the first revision
        command.downgrade(alembic_config(empty_url), revision)
        older = dump(empty_url)
        kept, now = common(newer, older)
        assert kept == now, f"downgrade to {revision} changed {[n for n in kept if kept[n] != now[n]]}"
        newer = older
    oldest = newer
    upgrade(empty_url)
    kept, now = common(oldest, dump(empty_url))
    assert kept == now, f"upgrade back to head changed {[n for n in kept if kept[n] != now[n]]}"
    # Activity days are rebuilt from the completions by their migration: the same days as before.
    assert dump(empty_url)["activity_day"] == at_head["activity_day"]


def test_generations_land_on_distinct_local_days() -> None:
    """The fixture data is sharp: in Tokyo the completion falls on the next day, so a UTC day would not match."""
    tokyo = next(rows for g in range(1, 4) if (rows := generation(g))[0][1]["time_zone"] == "Asia/Tokyo")
    completion = next(values for name, values in tokyo if name == "lesson_completion")
    activity = next(values for name, values in tokyo if name == "activity_day")
    assert activity["day"] == completion["completed_at"].date() + timedelta(days=1)
    assert isinstance(activity["day"], date)
