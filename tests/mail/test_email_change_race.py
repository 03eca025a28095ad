"""Confirming an email change when another account takes the address between the check and the update."""

from __future__ import annotations

import pytest

from learnapp.persistence import accounts_learners
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner, find_account
from learnapp.services.errors import Conflict
from learnapp.services.mail.email_change import TAKEN, confirm_email_change, pending_email, request_email_change
from tests.conftest import ALICE
from tests.mail.test_email_change import NEW, token_in


def test_an_address_taken_after_the_check_is_refused_by_the_unique_index_and_nothing_changes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_email_change(db, ALICE, "alice-password", NEW)
    token = token_in(db)
    create_learner(db, NEW, "Someone Else", "their-password")
    # The check finds no other account, as when that account commits just after it: the update then meets the index.
    monkeypatch.setattr(accounts_learners, "email_used_by_another", lambda *_: False)
    with pytest.raises(Conflict) as refused:
        confirm_email_change(db, token, None)
    assert refused.value.message == TAKEN
    assert find_account(db, "alice@example.com").id == ALICE  # type: ignore[union-attr]
    assert find_account(db, NEW).name == "Someone Else"  # type: ignore[union-attr]
    assert pending_email(db, token) == NEW  # the link's use was rolled back with the rest
