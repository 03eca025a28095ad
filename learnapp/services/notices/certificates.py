"""Services: certificates: queued with the completion, rendered by a worker, retried, verified, downloaded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.metrics import CERTIFICATE_FAILURES, CERTIFICATES_ISSUED
from learnapp.persistence import certs
from learnapp.persistence.activity import zone
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.notices import notify_once
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.errors import NotFound
from learnapp.services.notices.certificate_pdf import CertificateText, render_certificate
from learnapp.settings import public_url

log = logging.getLogger("learnapp.certificates")
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)
Renderer = Callable[[CertificateText], bytes]


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s, ... capped at 5 minutes."""
    return timedelta(seconds=min(2**attempts, 300))


def issue_due(
    db: Database,
    render: Renderer = render_certificate,
    now: datetime | None = None,
    limit: int = 20,
    issued_to: list[int] | None = None,
) -> int:
    """Render every due certificate (at most `limit`); returns how many were issued (learners in issued_to)."""
    issued = 0
    for _ in range(limit):
        moment = now or utcnow()
        with db.transaction() as conn:
            job = certs.claim_due(conn, moment, LEASE)
            text = _text(conn, job) if job else None
        if job is None or text is None:
            break
        done = _attempt(db, job, text, render, moment)
        issued += done
        if done and issued_to is not None:
            issued_to.append(job.learner_id)
    return issued


def _attempt(db: Database, job: certs.CertificateRow, text: CertificateText, render: Renderer, now: datetime) -> int:
    try:
        pdf = render(text)
    except Exception as error:  # any renderer failure is retried with backoff, then marked failed
        attempts = job.attempts + 1
        when = None if attempts >= MAX_ATTEMPTS else now + backoff(attempts)
        with db.transaction() as conn:
            held = certs.retry_later(conn, job, f"{type(error).__name__}: {error}", when)
        if held:
            CERTIFICATE_FAILURES.labels("gave_up" if when is None else "retrying").inc()
        log.warning("certificate failed", extra={"certificate": job.code, "attempt": attempts, "error": str(error)})
        return 0
    with unit_of_work(db) as work:
        won = certs.finish(work.conn, job, pdf, utcnow())
        if won:
            link = f"/certificates/{job.code}.pdf"
            title = f"Your certificate for {text.title} is ready"
            notify_once(work.conn, job.learner_id, f"certificate:{job.id}", title, link)
            # The learner's tabs show "certificate ready" (pushed after commit); deliveries hear of it.
            body = {f"{job.node_kind}_id": job.node_id, "kind": job.node_kind, "title": text.title, "code": job.code}
            work.emit(job.learner_id, "certificate.issued", {**body, "url": text.verify_url})
    if not won:  # the lease ran out while rendering and another worker claimed it: its render counts, not ours
        log.info("certificate claim lost", extra={"certificate": job.code, "attempt": job.attempts + 1})
        return 0
    CERTIFICATES_ISSUED.inc()
    log.info("certificate issued", extra={"certificate": job.code, "learner": job.learner_id})
    return 1


def _text(conn: Connection, job: certs.CertificateRow) -> CertificateText:
    learner, title = certs.names(conn, job)
    return CertificateText(
        learner, title, job.node_kind, local_completion_date(job), job.code, f"{public_url()}/verify/{job.code}"
    )


def local_completion_date(row: certs.CertificateRow) -> date:
    """The day of completion where the holder lived then (SPEC §5): the PDF, /verify and the lists all agree."""
    return row.completed_at.astimezone(zone(row.time_zone)).date()


def retrigger(db: Database, certificate_id: int) -> None:
    """Admin: render again (after a failure); the code, the holder's name and the title stay as issued."""
    with db.transaction() as conn:
        if not certs.requeue(conn, certificate_id):
            raise NotFound("Unknown certificate")


@dataclass(frozen=True)
class CertificateView:
    id: int
    kind: str
    slug: str
    title: str
    status: str
    code: str
    completed_on: date
    attempts: int
    last_error: str


def certificates_of(db: Database, learner_id: int) -> list[CertificateView]:
    with db.snapshot() as conn:
        rows = certs.find(conn, learner_id=learner_id)
        return [_view(conn, row) for row in rows]


def verify(db: Database, code: str) -> tuple[str, CertificateView] | None:
    """Public: the learner's name and the certificate, or None for an unknown code."""
    typed = _typed_code(code)
    if typed is None:
        return None
    with db.snapshot() as conn:
        rows = certs.find(conn, code=typed)
        if not rows or rows[0].status != "issued":
            return None
        name, _title = certs.names(conn, rows[0])
        return name, _view(conn, rows[0])


def certificate_pdf(db: Database, code: str, learner_id: int, is_admin: bool) -> bytes:
    """Only its owner (or an admin) downloads the PDF; anyone else gets the same 'not found'."""
    typed = _typed_code(code)
    with db.snapshot() as conn:
        found = certs.pdf_of(conn, typed) if typed else None
    if found is None or found[1] is None or (found[0] != learner_id and not is_admin):
        raise NotFound("Unknown certificate")
    return found[1]


def _typed_code(code: str) -> str | None:
    """A code as typed (any case, spaces around), or None when it cannot be one: PostgreSQL refuses a NUL."""
    typed = code.strip().upper()
    return typed if 0 < len(typed) <= 32 and typed.isascii() and typed.isalnum() else None


def _view(conn: Connection, row: certs.CertificateRow) -> CertificateView:
    slug, _current_title = certs.node_of(conn, row.node_kind, row.node_id)
    _holder, title = certs.names(conn, row)  # the title as issued, not the course's title today
    return CertificateView(
        row.id,
        row.node_kind,
        slug,
        title,
        row.status,
        row.code,
        local_completion_date(row),
        row.attempts,
        row.last_error,
    )
