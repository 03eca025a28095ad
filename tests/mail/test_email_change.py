"""Changing the account email: the new address confirms with a single-use link, the old one is told (real SMTP)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest

from learnapp.domain import routes
from learnapp.domain.clock import utcnow
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import authenticate, create_learner, find_account
from learnapp.services.accounts.sessions import session_account, start_session
from learnapp.services.errors import Conflict, InvalidRequest
from learnapp.services.mail.delivery import deliver_due
from learnapp.services.mail.email_change import (
    EXPIRED,
    MAX_LINKS_PER_HOUR,
    confirm_email_change,
    pending_email,
    request_email_change,
)
from learnapp.services.mail.reset import request_reset, reset_password
from learnapp.services.mail.transport import SmtpTransport
from tests.conftest import ALICE
from tests.mail.conftest import SmtpServer, html_of, links, queued, queued_link, text_of
from tests.mail.test_routes import Client

COOKIE = "learnapp_session"
NEW = "alice.new@example.org"


class Learner(Client):
    """The ASGI client with Alice's session cookie."""

    def __init__(self, db: Database, session: str | None = None, ip: str = "10.8.8.8") -> None:
        super().__init__(db, ip)
        self.session = session or start_session(db, ALICE, "Alice's laptop")

    def post(self, path: str, **data: str) -> str:
        """Where the form's answer sends the browser (unquoted)."""
        answer = self.call("POST", path, data=data, headers={"Cookie": f"{COOKIE}={self.session}"})
        assert answer.status_code == 303, answer.text
        return unquote(answer.headers["location"])


def ask(learner: Learner, email: str = NEW, password: str = "alice-password") -> str:
    return learner.post("/auth/change-email", email=email, password=password)


def token_in(db: Database) -> str:
    """The token of the newest confirmation link queued (the notice to the old address is queued after it)."""
    found = [u for m in queued(db) for u in links(text_of(m)) if routes.CONFIRM_EMAIL in u]
    return found[-1].split("token=", 1)[1]


def test_both_emails_arrive_with_both_parts_and_the_link_changes_the_email_once(db: Database, smtp: SmtpServer) -> None:
    learner = Learner(db)
    assert ask(learner, email="  Alice.New@Example.ORG ") == "/profile?email_change=sent"
    assert find_account(db, "alice@example.com") is not None and find_account(db, NEW) is None  # nothing changed yet
    assert deliver_due(db, SmtpTransport(smtp.url)) == 2
    received = {recipients[0]: message for recipients, message in smtp.inbox.received}
    assert set(received) == {NEW, "alice@example.com"}

    confirm = received[NEW]
    assert confirm["Subject"] == "Confirm your new learnapp email" and confirm["To"] == f"Alice <{NEW}>"
    [link] = [u for u in links(text_of(confirm)) if routes.CONFIRM_EMAIL in u]
    assert link in links(html_of(confirm)) and link.startswith("http://localhost:3000/confirm-email?token=")
    notice = received["alice@example.com"]
    assert notice["Subject"] == "Someone asked to change your learnapp email"
    for part in (text_of(notice), html_of(notice)):
        assert "a***@example.org" in part and NEW not in part
        # No link in the notice could take the account over: only the way to a new password and the app itself.
        assert {u.rstrip(".") for u in links(part)} <= {
            "http://localhost:3000/forgot-password",
            "http://localhost:3000",
        }
    with db.snapshot() as conn:
        bodies = {row.kind: row.raw for row in mail_queue.find(conn)}
    assert bodies["email_change_confirm"] == "" and bodies["email_change_requested"] != ""  # the link is not kept

    token = link.split("token=", 1)[1]
    assert pending_email(db, token) == NEW
    assert learner.post("/auth/confirm-email", token=token) == "/confirm-email?done=1"
    assert find_account(db, NEW) is not None and find_account(db, "alice@example.com") is None
    assert authenticate(db, NEW, "alice-password") is not None
    assert authenticate(db, "alice@example.com", "alice-password") is None

    assert deliver_due(db, SmtpTransport(smtp.url)) == 1
    recipients, changed = smtp.inbox.received[-1]
    assert recipients == ["alice@example.com"] and changed["Subject"] == "Your learnapp email was changed"
    assert "a***@example.org" in text_of(changed) and "a***@example.org" in html_of(changed)

    again = learner.post("/auth/confirm-email", token=token)
    assert "expired or was already used" in again and pending_email(db, token) is None
    assert find_account(db, NEW) is not None


def test_the_other_sessions_end_and_the_confirming_browser_shows_the_new_email_at_once(db: Database) -> None:
    learner = Learner(db)
    elsewhere = start_session(db, ALICE, "a stolen laptop")
    assert session_account(db, learner.session).email == "alice@example.com"  # type: ignore[union-attr]
    ask(learner)
    learner.post("/auth/confirm-email", token=token_in(db))
    # Read within TRUST_FOR of the check above: the cached account must already be the new one.
    account = session_account(db, learner.session)
    assert account is not None and account.email == NEW and account.name == "Alice"
    assert session_account(db, elsewhere) is None


