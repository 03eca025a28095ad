"""Persistence: learner accounts: adding one (the unique email settles a race), finding one by email, its profile."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
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
