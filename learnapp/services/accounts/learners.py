"""Services: learner accounts with argon2-hashed passwords and roles."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from learnapp.persistence.accounts_learners import AccountRow, account_by_email, add_learner, set_profile
from learnapp.persistence.db import Database
from learnapp.services.errors import Conflict, InvalidRequest, NotFound

ROLES = ("learner", "admin")
MAX_NAME = 120
_hasher = PasswordHasher()
# argon2 takes 64 MiB and a core's worth of time per hash: a flood of log-ins queues here instead of exhausting
# the machine's memory. Four keep a small server's cores busy; a waiting log-in is just slower.
MAX_CONCURRENT_HASHES = 4
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)
TAKEN = "An account with this email already exists"


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
    email = valid_email(email)
    name = _valid_name(name)
    if len(password) < 8:
        raise InvalidRequest("Choose a password of at least 8 characters")
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role '{role}'")
    time_zone = _valid_zone(time_zone)
    password_hash = hash_password(password)  # before the transaction: no write lock held while hashing
    with db.write() as session:
        row = add_learner(session, email, name, password_hash, role, time_zone)
        if row is None:  # taken, or taken meanwhile by a sign-up running at the same moment
            raise Conflict(TAKEN)
        return _account(row)


def valid_email(email: str) -> str:
    """An email as accounts store it (trimmed, lower case), or a clear refusal."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidRequest("Enter a valid email address")
    return email


def authenticate(db: Database, email: str, password: str) -> Account | None:
    with db.read() as session:
        row = account_by_email(session, email.strip().lower())
    if row is None:
        hash_password(password)  # spend the same time whether or not the account exists
        return None
    if not verify_password(row.password_hash, password):
        return None
    return _account(row)


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _hashing:
        try:
            return _hasher.verify(password_hash, password)
        except VerificationError:
            return False


def find_account(db: Database, email: str) -> Account | None:
    with db.read() as session:
        row = account_by_email(session, email.strip().lower())
    return _account(row) if row else None


def update_profile(db: Database, learner_id: int, name: str, time_zone: str) -> Account:
    """Change a learner's name and time zone (the zone decides where their streak days start and end)."""
    name, time_zone = _valid_name(name), _valid_zone(time_zone)
    with db.write() as session:
        row = set_profile(session, learner_id, name, time_zone)
        if row is None:
            raise NotFound("Unknown learner")
        return _account(row)


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (read once: the scan touches the disk)."""
    return tuple(sorted(available_timezones()))


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidRequest("Enter your name")
    if len(name) > MAX_NAME:
        raise InvalidRequest(f"Keep your name to {MAX_NAME} characters or fewer (this one has {len(name)})")
    return name


def _valid_zone(time_zone: str) -> str:
    time_zone = time_zone.strip()
    if time_zone not in time_zones():
        raise InvalidRequest(f"Unknown time zone '{time_zone}': choose an IANA zone such as Europe/Paris")
    return time_zone


def _account(row: AccountRow) -> Account:
    return Account(row.id, row.email, row.name, row.role, row.time_zone)