def test_a_link_opened_in_a_signed_out_browser_ends_every_session(db: Database) -> None:
    learner = Learner(db)
    request_email_change(db, ALICE, "alice-password", NEW)
    confirm_email_change(db, token_in(db), None)
    assert session_account(db, learner.session) is None
    assert find_account(db, NEW) is not None


def test_an_expired_link_says_so_and_changes_nothing(db: Database) -> None:
    request_email_change(db, ALICE, "alice-password", NEW, now=utcnow() - timedelta(hours=24, minutes=1))
    token = token_in(db)
    assert pending_email(db, token) is None
    answer = Learner(db).post("/auth/confirm-email", token=token)
    assert EXPIRED in answer
    with pytest.raises(InvalidRequest, match="expired"):
        confirm_email_change(db, token, None)
    assert find_account(db, "alice@example.com") is not None and find_account(db, NEW) is None


def test_an_address_taken_before_the_confirmation_is_refused_and_nothing_changes(db: Database) -> None:
    learner = Learner(db)
    # Asking for an address another account uses answers like any other: the page tells nothing.
    assert ask(learner, email="bob@example.com") == ask(learner) == "/profile?email_change=sent"
    token = token_in(db)  # the newest: NEW
    create_learner(db, NEW, "Someone Else", "their-password")
    answer = learner.post("/auth/confirm-email", token=token)
    assert "Another account already uses that email" in answer
    with pytest.raises(Conflict):
        confirm_email_change(db, token, learner.session)
    assert find_account(db, "alice@example.com").id == ALICE  # type: ignore[union-attr]
    assert find_account(db, NEW).name == "Someone Else"  # type: ignore[union-attr]
    assert session_account(db, learner.session) is not None
    assert pending_email(db, token) == NEW  # not spent: it works if the address is freed
    assert [m["Subject"] for m in queued(db)].count("Your learnapp email was changed") == 0


def test_a_wrong_password_a_bad_address_or_a_foreign_form_changes_nothing(db: Database) -> None:
    learner = Learner(db)
    assert "current password is not right" in ask(learner, password="not-my-password")
    assert "Enter a valid email address" in ask(learner, email="no-at-sign")
    assert "already your email" in ask(learner, email=" ALICE@example.com")
    signed_out = Learner(db, session="not-a-session")
    assert ask(signed_out).startswith(routes.LOGIN)
    foreign = learner.call(
        "POST",
        "/auth/change-email",
        data={"email": NEW, "password": "alice-password"},
        headers={"Cookie": f"{COOKIE}={learner.session}", "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert queued(db) == []


def test_asking_and_confirming_are_rate_limited(db: Database) -> None:
    learner = Learner(db)
    # The password is checked under the log-in limits: guessing through this form crawls like the log-in form.
    answers = [ask(learner, password=f"guess-{n}") for n in range(11)]
    assert all("not right" in a for a in answers[:10]) and "Too many attempts" in answers[10]
    assert queued(db) == []
    # An account asks for a few links an hour, whoever has its password.
    other = Learner(db, ip="10.8.8.9")
    answers = [ask(other, email=f"n{n}@example.org") for n in range(MAX_LINKS_PER_HOUR + 1)]
    assert answers[:-1] == ["/profile?email_change=sent"] * MAX_LINKS_PER_HOUR and "Try again later" in answers[-1]
    # Confirming: ten tries a minute per address.
    answers = [learner.post("/auth/confirm-email", token=f"guess{n}") for n in range(11)]
    assert all("expired" in a for a in answers[:10]) and "Too many attempts" in answers[10]


def test_a_password_reset_cancels_a_pending_change(db: Database) -> None:
    request_email_change(db, ALICE, "alice-password", NEW)
    token = token_in(db)
    request_reset(db, "alice@example.com")
    reset_password(db, queued_link(db).split("token=", 1)[1], "a-brand-new-password")
    assert pending_email(db, token) is None
    with pytest.raises(InvalidRequest, match="expired"):
        confirm_email_change(db, token, None)
    assert find_account(db, "alice@example.com") is not None


def test_a_confirmed_change_spends_reset_links_sent_to_the_old_address(db: Database) -> None:
    request_reset(db, "alice@example.com")
    reset_token = queued_link(db).split("token=", 1)[1]
    request_email_change(db, ALICE, "alice-password", NEW)
    confirm_email_change(db, token_in(db), None)
    with pytest.raises(InvalidRequest, match="expired"):
        reset_password(db, reset_token, "taken-over-password")
