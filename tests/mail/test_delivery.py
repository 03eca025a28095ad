"""Delivery to a real SMTP server on loopback: what arrives; exactly once with two workers, after a kill, an outage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from learnapp.domain import routes
from learnapp.domain.clock import utcnow
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import authenticate
from learnapp.services.errors import InvalidRequest
from learnapp.services.mail.compose import compose
from learnapp.services.mail.deliveries import recent_deliveries, retry_delivery
from learnapp.services.mail.delivery import LEASE, MAX_REFUSALS, deliver_due
from learnapp.services.mail.reset import link_is_usable, request_reset, reset_password
from learnapp.services.mail.transport import FolderTransport, SmtpTransport
from tests.conftest import ALICE
from tests.mail.conftest import SmtpServer, html_of, links, queued_link, text_of

ROOT = Path(__file__).resolve().parents[2]


def queue_plain(db: Database, count: int) -> list[str]:
    """`count` composed messages to Alice, queued as the outbox would; their cause keys."""
    now, causes = utcnow(), []
    with db.transaction() as conn:
        for number in range(count):
            cause = f"test:{number}"
            context = {"link": f"http://x/{number}"}
            message = compose("password_reset", ("Alice", "alice@example.com"), cause, context, now)
            mail_queue.queue(
                conn,
                {
                    "cause_key": cause,
                    "kind": "test",
                    "learner_id": ALICE,
                    "to_address": "alice@example.com",
                    "subject": str(message["Subject"]),
                    "message_id": str(message["Message-ID"]),
                    "raw": message.as_string(),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            causes.append(cause)
    return causes


def states(db: Database) -> Counter[str]:
    with db.snapshot() as conn:
        return Counter(row.state for row in mail_queue.find(conn))


def test_a_reset_email_arrives_with_both_parts_and_a_link_that_works_once(db: Database, smtp: SmtpServer) -> None:
    assert request_reset(db, "Alice@Example.com")
    assert deliver_due(db, SmtpTransport(smtp.url)) == 1
    [(recipients, message)] = smtp.inbox.received
    assert recipients == ["alice@example.com"]
    assert message["To"] == "Alice <alice@example.com>" and message["From"] == "learnapp <no-reply@localhost>"
    assert message["Subject"] == "Reset your learnapp password"
    assert message["Auto-Submitted"] == "auto-generated" and message["List-Unsubscribe"] is None  # not a notice
    with db.snapshot() as conn:
        [row] = mail_queue.find(conn)
    assert message["Message-ID"] == row.message_id and row.state == "sent"
    [link] = [u for u in links(text_of(message)) if routes.RESET_PASSWORD in u]
    assert link in links(html_of(message))
    assert link.startswith("http://localhost:3000/reset-password?token=")
    token = link.split("token=", 1)[1]
    # Only the token's hash is kept, and the sent body (which held the link) is dropped.
    assert row.raw == ""
    with db.snapshot() as conn:
        stored = [value for (value,) in conn.execute(text("SELECT token_hash FROM password_reset"))]
    assert len(stored) == 1 and token not in stored[0]
    assert link_is_usable(db, token)
    reset_password(db, token, "a-brand-new-secret")
    assert authenticate(db, "alice@example.com", "a-brand-new-secret") is not None
    assert authenticate(db, "alice@example.com", "alice-password") is None
    assert not link_is_usable(db, token)
    with pytest.raises(InvalidRequest, match="expired or was already used"):
        reset_password(db, token, "yet-another-secret")


def test_a_link_expires_after_an_hour(db: Database) -> None:
    start = utcnow()
    request_reset(db, "alice@example.com", start)
    token = queued_link(db).split("token=", 1)[1]
    assert link_is_usable(db, token, start + timedelta(minutes=59))
    assert not link_is_usable(db, token, start + timedelta(minutes=61))
    with pytest.raises(InvalidRequest):
        reset_password(db, token, "a-brand-new-secret", start + timedelta(minutes=61))


def test_an_unknown_email_queues_nothing_and_an_account_gets_at_most_three_links_an_hour(db: Database) -> None:
    assert not request_reset(db, "nobody@example.com")
    assert [request_reset(db, "bob@example.com") for _ in range(4)] == [True, True, True, False]
    assert states(db) == Counter(queued=3)


def test_two_workers_delivering_one_queue_send_every_message_exactly_once(db: Database, smtp: SmtpServer) -> None:
    queue_plain(db, 30)
    workers = [Database(db.url), Database(db.url)]
    sent: list[int] = []
    transport = SmtpTransport(smtp.url)
    threads = [threading.Thread(target=lambda w=w: sent.append(deliver_due(w, transport))) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.dispose()
    ids = Counter(str(message["Message-ID"]) for message in smtp.inbox.messages)
    assert len(ids) == 30 and set(ids.values()) == {1}
    assert sum(sent) == 30 and states(db) == Counter(sent=30)


KILLED_WORKER = """
import sys, time
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database
from learnapp.domain.clock import utcnow
from learnapp.services.mail.delivery import LEASE
from learnapp.services.mail.transport import SmtpTransport
db = Database(sys.argv[1])
with db.transaction() as conn:
    message = mail_queue.claim_due(conn, utcnow(), LEASE)
