"""Services: read the record of operation runs."""

from __future__ import annotations

from learnapp.persistence import runs
from learnapp.persistence.db import Database


def list_runs(db: Database, limit: int = 50) -> list[runs.Run]:
    with db.snapshot() as conn:
        return runs.list_runs(conn, limit)
