"""Services: learner accounts with argon2-hashed passwords and roles."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.errors import Conflict, InvalidRequest

ROLES = ("learner", "admin")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    role: str
    time_zone: str


def create_learner(
    db: Database, email: str, name: str, password: str, role: str = "learner", time_zone: str = "UTC"
) -> Account:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidRequest("Enter a valid email address")
    if not name.strip():
        raise InvalidRequest("Enter your name")
    if len(password) < 8:
        raise InvalidRequest("Choose a password of at least 8 characters")
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role '{role}'")
    if time_zone not in available_timezones():
        raise InvalidRequest(f"Unknown time zone '{time_zone}'")
    with db.write() as session:
        if session.execute(select(col(Learner.id)).where(col(Learner.email) == email)).scalar() is not None:
            raise Conflict("An account with this email already exists")
        row = Learner(
            email=email, name=name.strip(), password_hash=_hasher.hash(password), role=role, time_zone=time_zone
        )
        session.add(row)
        session.flush()
        return _account(row)


def authenticate(db: Database, email: str, password: str) -> Account | None:
    with db.read() as session:
        row = session.execute(select(Learner).where(col(Learner.email) == email.strip().lower())).scalar()
    if row is None:
        _hasher.hash(password)  # spend the same time whether or not the account exists
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except VerificationError:
        return None
    return _account(row)


def find_account(db: Database, email: str) -> Account | None:
    with db.read() as session:
        row = session.execute(select(Learner).where(col(Learner.email) == email.strip().lower())).scalar()
    return _account(row) if row else None


def _account(row: Learner) -> Account:
    return Account(int(row.id or 0), row.email, row.name, row.role, row.time_zone)
