"""Services: one stored progress row that moved, as the recompute reports it to what follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.persistence.facts import StoredProgress


@dataclass(frozen=True, slots=True)
class ProgressChange:
    """One stored row that moved: what it was and what the facts now say."""

    kind: str  # "course" or "pathway"
    node_id: int
    slug: str
    title: str
    before_percent: int
    after_percent: int
    before_complete: bool
    after_complete: bool
    newly_completed: bool
    completed_at: datetime | None = None  # the node's completion time when it is complete
    # The stored row as the recompute read it, before writing: what a recalculate keeps to be rolled back.
    before: StoredProgress | None = None
    # Countable lessons done after the change: with `before`, what the statistics counters move by ("started").
    after_completed: int = 0