SmtpTransport(sys.argv[2]).send(message)
print(message.cause_key, flush=True)  # sent, not yet marked: the parent kills us here
time.sleep(60)
"""


@pytest.mark.slow  # spawns a process: `make test` runs it, `make test-fast` does not
def test_a_worker_killed_after_sending_before_marking_costs_at_most_that_one_message_again(
    db: Database, smtp: SmtpServer
) -> None:
    queue_plain(db, 5)
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, db.url, smtp.url], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    assert worker.stdout is not None
    in_flight = worker.stdout.readline().strip()
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert in_flight == "test:0" and len(smtp.inbox.messages) == 1
    # Before its lease runs out nobody touches the claimed message; afterwards it is sent again, same Message-ID.
    assert deliver_due(db, SmtpTransport(smtp.url)) == 4
    assert deliver_due(db, SmtpTransport(smtp.url), now=utcnow() + LEASE + timedelta(seconds=1)) == 1
    ids = Counter(str(message["Message-ID"]) for message in smtp.inbox.messages)
    assert len(ids) == 5 and sorted(ids.values()) == [1, 1, 1, 1, 2]
    with db.snapshot() as conn:
        [resent] = [row for row in mail_queue.find(conn) if row.cause_key == in_flight]
    assert ids[resent.message_id] == 2 and states(db) == Counter(sent=5)


def test_smtp_down_keeps_messages_queued_and_they_go_out_when_it_returns(db: Database, smtp: SmtpServer) -> None:
    queue_plain(db, 3)
    smtp.stop()
    assert deliver_due(db, SmtpTransport(smtp.url)) == 0
    with db.snapshot() as conn:
        rows = mail_queue.find(conn)
    assert {row.state for row in rows} == {"retrying"} and all("Connection" in row.last_error for row in rows)
    assert deliver_due(db, SmtpTransport(smtp.url)) == 0  # not due yet: backoff
    smtp.start()
    later = max(row.next_attempt_at for row in rows) + timedelta(seconds=1)
    assert deliver_due(db, SmtpTransport(smtp.url), now=later) == 3
    assert len(smtp.inbox.messages) == 3 and states(db) == Counter(sent=3)


def test_a_password_is_never_sent_without_tls_and_the_message_fails_with_the_reason(
    db: Database, smtp: SmtpServer
) -> None:
    queue_plain(db, 1)
    transport = SmtpTransport(f"smtp://user:secret@127.0.0.1:{smtp.port}")
    moment = utcnow()
    for attempt in range(MAX_REFUSALS):
        deliver_due(db, transport, now=moment + timedelta(hours=attempt))
    with db.snapshot() as conn:
        [row] = mail_queue.find(conn)
    assert row.state == "failed" and "STARTTLS" in row.last_error and smtp.inbox.messages == []


def test_without_smtp_messages_become_eml_files(db: Database, tmp_path: Path) -> None:
    queue_plain(db, 2)
    assert deliver_due(db, FolderTransport(tmp_path / "mail")) == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2 and not list((tmp_path / "mail").glob(".*"))
    assert b"Subject: Reset your learnapp password\r\n" in files[0].read_bytes()
    with db.snapshot() as conn:
        assert conn.execute(select(mail_queue.MESSAGE.c.state)).scalars().all() == ["sent", "sent"]


def test_the_admin_retries_a_failed_message_and_only_a_failed_or_retrying_one(db: Database, smtp: SmtpServer) -> None:
    queue_plain(db, 2)
    refused = SmtpTransport(f"smtp://user:secret@127.0.0.1:{smtp.port}")  # no TLS here: refused with the reason
    moment = utcnow()
    for attempt in range(MAX_REFUSALS):
        deliver_due(db, refused, now=moment + timedelta(hours=attempt))
    newer, failed = recent_deliveries(db)
    assert newer.state == failed.state == "failed" and failed.retryable and failed.attempts == MAX_REFUSALS
    assert "STARTTLS" in failed.reason
    assert retry_delivery(db, failed.id) and not retry_delivery(db, failed.id)  # queued now: nothing to retry
    assert deliver_due(db, SmtpTransport(smtp.url)) == 1
    assert [d.state for d in recent_deliveries(db)] == ["failed", "sent"]
    assert not retry_delivery(db, failed.id) and not retry_delivery(db, 0) and not retry_delivery(db, 2**70)
    assert len(smtp.inbox.messages) == 1
