"""Persistence: learner notifications, written at most once per dedupe key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.domain.clock import utcnow
from learnapp.persistence.handles import NOTIFICATION


@dataclass(frozen=True)
class Notice:
    id: int
    title: str
    link: str
    created_at: datetime
    read: bool


def _insert(builder: Any) -> Any:
    return (
        builder(NOTIFICATION)
        .values(
            learner_id=bindparam("learner"),
            dedupe_key=bindparam("key"),
            title=bindparam("title"),
            link=bindparam("link"),
            created_at=bindparam("at", type_=NOTIFICATION.c.created_at.type),
        )
        .on_conflict_do_nothing(index_elements=["learner_id", "dedupe_key"])
    )


_INSERT = {"postgresql": _insert(postgresql.insert), "sqlite": _insert(sqlite.insert)}


def notify_once(conn: Connection, learner_id: int, key: str, title: str, link: str = "") -> None:
    """A race or a repeat with the same key is a quiet no-op: never two of the same notice."""
    conn.execute(
        _INSERT[conn.dialect.name], {"learner": learner_id, "key": key, "title": title, "link": link, "at": utcnow()}
    )


def recent_notices(conn: Connection, learner_id: int, limit: int = 20) -> list[Notice]:
    rows = conn.execute(
        select(
            NOTIFICATION.c.id,
            NOTIFICATION.c.title,
            NOTIFICATION.c.link,
            NOTIFICATION.c.created_at,
            NOTIFICATION.c.read_at,
        )
        .where(NOTIFICATION.c.learner_id == learner_id)
        .order_by(NOTIFICATION.c.id.desc())
        .limit(limit)
    )
    return [Notice(r.id, r.title, r.link, r.created_at, r.read_at is not None) for r in rows]


def unread_count(conn: Connection, learner_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(NOTIFICATION.c.learner_id == learner_id, NOTIFICATION.c.read_at.is_(None))
        ).scalar_one()
    )


def mark_all_read(conn: Connection, learner_id: int) -> None:
    conn.execute(
        update(NOTIFICATION)
        .where(NOTIFICATION.c.learner_id == learner_id, NOTIFICATION.c.read_at.is_(None))
        .values(read_at=utcnow())
    )
