"""Work run in separate processes (multiprocessing 'spawn'): each builds its own Database from the URL it is given."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from learnapp.metrics import CERTIFICATES_ISSUED
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.notices.certificate_pdf import CertificateText
from learnapp.services.notices.certificates import LEASE, issue_due

# Kept small on purpose: only the standard library, learnapp and SQLAlchemy are imported in each child.


def certificate_worker(
    url: str, name: str, ahead: bool, jobs: list[int], first_due: datetime, step: timedelta, start: Any
) -> dict[str, Any]:
    """Round r: job r falls due at first_due + r × step, and this worker issues until it is issued.

    One worker's clock runs a lease and a second ahead: it sees the other's claim as expired, as a worker
    would when the other is still rendering after the lease, and takes it over.
    """
    db = Database(url)
    counted_before = CERTIFICATES_ISSUED._value.get()

    def render(certificate: CertificateText) -> bytes:
        time.sleep(0.003)  # long enough for the other worker to poll in between
        return f"{name}:{certificate.code}".encode()

    won = 0
    _status(db, jobs[0])  # connected before the start line
    start.wait()
    for number, job in enumerate(jobs):
        now = first_due + number * step + (LEASE + timedelta(seconds=1) if ahead else timedelta(0))
        if ahead:  # poll once the other worker holds it (or after a moment): the takeover this race is about
            _wait_while_pending(db, job)
        while _status(db, job) != "issued":
            done = issue_due(db, render=render, now=now, limit=1)
            won += done
            if not done:
                time.sleep(0.001)  # the other worker holds it
    db.dispose()
    return {"won": won, "counted": CERTIFICATES_ISSUED._value.get() - counted_before}


def _status(db: Database, job: int) -> str:
    with db.snapshot() as conn:
        return str(conn.execute(text("SELECT status FROM certificate WHERE id = :id"), {"id": job}).scalar_one())


def _wait_while_pending(db: Database, job: int, at_most: float = 0.01) -> None:
    until = time.monotonic() + at_most
    while _status(db, job) == "pending" and time.monotonic() < until:
        time.sleep(0.0005)


def record_rounds(url: str, rounds: list[tuple[int, str]], start: Any) -> list[bool]:
    """Round by round, all processes released together: record (learner, lesson); whether each call created it."""
    db = Database(url)
    _status_of_any(db)  # connected before the first round
    created = []
    for learner_id, lesson in rounds:
        start.wait()
        created.append(record_completion(db, learner_id, lesson).created)
    db.dispose()
    return created


def _status_of_any(db: Database) -> None:
    with db.snapshot() as conn:
        conn.execute(text("SELECT 1"))
