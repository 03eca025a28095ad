"""Accounts: sign-up validation, password checks and profile updates (name and time zone)."""

from __future__ import annotations

import pytest
from argon2 import Type
from sqlalchemy import select

from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.accounts.learners import (
    MAX_NAME,
    authenticate,
    create_learner,
    find_account,
    time_zones,
    update_profile,
    verify_password,
)
from learnapp.services.errors import Conflict, InvalidRequest, NotFound
from tests.conftest import ALICE, APP_HASHER, BOB


def test_the_app_hashes_passwords_with_argon2id_at_64_mib_and_three_passes() -> None:
    """The suite hashes cheaply (tests/conftest.py); the app's own parameters are these, and a hash made with them
    verifies whatever the current hasher's parameters (they are read from the stored hash)."""
    assert (APP_HASHER.type, APP_HASHER.memory_cost, APP_HASHER.time_cost) == (Type.ID, 64 * 1024, 3)
    stored = APP_HASHER.hash("carol-password")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,")
    assert verify_password(stored, "carol-password") and not verify_password(stored, "carol-passworx")


def test_create_learner_normalizes_email_and_name_and_hashes_the_password(db: Database) -> None:
    account = create_learner(db, "  Carol@Example.COM ", "  Carol  ", "carol-password", time_zone="Asia/Tokyo")
    assert (account.email, account.name, account.role, account.time_zone) == (
        "carol@example.com",
        "Carol",
        "learner",
        "Asia/Tokyo",
    )
    with db.read() as session:
        stored = session.execute(select(Learner.password_hash).where(Learner.id == account.id)).scalar_one()
    assert "carol-password" not in stored and stored.startswith("$argon2")


@pytest.mark.parametrize(
    ("email", "name", "password", "role", "zone", "message"),
    [
        ("no-at-sign", "Carol", "carol-password", "learner", "UTC", "valid email"),
        ("carol@example.com", "   ", "carol-password", "learner", "UTC", "Enter your name"),
        ("carol@example.com", "x" * (MAX_NAME + 1), "carol-password", "learner", "UTC", "120 characters"),
        ("carol@example.com", "Carol", "short", "learner", "UTC", "at least 8"),
        ("carol@example.com", "Carol", "carol-password", "owner", "UTC", "Unknown role"),
        ("carol@example.com", "Carol", "carol-password", "learner", "Mars/Olympus", "Unknown time zone"),
    ],
)
def test_create_learner_refuses_invalid_input_and_writes_nothing(
    db: Database, email: str, name: str, password: str, role: str, zone: str, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        create_learner(db, email, name, password, role=role, time_zone=zone)
    assert find_account(db, "carol@example.com") is None


def test_create_learner_refuses_a_taken_email_whatever_its_case(db: Database) -> None:
    with pytest.raises(Conflict):
        create_learner(db, "ALICE@example.com", "Another Alice", "another-password")


def test_authenticate_accepts_the_right_password_only(db: Database) -> None:
    account = authenticate(db, " Alice@Example.com", "alice-password")
    assert account is not None and (account.id, account.name, account.time_zone) == (ALICE, "Alice", "Europe/Paris")
    assert authenticate(db, "alice@example.com", "wrong-password") is None
    assert authenticate(db, "nobody@example.com", "alice-password") is None


def test_update_profile_changes_name_and_time_zone_of_that_learner_only(db: Database) -> None:
    account = update_profile(db, ALICE, "  Alice Liddell ", "America/New_York")
    assert (account.id, account.name, account.time_zone, account.email) == (
        ALICE,
        "Alice Liddell",
        "America/New_York",
        "alice@example.com",
    )
    reread = find_account(db, "alice@example.com")
    assert reread is not None and (reread.name, reread.time_zone) == ("Alice Liddell", "America/New_York")
    bob = find_account(db, "bob@example.com")
    assert bob is not None and (bob.id, bob.name, bob.time_zone) == (BOB, "Bob", "UTC")
    assert authenticate(db, "alice@example.com", "alice-password") is not None


def test_update_profile_accepts_a_name_of_exactly_the_maximum_length(db: Database) -> None:
    assert update_profile(db, ALICE, "a" * MAX_NAME, "UTC").name == "a" * MAX_NAME


@pytest.mark.parametrize(
    ("name", "zone", "message"),
    [
        ("", "UTC", "Enter your name"),
        (" \t ", "UTC", "Enter your name"),
        ("x" * (MAX_NAME + 1), "UTC", "120 characters or fewer"),
        ("Alice", "", "Unknown time zone"),
        ("Alice", "Europe/Atlantis", "Unknown time zone 'Europe/Atlantis'"),
        ("Alice", "europe/paris", "Unknown time zone"),
    ],
)
def test_update_profile_refuses_invalid_input_and_changes_nothing(
    db: Database, name: str, zone: str, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        update_profile(db, ALICE, name, zone)
    account = find_account(db, "alice@example.com")
    assert account is not None and (account.name, account.time_zone) == ("Alice", "Europe/Paris")


def test_update_profile_of_an_unknown_learner_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        update_profile(db, 999, "Ghost", "UTC")


def test_time_zones_are_sorted_iana_names() -> None:
    zones = time_zones()
    assert list(zones) == sorted(zones)
    assert {"UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"} <= set(zones)
