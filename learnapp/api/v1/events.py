"""API: the client event batch endpoint: all or nothing, idempotent per client event id."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from learnapp.api.deps import DB
from learnapp.api.v1.claims import refuse_claims_outside_enrollments
from learnapp.api.v1.deps import Me
from learnapp.api.v1.errors import responses
from learnapp.api.v1.event_schemas import EventBatchCreate, EventBatchPublic
from learnapp.services.engine.events import apply_events

DESCRIPTION = """Apply up to 100 events in one transaction: if one fails, none is applied and the error names it
(`details.index`, `details.event_id`).

- `lesson_completed`: records the completion (at `occurred_at`, or now; a learner's own token cannot date it
  before the account was created: 400 `before_account`).
- `lesson_viewed`: adds `seconds` of time spent (at most 900 per event, 4 hours per lesson per local day;
  `seconds_added` says what counted) on a countable lesson of a course you are enrolled in (400 for a preview
  lesson, 403 `not_enrolled` otherwise).
- `course_completed` / `pathway_completed`: explicit claims, accepted only when every module of the course
  (every course of the pathway) is complete; otherwise 400 `claim_rejected` with `details.missing_modules`
  (`details.missing_courses`). A claim for a course or pathway the learner is not enrolled in is 409
  `claim_not_enrolled` (enroll first). A claimed `occurred_at` within ±5 minutes of the inferred completion time (the
  latest lesson completion) is kept; outside it the inferred time is used and the result carries a warning.

Each event has a client `id`: resending the same id with the same body is a no-op answered with the first
result (`status: duplicate`); the same id with a different body is 409 and nothing in the batch is applied."""


router = APIRouter(tags=["events"])


@router.post(
    "/learners/{learner_id}/events",
    description=DESCRIPTION,
    responses=responses(400, 401, 403, 404, 409, 413, 422, 429),
)
async def post_events(batch: EventBatchCreate, who: Me, db: DB) -> EventBatchPublic:
    events = [event.to_service() for event in batch.events]
    await run_in_threadpool(refuse_claims_outside_enrollments, db, who.learner_id, events)
    outcomes = await run_in_threadpool(apply_events, db, who.learner_id, events, who.actor_id)
    return EventBatchPublic.of(outcomes)
