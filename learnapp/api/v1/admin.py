"""API: admin endpoints: course and pathway stats, one learner's progress, recalculation of one course."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from learnapp.api.deps import DB
from learnapp.api.v1 import presenters
from learnapp.api.v1 import schemas as s
from learnapp.api.v1.admin_schemas import NodeStatsPublic
from learnapp.api.v1.deps import Admin, LearnerId
from learnapp.api.v1.errors import responses
from learnapp.services.admin.stats import course_stats, pathway_stats
from learnapp.services.engine.course_refresh import recalculate_course
from learnapp.services.learning.learner_progress import learner_account, progress_and_stats

CourseSlug = Annotated[str, Path(max_length=120, examples=["ac-course"])]
PathwaySlug = Annotated[str, Path(max_length=120, examples=["path"])]


router = APIRouter(prefix="/admin", tags=["admin"], responses=responses(401, 403, 404, 413, 422, 429))


@router.get("/courses/{course}/stats")
def course_statistics(course: CourseSlug, _admin: Admin, db: DB) -> NodeStatsPublic:
    """Enrolled, started, completed, rates, time to complete, progress histogram, lesson funnel, per day."""
    return NodeStatsPublic.of(course_stats(db, course))


@router.get("/pathways/{pathway}/stats")
def pathway_statistics(pathway: PathwaySlug, _admin: Admin, db: DB) -> NodeStatsPublic:
    """The same figures for a pathway, plus the share of its learners who completed each course."""
    return NodeStatsPublic.of(pathway_stats(db, pathway))


@router.get("/learners/{learner_id}/progress")
def learner(learner_id: LearnerId, _admin: Admin, db: DB) -> s.AdminLearnerPublic:
    """Any learner's account, enrollments with progress, and stats."""
    account = learner_account(db, learner_id)
    progress, stats = progress_and_stats(db, learner_id)
    return s.AdminLearnerPublic(
        learner=presenters.account(account),
        progress=presenters.learner_progress(learner_id, progress),
        stats=presenters.stats(stats),
    )


@router.post("/courses/{course}/recalculate")
async def recalculate(course: CourseSlug, _admin: Admin, db: DB) -> s.RecalculationPublic:
    """Recompute the stored progress of every learner enrolled in the course from the facts (in batches)."""
    report = await run_in_threadpool(recalculate_course, db, course)
    return s.RecalculationPublic.model_validate(report, from_attributes=True)
