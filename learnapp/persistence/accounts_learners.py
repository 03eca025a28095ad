"""Persistence: learner accounts: adding one (the unique email settles a race), reading one, changing its details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from learnapp.persistence.tables import Learner


@dataclass(frozen=True)
class AccountRow:
    id: int
    email: str
    name: str
    role: str
    time_zone: str
    password_hash: str


def add_learner(
    session: Session, email: str, name: str, password_hash: str, role: str, time_zone: str
) -> AccountRow | None:
    """The new account, or None when another account has this email (the caller then rolls back: a failed flush
    leaves the session unusable)."""
    if session.execute(select(col(Learner.id)).where(col(Learner.email) == email)).scalar() is not None:
        return None
    row = Learner(email=email, name=name, password_hash=password_hash, role=role, time_zone=time_zone)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Two sign-ups with one email at once: both passed the check above, the unique index let one in.
        return None
    return _account(row)


def account_by_email(session: Session, email: str) -> AccountRow | None:
    row = session.execute(select(Learner).where(col(Learner.email) == email)).scalar()
    return _account(row) if row else None


def set_profile(session: Session, learner_id: int, name: str, time_zone: str) -> AccountRow | None:
    """The account with its new name and time zone; None when there is no such learner."""
    row = session.get(Learner, learner_id)
    if row is None:
        return None
    row.name, row.time_zone = name, time_zone
    session.flush()
    return _account(row)


def _account(row: Learner) -> AccountRow:
    return AccountRow(int(row.id or 0), row.email, row.name, row.role, row.time_zone, row.password_hash)


def credentials(conn: Connection, learner_id: int) -> Any:
    """The account's (email, name, password_hash), or None."""
    return conn.execute(
        select(col(Learner.email), col(Learner.name), col(Learner.password_hash)).where(col(Learner.id) == learner_id)
    ).first()


def addressee(conn: Connection, learner_id: int) -> Any:
    """The account's (email, name), or None."""
    return conn.execute(select(col(Learner.email), col(Learner.name)).where(col(Learner.id) == learner_id)).first()


def email_of(conn: Connection, learner_id: int) -> str:
    return str(conn.execute(select(col(Learner.email)).where(col(Learner.id) == learner_id)).scalar_one())


def email_used_by_another(conn: Connection, email: str, learner_id: int) -> bool:
    found = conn.execute(
        select(col(Learner.id)).where(col(Learner.email) == email, col(Learner.id) != learner_id)
    ).first()
    return found is not None


def account_details(conn: Connection, learner_id: int) -> Any:
    """The account's (id, email, name, role, time_zone); raises if there is none."""
    return conn.execute(
        select(col(Learner.id), col(Learner.email), col(Learner.name), col(Learner.role), col(Learner.time_zone)).where(
            col(Learner.id) == learner_id
        )
    ).one()


def set_email(conn: Connection, learner_id: int, email: str) -> bool:
    """False when another account holds the email (the unique index: it took it after the caller looked)."""
    try:
        conn.execute(update(Learner).where(col(Learner.id) == learner_id).values(email=email))
    except IntegrityError:
        return False
    return True


def set_password_hash(conn: Connection, learner_id: int, password_hash: str) -> None:
    conn.execute(update(Learner).where(col(Learner.id) == learner_id).values(password_hash=password_hash))
