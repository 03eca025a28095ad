"""Services: client event batches (idempotent by client event id) and explicit completion claims, one transaction."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from learnapp.domain import progress as rules
from learnapp.domain.claims import TOLERANCE, within_tolerance
from learnapp.domain.clock import utcnow
from learnapp.metrics import completion_recorded
from learnapp.persistence.claims import keep_claimed_time
from learnapp.persistence.db import Database
from learnapp.persistence.events import SeenEvent, remember_event, seen_event
from learnapp.persistence.facts import completion_times, history_entry, lock_learner
from learnapp.persistence.learners import learner_exists
from learnapp.services.engine.completion import complete_lesson
from learnapp.services.engine.lesson_time import add_time_spent
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work
from learnapp.services.errors import Conflict, InvalidRequest, LearnappError, NotFound

log = logging.getLogger("learnapp.events")

LESSON_COMPLETED, LESSON_VIEWED = "lesson_completed", "lesson_viewed"
COURSE_COMPLETED, PATHWAY_COMPLETED = "course_completed", "pathway_completed"


class ClaimRejected(InvalidRequest):
    code = "claim_rejected"


@dataclass(frozen=True)
class ClientEventIn:
    """One event as the client sent it; `slug` names the lesson, course or pathway its type is about."""

    id: str
    type: str
    slug: str
    occurred_at: datetime | None = None
    seconds: int | None = None


@dataclass(frozen=True)
class EventOutcome:
    id: str
    type: str
    slug: str
    status: str = "applied"  # "duplicate" when the same event was applied before
    created: bool | None = None
    completed_at: datetime | None = None
    claimed_at: datetime | None = None
    inferred_at: datetime | None = None
    seconds_added: int | None = None
    warnings: tuple[str, ...] = field(default=())


def apply_events(
    db: Database, learner_id: int, events: Sequence[ClientEventIn], actor_id: int | None = None
) -> list[EventOutcome]:
    """All or nothing: the first event that fails rolls back the whole batch and names itself in the error."""
    with unit_of_work(db) as work:
        if not lock_learner(work.conn, learner_id) or not learner_exists(work.conn, learner_id):
            raise NotFound("Unknown learner")
        outcomes = [_apply_logged(work, learner_id, index, event, actor_id) for index, event in enumerate(events)]
    for done in (o for o in outcomes if o.type == LESSON_COMPLETED and o.status == "applied"):
        completion_recorded("event", bool(done.created))  # counted once committed: a failed batch records none
    return outcomes


def body_hash(event: ClientEventIn) -> str:
    """The same event written differently (key order, time zone of the same instant) hashes the same."""
    canonical = {**asdict(event), "occurred_at": _iso(event.occurred_at)}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def settle_time(claimed: datetime | None, inferred: datetime) -> tuple[datetime, str | None]:
    """Keep the claimed time within ±5 minutes of the inferred one; otherwise use the inferred time and say so."""
    if claimed is None or within_tolerance(claimed, inferred):
        return claimed or inferred, None
    gap = int(abs(claimed - inferred).total_seconds())
    return inferred, (
        f"claimed time {_iso(claimed)} is {gap} s from the inferred completion time {_iso(inferred)} "
        f"(more than {int(TOLERANCE.total_seconds())} s): the inferred time is used"
    )


def _apply_logged(
    work: UnitOfWork, learner_id: int, index: int, event: ClientEventIn, actor_id: int | None
) -> EventOutcome:
    try:
        return _apply(work, learner_id, event, actor_id)
    except LearnappError as error:
        details = {"index": index, "event_id": event.id, "type": event.type, **_as_dict(error.details)}
        log.warning(
            "client event rejected",
            extra={"learner": learner_id, "event_id": event.id, "event_type": event.type, "code": error.code}
            | {"reason": error.message, "details": details},
        )
        rejected = type(error)(f"Event {index} ('{event.id}'): {error.message}", details)
        raise rejected from error


def _apply(work: UnitOfWork, learner_id: int, event: ClientEventIn, actor_id: int | None) -> EventOutcome:
    conn = work.conn
    if event.occurred_at is not None and event.occurred_at.tzinfo is None:
        raise InvalidRequest("occurred_at needs a time zone (e.g. 2026-05-01T10:00:00Z)")
    digest = body_hash(event)
    seen = seen_event(conn, learner_id, event.id)
    if seen is not None:
        return _resend(seen, digest, event)
    handler = _HANDLERS.get(event.type)
    if handler is None:
        raise InvalidRequest(f"Unknown event type '{event.type}'")
    outcome = handler(work, learner_id, event, actor_id)
    remember_event(conn, learner_id, event.id, digest, _dump(outcome), utcnow())
    return outcome


def _resend(seen: SeenEvent, digest: str, event: ClientEventIn) -> EventOutcome:
    if seen.body_hash != digest:
        raise Conflict(f"Event id '{event.id}' was already used for a different event")
    return replace(_load(seen.response), status="duplicate")


def ensure_not_future(moment: datetime | None) -> None:
    """A completion time may run ahead of ours by clock skew (the tolerance), never more."""
    if moment is not None and moment > utcnow() + TOLERANCE:
        raise InvalidRequest("A lesson cannot be completed in the future", {"completed_at": _iso(moment)})


def _lesson_completed(work: UnitOfWork, learner_id: int, event: ClientEventIn, actor_id: int | None) -> EventOutcome:
    ensure_not_future(event.occurred_at)
    view = complete_lesson(work, learner_id, event.slug, "api", event.occurred_at, actor_id)
    return EventOutcome(event.id, event.type, view.lesson_slug, created=view.created, completed_at=view.completed_at)


def _lesson_viewed(work: UnitOfWork, learner_id: int, event: ClientEventIn, _actor: int | None) -> EventOutcome:
    # Enrolled learners on countable lessons only, at most 15 minutes a report and 4 hours a lesson a day.
    added = add_time_spent(work, learner_id, event.slug, event.seconds or 0)
    return EventOutcome(event.id, event.type, event.slug, seconds_added=added)


def _course_claim(work: UnitOfWork, learner_id: int, event: ClientEventIn, actor_id: int | None) -> EventOutcome:
    conn = work.conn
    course = work.catalog.course(event.slug)
    if course is None:
        raise NotFound(f"Unknown course '{event.slug}' (slugs are case-sensitive)", {"course": event.slug})
    times = completion_times(conn, learner_id)
    result = rules.course_progress(course, set(times), times)
    assert result is not None
    if not result.counts.complete:
        missing = [m.module.slug for m in result.modules if not m.counts.complete]
        details = {"course": course.slug, "missing_modules": missing, **_counts(result.counts)}
        raise ClaimRejected(_incomplete("Course", course.slug, result.counts, "module(s)", missing), details)
    assert result.completed_at is not None
    return _accept(work, learner_id, event, result.completed_at, actor_id, course_id=course.id)


def _pathway_claim(work: UnitOfWork, learner_id: int, event: ClientEventIn, actor_id: int | None) -> EventOutcome:
    conn = work.conn
    pathway = work.catalog.pathway(event.slug)
    if pathway is None:
        raise NotFound(f"Unknown pathway '{event.slug}' (slugs are case-sensitive)", {"pathway": event.slug})
    times = completion_times(conn, learner_id)
    result = rules.pathway_progress(pathway, set(times), times)
    assert result is not None
    if not result.counts.complete:
        open_courses = [c for c in result.courses if not c.counts.complete]
        missing = [c.course.slug for c in open_courses]
        modules = {c.course.slug: [m.module.slug for m in c.modules if not m.counts.complete] for c in open_courses}
        details: dict[str, Any] = {"pathway": pathway.slug, "missing_courses": missing, "missing_modules": modules}
        details |= _counts(result.counts) | {"courses_completed": result.courses_completed}
        raise ClaimRejected(_incomplete("Pathway", pathway.slug, result.counts, "course(s)", missing), details)
    assert result.completed_at is not None
    return _accept(work, learner_id, event, result.completed_at, actor_id, pathway_id=pathway.id)


def _accept(
    work: UnitOfWork,
    learner_id: int,
    event: ClientEventIn,
    inferred: datetime,
    actor_id: int | None,
    **node: int,
) -> EventOutcome:
    """Completion itself is derived from the facts; the accepted claim is kept in the history with its time.

    A kept claimed time becomes the node's stored completion time (and its first completion time and certificate
    date when this completion is the first); the recompute keeps it while it stays within the tolerance.
    """
    completed_at, warning = settle_time(event.occurred_at, inferred)
    if completed_at != inferred:
        ((key, node_id),) = node.items()
        kind = key.removesuffix("_id")
        work.first_time_moving(learner_id, kind, node_id)  # its time to complete and day move with it
        keep_claimed_time(work.conn, learner_id, kind, node_id, inferred, completed_at)
    entry = history_entry(learner_id, "completion_claimed", "api", actor_id, **node)
    entry["detail"] = json.dumps(
        {"event_id": event.id, "claimed_at": _iso(event.occurred_at), "accepted_at": _iso(completed_at)}
    )
    work.record([entry])  # the stored row's time moved: a change of the learner's progress
    log.info(
        "completion claim accepted",
        extra={"learner": learner_id, "event_id": event.id, "node": f"{event.type}:{event.slug}", "warning": warning},
    )
    return EventOutcome(
        event.id,
        event.type,
        event.slug,
        completed_at=completed_at,
        claimed_at=event.occurred_at,
        inferred_at=inferred,
        warnings=(warning,) if warning else (),
    )


Handler = Callable[[UnitOfWork, int, ClientEventIn, int | None], EventOutcome]
_HANDLERS: dict[str, Handler] = {
    LESSON_COMPLETED: _lesson_completed,
    LESSON_VIEWED: _lesson_viewed,
    COURSE_COMPLETED: _course_claim,
    PATHWAY_COMPLETED: _pathway_claim,
}


def _incomplete(kind: str, slug: str, counts: rules.Counts, what: str, missing: list[str]) -> str:
    if counts.total == 0:
        return f"{kind} '{slug}' has no lessons to complete, so it can never be complete"
    done = f"{counts.completed} of {counts.total} lessons"
    return f"{kind} '{slug}' is not complete ({done}): missing {what} {', '.join(missing)}"


def _counts(counts: rules.Counts) -> dict[str, int]:
    return {"completed": counts.completed, "total": counts.total}


def _as_dict(details: Any) -> dict[str, Any]:
    if details is None:
        return {}
    return details if isinstance(details, dict) else {"details": details}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


_TIMES = ("completed_at", "claimed_at", "inferred_at")


def _dump(outcome: EventOutcome) -> str:
    data = asdict(outcome)
    return json.dumps({**data, **{key: _iso(data[key]) for key in _TIMES}})


def _load(text: str) -> EventOutcome:
    data = json.loads(text)
    times = {key: datetime.fromisoformat(data[key]) if data[key] else None for key in _TIMES}
    return EventOutcome(**{**data, **times, "warnings": tuple(data["warnings"])})
