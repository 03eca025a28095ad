"""The progress history's ids: on SQLite ours to give (its table has no rowids), distinct and in order however many
entries one statement appends for a learner; on PostgreSQL its sequence's. The per-learner tables' keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, inspect, literal, select, text, true

from learnapp.domain.clock import utcnow
from learnapp.persistence.admin_learners import history
from learnapp.persistence.db import Database
from learnapp.persistence.facts import history_entry
from learnapp.persistence.handles import HISTORY, LEARNER, LESSON
from learnapp.persistence.history_ids import append_history, append_selected
from learnapp.persistence.migrate import upgrade


def _entries(db: Database, learner_id: int) -> list[tuple[int, str, str]]:
    with db.engine.connect() as conn:
        query = "SELECT id, action, detail FROM progress_history WHERE learner_id = :l ORDER BY at, id"
        return [tuple(row) for row in conn.execute(text(query), {"l": learner_id})]  # type: ignore[misc]


def _learners(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(LEARNER.c.id).order_by(LEARNER.c.id)).scalars())


def test_entries_appended_in_one_call_keep_their_order_under_one_moment(db: Database) -> None:
    alice, bob, *_ = _learners(db)
    moment = utcnow()
    actions = ["first", "second", "third", "fourth"]
    entries = [history_entry(alice, action, "ui") | {"at": moment} for action in actions]
    entries.insert(2, history_entry(bob, "between", "ui") | {"at": moment})
    with db.engine.begin() as conn:
        append_history(conn, entries)
    with db.engine.begin() as conn:  # a later unit of work, the same moment again: after the four
        append_history(conn, [history_entry(alice, "fifth", "ui") | {"at": moment}])
    mine = _entries(db, alice)
    assert [action for _, action, _ in mine] == [*actions, "fifth"]
    assert len({entry_id for entry_id, _, _ in mine}) == 5
    assert [action for _, action, _ in _entries(db, bob)] == ["between"]
    with db.engine.connect() as conn:  # the learner's page: newest first
        assert [row[1] for row in history(conn, alice, 10)] == ["fifth", *reversed(actions)]


def test_rows_selected_into_the_history_get_distinct_ids_after_the_learners_last(db: Database) -> None:
    learners = _learners(db)
    earlier = utcnow() - timedelta(hours=1)
    with db.engine.begin() as conn:
        append_history(conn, [history_entry(learners[0], "earlier", "ui") | {"at": earlier}])
    moment = utcnow()
    # Every learner times every lesson: many rows per learner in one INSERT … SELECT, all at one moment.
    rows = select(
        literal(moment, HISTORY.c.at.type),
        LEARNER.c.id,
        literal("selected"),
        literal("admin"),
        LESSON.c.id,
        LESSON.c.slug,
    ).select_from(LEARNER.join(LESSON, true()))
    with db.engine.begin() as conn:
        lessons = conn.execute(select(LESSON.c.id)).all()
        append_selected(conn, ["at", "learner_id", "action", "source", "lesson_id", "detail"], rows, LEARNER.c.id)
    for learner in learners:
        mine = _entries(db, learner)
        selected = [entry for entry in mine if entry[1] == "selected"]
        assert len(selected) == len(lessons) > 1
        assert len({entry_id for entry_id, _, _ in mine}) == len(mine)
    first = _entries(db, learners[0])
    assert first[0][1] == "earlier" and all(entry_id > first[0][0] for entry_id, _, _ in first[1:])


def test_the_per_learner_tables_are_keyed_by_learner_first(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        schema = inspect(engine)
        keys = {name: schema.get_pk_constraint(name)["constrained_columns"] for name in _CLUSTERED}
        assert keys == _CLUSTERED
        assert "id" not in {column["name"] for column in schema.get_columns("lesson_completion")}
        assert not any(
            index["name"] == "ix_progress_history_learner_at" for index in schema.get_indexes("progress_history")
        )
        if engine.dialect.name == "sqlite":  # stored in the key's order: one learner's rows on a page or two
            with engine.connect() as conn:
                ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
            assert all(ddl[name].rstrip().endswith("WITHOUT ROWID") for name in _CLUSTERED)
    finally:
        engine.dispose()


_CLUSTERED = {
    "lesson_completion": ["learner_id", "lesson_id"],
    "progress_history": ["learner_id", "at", "id"],
    "activity_day": ["learner_id", "day", "lesson_id"],
}
