"""A saved name or time zone shows at once, not after the session check of the last moments runs out."""

from __future__ import annotations

from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import update_profile
from learnapp.services.accounts.sessions import account_changed, session_account, start_session
from tests.conftest import ALICE, BOB


def test_the_session_check_of_a_moment_ago_shows_the_new_name(db: Database) -> None:
    alice, bob = start_session(db, ALICE), start_session(db, BOB)
    assert (session_account(db, alice) or _none()).name == "Alice"  # checked: trusted for TRUST_FOR now
    assert (session_account(db, bob) or _none()).name == "Bob"
    account_changed(update_profile(db, ALICE, "Alice Liddell", "Asia/Tokyo"))
    now = session_account(db, alice) or _none()
    assert (now.name, now.time_zone) == ("Alice Liddell", "Asia/Tokyo")
    assert (session_account(db, bob) or _none()).name == "Bob"  # another account's check is left alone


def _none() -> object:
    raise AssertionError("the session should be live")
