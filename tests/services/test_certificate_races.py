"""Two certificate workers: a claim whose lease ran out mid-render is someone else's; one render stored, one count."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert, select, text, update

from learnapp.domain.clock import utcnow
from learnapp.persistence import certs
from learnapp.persistence.db import Database
from learnapp.persistence.facts import LEARNER
from learnapp.persistence.tables import Certificate
from learnapp.services.notices.certificate_pdf import CertificateText
from learnapp.services.notices.certificates import LEASE, Renderer, issue_due
from tests.conftest import ALICE
from tests.process_workers import certificate_worker
from tests.services.test_certificates import finish_course_b


def issued_count() -> float:
    return REGISTRY.get_sample_value("learnapp_certificates_issued_total") or 0.0


def stored(db: Database) -> list[tuple[str, bytes | None, int]]:
    with db.read() as session:
        rows = session.execute(select(Certificate.status, Certificate.pdf, Certificate.attempts))
        return [(status, pdf, attempts) for status, pdf, attempts in rows]


def notices(db: Database, learner_id: int) -> int:
    with db.snapshot() as conn:
        sql = "SELECT count(*) FROM notification WHERE learner_id = :l AND dedupe_key LIKE 'certificate:%'"
        return int(conn.execute(text(sql), {"l": learner_id}).scalar_one())


def renderer(name: str) -> Renderer:
    def render(certificate: CertificateText) -> bytes:
        return f"{name}:{certificate.code}".encode()

    return render


def test_the_first_worker_finishing_after_its_lease_was_taken_over_stores_and_counts_nothing(db: Database) -> None:
    finish_course_b(db)
    t0 = utcnow() + timedelta(seconds=1)
    counted = issued_count()
    second: list[int] = []

    def slow_first_render(certificate: CertificateText) -> bytes:
        # Still rendering when the lease runs out: the second worker polls, claims and issues it meanwhile.
        second.append(issue_due(db, render=renderer("second"), now=t0 + LEASE + timedelta(seconds=1)))
        return f"first:{certificate.code}".encode()

    assert issue_due(db, render=slow_first_render, now=t0) == 0  # its finish lost: the claim was no longer its own
    assert second == [1]
    [(status, pdf, attempts)] = stored(db)
    assert (status, attempts) == ("issued", 2) and pdf is not None and pdf.startswith(b"second:")
    assert issued_count() == counted + 1
    assert notices(db, ALICE) == 1


def test_the_first_worker_finishing_first_after_its_lease_was_taken_over_loses_to_the_holder(db: Database) -> None:
    """Worker 1 claims at t0, worker 2 at t0 + lease + 1 s, worker 1 finishes, then worker 2 finishes."""
    finish_course_b(db)
    t0 = utcnow() + timedelta(seconds=1)
    counted = issued_count()
    rendering = {name: threading.Event() for name in ("first", "second")}
    go = {name: threading.Event() for name in ("first", "second")}
    results: dict[str, int] = {}

    def worker(name: str, now: datetime) -> None:
        def render(certificate: CertificateText) -> bytes:
            rendering[name].set()
            assert go[name].wait(30)
            return f"{name}:{certificate.code}".encode()

        results[name] = issue_due(db, render=render, now=now)

    first = threading.Thread(target=worker, args=("first", t0))
    second = threading.Thread(target=worker, args=("second", t0 + LEASE + timedelta(seconds=1)))
    first.start()
    assert rendering["first"].wait(30)
    second.start()
    assert rendering["second"].wait(30)
    go["first"].set()
    first.join(30)
    assert results == {"first": 0}
    assert stored(db)[0][0] == "working"  # the stale finish changed nothing: the second worker still holds it
    go["second"].set()
    second.join(30)
    assert results == {"first": 0, "second": 1}
    [(status, pdf, _attempts)] = stored(db)
    assert status == "issued" and pdf is not None and pdf.startswith(b"second:")
    assert issued_count() == counted + 1
    assert notices(db, ALICE) == 1


def test_a_stale_worker_whose_render_failed_does_not_reschedule_the_holders_claim(db: Database) -> None:
    finish_course_b(db)
    t0 = utcnow() + timedelta(seconds=1)

    def failing_render(certificate: CertificateText) -> bytes:
        assert issue_due(db, render=renderer("second"), now=t0 + LEASE + timedelta(seconds=1)) == 1
        raise RuntimeError("the first worker's renderer broke")

    assert issue_due(db, render=failing_render, now=t0) == 0
    [(status, pdf, _attempts)] = stored(db)
    assert status == "issued" and pdf is not None and pdf.startswith(b"second:")


ROUNDS = 40
STEP = LEASE * 10  # round r's job falls due at FIRST_DUE + r × STEP: far beyond the previous round's leases


def _queue_rounds(db: Database, first_due: datetime) -> list[int]:
    """ROUNDS certificates (learners × courses and the pathway), job r due at first_due + r × STEP."""
    with db.transaction() as conn:
        now = datetime.now(UTC)
        conn.execute(
            insert(LEARNER),
            [
                {"email": f"racer{i}@example.com", "name": f"Racer {i}", "password_hash": "x", "created_at": now}
                for i in range(ROUNDS // 4)
            ],
        )
        learners = [r[0] for r in conn.execute(text("SELECT id FROM learner WHERE email LIKE 'racer%'"))]
        nodes = [("course", r[0]) for r in conn.execute(text("SELECT id FROM course"))]
        nodes += [("pathway", r[0]) for r in conn.execute(text("SELECT id FROM pathway"))]
        for learner in learners:
            for kind, node in nodes:
                certs.queue(conn, learner, kind, node, now)
        jobs = [r[0] for r in conn.execute(text("SELECT id FROM certificate ORDER BY id"))]
        for number, job in enumerate(jobs):
            moment = first_due + number * STEP  # through the column's type: stored as every other time is
            conn.execute(update(certs.CERTIFICATE).where(certs.CERTIFICATE.c.id == job).values(next_attempt_at=moment))
        return jobs


@pytest.mark.slow  # spawns processes: `make test` runs it, `make test-fast` does not
def test_two_worker_processes_one_with_its_clock_a_lease_ahead_issue_each_certificate_once(db: Database) -> None:
    first_due = utcnow() + timedelta(seconds=1)
    jobs = _queue_rounds(db, first_due)
    assert len(jobs) == ROUNDS
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(2)  # both processes imported and connected before the first round
        with context.Pool(2) as pool:
            pending = [
                pool.apply_async(certificate_worker, (db.url, name, ahead, jobs, first_due, STEP, start))
                for name, ahead in (("on-time", False), ("ahead", True))
            ]
            on_time, ahead = (p.get(timeout=120) for p in pending)
    assert on_time["won"] + ahead["won"] == ROUNDS, (on_time, ahead)
    assert on_time["counted"] + ahead["counted"] == ROUNDS  # the issued counter counts winners only
    with db.read() as session:
        rows = session.execute(select(Certificate.code, Certificate.status, Certificate.pdf)).all()
    assert {status for _c, status, _p in rows} == {"issued"}
    assert all(pdf in (f"on-time:{code}".encode(), f"ahead:{code}".encode()) for code, _s, pdf in rows)
    with db.snapshot() as conn:
        sql = "SELECT dedupe_key, count(*) FROM notification WHERE dedupe_key LIKE 'certificate:%' GROUP BY dedupe_key"
        counts = [count for _key, count in conn.execute(text(sql))]
    assert len(counts) == ROUNDS and set(counts) == {1}
