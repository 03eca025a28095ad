"""API: a completion claim for a course or pathway the learner is not enrolled in is refused (409), not ignored."""

from __future__ import annotations

from collections.abc import Sequence

from learnapp.api.v1.errors import ApiError
from learnapp.persistence.db import Database
from learnapp.services.engine.events import COURSE_COMPLETED, PATHWAY_COMPLETED, ClientEventIn
from learnapp.services.learning.catalog import catalog_progress, descriptions
from learnapp.services.learning.views import node_key

_KINDS = {COURSE_COMPLETED: "course", PATHWAY_COMPLETED: "pathway"}


class ClaimNotEnrolled(ApiError):
    """409, not 422: the claim is well formed and may be true; it conflicts with the learner's enrollments, and
    enrolling resolves it (422 here means a body that does not match the schema)."""

    code = "claim_not_enrolled"
    status = 409


def refuse_claims_outside_enrollments(db: Database, learner_id: int, events: Sequence[ClientEventIn]) -> None:
    """Before the batch runs, so a refused batch changes nothing. An unknown slug is left to the batch's own 404."""
    claims = [(index, _KINDS[e.type], e) for index, e in enumerate(events) if e.type in _KINDS]
    if not claims:
        return
    enrolled = catalog_progress(db, learner_id)
    wanted = {kind: [e.slug for _, k, e in claims if k == kind] for kind in ("course", "pathway")}
    known = descriptions(db, pathways=wanted["pathway"], courses=wanted["course"])
    for index, kind, event in claims:
        node = node_key(kind, event.slug)
        if node in known and node not in enrolled:
            details = {"index": index, "event_id": event.id, "type": event.type, kind: event.slug}
            message = (
                f"Event {index} ('{event.id}'): the learner is not enrolled in the {kind} '{event.slug}'; "
                f"enroll first (POST /learners/{learner_id}/enrollments), then claim its completion"
            )
            raise ClaimNotEnrolled(message, details)
