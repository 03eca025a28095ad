"""Domain: a learner's claimed completion time, kept when it lies within a tolerance of the inferred one."""

from __future__ import annotations

from datetime import datetime, timedelta

# A claimed completion time this close to the inferred one (the latest child completion) is kept.
TOLERANCE = timedelta(minutes=5)


def within_tolerance(moment: datetime | None, inferred: datetime) -> bool:
    return moment is not None and abs(moment - inferred) <= TOLERANCE


def completion_time(stored: datetime | None, inferred: datetime) -> datetime:
    """A complete node's time: the one stored while it stays within the tolerance of the inferred time.

    An accepted claim stores its own time; recomputing keeps it while the facts still make the node complete
    and still put the inferred time near it. A node that went incomplete has no stored time (pass None), so a
    later completion gets its own inferred time.
    """
    return stored if stored is not None and within_tolerance(stored, inferred) else inferred
