"""Services: the notices progress earns: course milestones (25/50/75%) and first completions."""

from __future__ import annotations

from learnapp.domain import routes
from learnapp.persistence.db import Connection
from learnapp.persistence.notices import notify_once
from learnapp.services.engine.changes import ProgressChange

MILESTONES = (25, 50, 75)


def milestone_crossed(change: ProgressChange) -> int | None:
    """The highest milestone (25/50/75%) a change crossed upward without completing, if any."""
    crossed = [m for m in MILESTONES if change.before_percent < m <= change.after_percent]
    return crossed[-1] if crossed and not change.after_complete else None


def announcements(changes: list[ProgressChange], milestones: bool = True) -> list[tuple[str, str, str]]:
    """(key, title, link) of each notice these changes earn: a milestone crossed upward, or a first completion."""
    found = []
    for change in changes:
        link = routes.node(change.kind, change.slug)
        # Jumping past several milestones at once (a short course) announces only the highest.
        reached = milestone_crossed(change) if milestones else None
        if reached is not None:
            found.append((f"{change.kind}:{change.slug}:{reached}", f"You reached {reached}% of {change.title}", link))
        if change.newly_completed:
            found.append((f"{change.kind}:{change.slug}:completed", f"You completed {change.title}", link))
    return found


def notify_progress(conn: Connection, learner_id: int, changes: list[ProgressChange], milestones: bool = True) -> None:
    """Inside the recompute's transaction: each notice the changes earn, once per learner and key."""
    for key, title, link in announcements(changes, milestones):
        notify_once(conn, learner_id, key, title, link)
