"""Two sign-ups with one email at the same moment: one account, and the other gets "already exists", never a 500.

On PostgreSQL (the second pass of make test) both can pass the existence check before either commits; the unique
index then refuses the later insert, which must read as the same conflict the check gives.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlmodel import col

from learnapp.api.v1.errors import http_status
from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.accounts.learners import Account, create_learner
from learnapp.services.errors import Conflict

TRIES = 4


def sign_up_twice_at_once(db: Database, email: str) -> list[object]:
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def sign_up(name: str) -> None:
        start.wait()
        try:
            outcomes.append(create_learner(db, email, name, "long-enough-1"))
        except Exception as error:  # collected: anything but one Conflict fails the test below
            outcomes.append(error)

    threads = [threading.Thread(target=sign_up, args=(name,)) for name in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_simultaneous_signups_with_one_email_make_one_account_and_one_clear_conflict(db: Database) -> None:
    for number in range(TRIES):  # the race is won at a different moment each time
        email = f"twin{number}@example.com"
        outcomes = sign_up_twice_at_once(db, email)
        accounts = [o for o in outcomes if isinstance(o, Account)]
        conflicts = [o for o in outcomes if isinstance(o, Conflict)]
        assert len(accounts) == 1 and len(conflicts) == 1, outcomes
        assert conflicts[0].message == "An account with this email already exists"
        assert http_status(conflicts[0]) == 409
        with db.read() as session:
            count = session.execute(select(func.count()).where(col(Learner.email) == email)).scalar()
        assert count == 1
