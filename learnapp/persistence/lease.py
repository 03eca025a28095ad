"""Persistence: a job row claimed for a while by one worker (certificates, mail, webhooks, xAPI), settled only by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Table, and_, update


@dataclass(frozen=True)
class Lease:
    """How a queue table is claimed: its state column, and the state a claimed row is in while a worker holds it.

    A claim moves the row to `working` with one more attempt and a deadline (`next_attempt_at`); a worker slower than
    its lease finds that another claimed the row since (one more attempt again), so its result is not written.
    """

    table: Table
    state: Column[Any]
    working: str

    def claim(self, conn: Connection, row_id: int, state: str, attempts: int, now: datetime, lease: timedelta) -> bool:
        """Claim the row as read (`state`, `attempts`); False when another worker claimed it first."""
        claimed = conn.execute(
            update(self.table)
            .where(self.table.c.id == row_id, self.state == state, self.table.c.attempts == attempts)
            .values({self.state.name: self.working, "attempts": attempts + 1, "next_attempt_at": now + lease})
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]

    def held(self, row_id: int, attempts_before: int) -> ColumnElement[bool]:
        """Still the claim this worker took when the row had `attempts_before` attempts."""
        table = self.table
        return and_(table.c.id == row_id, self.state == self.working, table.c.attempts == attempts_before + 1)

    def settle(self, conn: Connection, row_id: int, attempts_before: int, values: dict[str, Any]) -> bool:
        """Write the outcome only while the claim is this worker's; False (nothing written) once it is not."""
        settled = conn.execute(update(self.table).where(self.held(row_id, attempts_before)).values(**values))
        return bool(settled.rowcount)  # type: ignore[attr-defined]
