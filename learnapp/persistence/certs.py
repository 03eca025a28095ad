"""Persistence: certificate rows: queue once, claim for work with a lease, finish or retry."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.domain.clock import utcnow
from learnapp.persistence.handles import CERTIFICATE, COURSE, LEARNER, PATHWAY
from learnapp.persistence.lease import Lease


@dataclass(frozen=True)
class CertificateRow:
    id: int
    learner_id: int
    node_kind: str
    node_id: int
    code: str
    status: str
    attempts: int
    last_error: str
    completed_at: datetime
    issued_at: datetime | None
    holder_name: str  # as issued: a later rename of the account or the course does not change it
    title: str
    time_zone: str = "UTC"  # the holder's zone at completion: the certificate's date is the local day there


_COLUMNS = [CERTIFICATE.c[name] for name in CertificateRow.__dataclass_fields__]
_LEASE = Lease(CERTIFICATE, CERTIFICATE.c.status, "working")


CODE_BYTES = 10  # 80 bits: guessing a valid code is hopeless
CODE_ATTEMPTS = 8


def new_code() -> str:
    """16 characters of unpadded base32 (A-Z, 2-7), easy to read aloud and type."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")


def queue(conn: Connection, learner_id: int, kind: str, node_id: int, completed_at: datetime) -> None:
    """Exactly one per learner and node, with the holder's name and the title as they are now.

    A second completion or a racing worker inserts nothing; a code already taken is retried with a
    new one (DO NOTHING on any unique conflict, then look for our row), never an error in the completion.
    """
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    holder, title = _current_names(conn, learner_id, kind, node_id)
    zone = conn.execute(select(LEARNER.c.time_zone).where(LEARNER.c.id == learner_id)).scalar_one()
    mine = (CERTIFICATE.c.learner_id == learner_id, CERTIFICATE.c.node_kind == kind, CERTIFICATE.c.node_id == node_id)
    for _ in range(CODE_ATTEMPTS):
        conn.execute(
            builder(CERTIFICATE)
            .values(
                learner_id=learner_id,
                node_kind=kind,
                node_id=node_id,
                code=new_code(),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                last_error="",
                completed_at=completed_at,
                created_at=now,
                holder_name=holder[:120],
                title=title[:200],
                time_zone=zone or "UTC",
            )
            .on_conflict_do_nothing()
        )
        if conn.execute(select(CERTIFICATE.c.id).where(*mine)).first() is not None:
            return
    raise RuntimeError(f"no free certificate code after {CODE_ATTEMPTS} attempts")


def claim_due(conn: Connection, now: datetime, lease: timedelta) -> CertificateRow | None:
    """Take the oldest due job; a 'working' job whose lease ran out (its worker died or is slow) is due again.

    The row returned is as read before the claim: the claim itself is attempts + 1 (see `Lease.held`).
    """
    due = or_(
        and_(CERTIFICATE.c.status == "pending", CERTIFICATE.c.next_attempt_at <= now),
        and_(CERTIFICATE.c.status == "working", CERTIFICATE.c.next_attempt_at <= now),
    )
    row = conn.execute(select(*_COLUMNS).where(due).order_by(CERTIFICATE.c.next_attempt_at).limit(1)).first()
    if row is None:
        return None
    return CertificateRow(*row) if _LEASE.claim(conn, row.id, row.status, row.attempts, now, lease) else None


def finish(conn: Connection, job: CertificateRow, pdf: bytes, now: datetime) -> bool:
    """Issue the claimed job; False (and nothing written) when the claim is no longer this worker's."""
    issued = {"status": "issued", "pdf": pdf, "issued_at": now, "last_error": ""}
    return _LEASE.settle(conn, job.id, job.attempts, issued)


def retry_later(conn: Connection, job: CertificateRow, error: str, when: datetime | None) -> bool:
    """Back to pending at `when`, or failed for good when `when` is None (out of attempts); only while held."""
    values: dict[str, Any] = {"last_error": error[:500], "status": "failed" if when is None else "pending"}
    if when is not None:
        values["next_attempt_at"] = when
    return _LEASE.settle(conn, job.id, job.attempts, values)


def requeue(conn: Connection, cert_id: int) -> bool:
    result = conn.execute(
        update(CERTIFICATE)
        .where(CERTIFICATE.c.id == cert_id)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error="")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def find(conn: Connection, **where: Any) -> list[CertificateRow]:
    clauses = [CERTIFICATE.c[key] == value for key, value in where.items()]
    return [CertificateRow(*r) for r in conn.execute(select(*_COLUMNS).where(*clauses).order_by(CERTIFICATE.c.id))]


def pdf_of(conn: Connection, code: str) -> tuple[int, bytes | None] | None:
    row = conn.execute(select(CERTIFICATE.c.learner_id, CERTIFICATE.c.pdf).where(CERTIFICATE.c.code == code)).first()
    return (row.learner_id, row.pdf) if row else None


def names(conn: Connection, cert: CertificateRow) -> tuple[str, str]:
    """(holder name, course or pathway title) as issued; a row queued before they were kept reads them now."""
    if cert.holder_name and cert.title:
        return cert.holder_name, cert.title
    return _current_names(conn, cert.learner_id, cert.node_kind, cert.node_id)


def _current_names(conn: Connection, learner_id: int, kind: str, node_id: int) -> tuple[str, str]:
    table = COURSE if kind == "course" else PATHWAY
    learner = conn.execute(select(LEARNER.c.name).where(LEARNER.c.id == learner_id)).scalar_one()
    title = conn.execute(select(table.c.title).where(table.c.id == node_id)).scalar_one()
    return str(learner), str(title)


def node_of(conn: Connection, kind: str, node_id: int) -> tuple[str, str]:
    """(slug, title) of the certificate's course or pathway."""
    table = COURSE if kind == "course" else PATHWAY
    row = conn.execute(select(table.c.slug, table.c.title).where(table.c.id == node_id)).one()
    return str(row.slug), str(row.title)
