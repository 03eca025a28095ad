"""Persistence: the table that keeps what a recalculate run overwrote, so that the run can be rolled back."""

from __future__ import annotations

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, SQLModel


class RecalcUndo(SQLModel, table=True):
    """A stored row (course or pathway progress, or the learner's recalculation mark) as it was before a run.

    Written in the batch's transaction, so it exists exactly when the change does. `version` is the learner's
    progress version the batch left: a learner whose version moved since has changed, and a rollback would
    overwrite that change.
    """

    __tablename__ = "recalc_undo"
    run_id: int = Field(foreign_key="operation_run.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    node_kind: str = Field(max_length=8, primary_key=True)  # "course", "pathway" or "sync"
    node_id: int = Field(primary_key=True)  # 0 for "sync"
    before: str = Field(sa_type=Text)  # JSON of the stored columns; null: there was no row
    version: int = Field(sa_type=BigInteger)
    restored_by: int | None = None  # the rollback run that put it back
