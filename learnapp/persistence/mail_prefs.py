"""Persistence: learners' email preferences (a row made on first need, with the key that signs unsubscribe links)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import MAIL_PREFERENCE as PREFERENCE

KINDS = ("course_completed", "certificate_ready", "milestones", "reminders")


@dataclass(frozen=True)
class Preferences:
    learner_id: int
    course_completed: bool
    certificate_ready: bool
    milestones: bool
    reminders: bool
    signing_key: str

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


def preferences(conn: Connection, learner_id: int, now: datetime) -> Preferences:
    """The learner's preferences; the defaults (all on but milestones) are written the first time they are asked."""
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        builder(PREFERENCE)
        .values(
            learner_id=learner_id,
            course_completed=True,
            certificate_ready=True,
            milestones=False,
            reminders=True,
            signing_key=secrets.token_hex(32),
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["learner_id"])
    )
    return read_preferences(conn, learner_id) or _missing(learner_id)


def read_preferences(conn: Connection, learner_id: int) -> Preferences | None:
    columns = [PREFERENCE.c[name] for name in Preferences.__dataclass_fields__]
    row = conn.execute(select(*columns).where(PREFERENCE.c.learner_id == learner_id)).first()
    return Preferences(*row) if row else None


def set_preference(conn: Connection, learner_id: int, kind: str, on: bool, now: datetime) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    preferences(conn, learner_id, now)
    conn.execute(update(PREFERENCE).where(PREFERENCE.c.learner_id == learner_id).values({kind: on, "updated_at": now}))


def _missing(learner_id: int) -> Preferences:
    raise LookupError(f"no preferences for learner {learner_id}")
