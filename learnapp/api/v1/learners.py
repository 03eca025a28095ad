"""API: a learner's enrollments, lesson completions, progress, next lesson and stats under /learners/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from learnapp.api.deps import DB
from learnapp.api.v1 import presenters
from learnapp.api.v1 import schemas as s
from learnapp.api.v1.deps import Me
from learnapp.api.v1.errors import responses
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.events import ensure_not_future
from learnapp.services.learning import progress
from learnapp.services.learning.learner_progress import learner_progress
from learnapp.services.learning.my_stats import learner_stats

CourseSlug = Annotated[str, Path(max_length=120, examples=["ac-course"])]
PathwaySlug = Annotated[str, Path(max_length=120, examples=["path"])]
LessonSlug = Annotated[str, Path(max_length=120, examples=["b1"])]
WithLessons = Annotated[
    bool,
    Query(description="Each module lists its lessons with `complete`, `completed_at` and `source`; false: counts only"),
]


router = APIRouter(prefix="/learners/{learner_id}", responses=responses(401, 404, 413, 422, 429))


@router.get("/enrollments", tags=["enrollments"])
def list_enrollments(who: Me, db: DB) -> list[s.EnrollmentPublic]:
    """Every course and pathway the learner is enrolled in, most recently opened first."""
    return presenters.enrollments(learner_progress(db, who.learner_id))


@router.get("/progress", tags=["progress"])
def all_progress(who: Me, db: DB) -> s.LearnerProgressPublic:
    """Stored progress of every enrollment, with the next lesson of each."""
    return presenters.learner_progress(who.learner_id, learner_progress(db, who.learner_id))


# exclude_unset: the lighter form (?lessons=false) leaves each module's `lessons` out instead of null.


@router.get("/courses/{course}/progress", tags=["progress"], response_model_exclude_unset=True)
def course_progress(course: CourseSlug, who: Me, db: DB, lessons: WithLessons = True) -> s.CourseProgressPublic:
    """Course → modules → lessons with counts and completion flags; an unknown course reads 0 of 0, not complete."""
    return presenters.course_progress(progress.node_progress(db, who.learner_id, "course", course, lessons), lessons)


@router.get("/pathways/{pathway}/progress", tags=["progress"], response_model_exclude_unset=True)
def pathway_progress(pathway: PathwaySlug, who: Me, db: DB, lessons: WithLessons = True) -> s.PathwayProgressPublic:
    """Pathway → courses → modules → lessons with counts and flags; an unknown pathway reads 0 of 0."""
    view = progress.node_progress(db, who.learner_id, "pathway", pathway, lessons)
    return presenters.pathway_progress(view, lessons)


@router.get("/next-lesson", tags=["progress"])
def continue_learning(who: Me, db: DB) -> s.NextLessonPublic:
    """Continue Learning: the next lesson of the most recently opened unfinished course (nulls when none)."""
    target = progress.continue_learning(db, who.learner_id)
    return presenters.next_lesson(*(target or (None, None)))


@router.get("/courses/{course}/next-lesson", tags=["progress"])
def course_next_lesson(course: CourseSlug, who: Me, db: DB) -> s.NextLessonPublic:
    """The first countable lesson not complete; when all are, the first lesson (review)."""
    return presenters.next_lesson(course, progress.next_lesson(db, who.learner_id, course))


@router.get("/pathways/{pathway}/next-lesson", tags=["progress"])
def pathway_next_lesson(pathway: PathwaySlug, who: Me, db: DB) -> s.NextLessonPublic:
    """Across the pathway's courses in order."""
    view = progress.pathway_outline(db, who.learner_id, pathway)
    return presenters.next_lesson(view.next_course, view.next_lesson)


@router.get("/stats", tags=["progress"])
def stats(who: Me, db: DB) -> s.StatsPublic:
    """My Learning's numbers: courses, lessons, average progress, streaks (learner's time zone), time spent."""
    return presenters.stats(learner_stats(db, who.learner_id))


@router.post(
    "/enrollments",
    status_code=201,
    tags=["enrollments"],
    responses={**responses(400), 200: {"model": s.EnrollmentPublic, "description": "Already enrolled"}},
)
async def enroll(body: s.EnrollmentCreate, response: Response, who: Me, db: DB) -> s.EnrollmentPublic:
    """Enroll in a course, or in a pathway and all its courses: 201 the first time, 200 after."""
    kind, slug = ("course", body.course) if isinstance(body, s.CourseEnrollmentCreate) else ("pathway", body.pathway)
    enroll_in = enroll_course if kind == "course" else enroll_pathway
    created = await run_in_threadpool(enroll_in, db, who.learner_id, slug, "api")
    response.status_code = 201 if created else 200
    listed = presenters.enrollments(await run_in_threadpool(learner_progress, db, who.learner_id))
    return next(e for e in listed if (e.kind, e.slug) == (kind, slug))


@router.post(
    "/completions",
    status_code=201,
    tags=["completions"],
    responses={
        **responses(400, 403),
        200: {"model": s.CompletionPublic, "description": "Already complete: same record"},
    },
)
async def mark_complete(body: s.CompletionCreate, response: Response, who: Me, db: DB) -> s.CompletionPublic:
    """Mark a lesson complete: 201 the first time, 200 with the same record on every repeat.

    `completed_at` may not be in the future, nor (with a learner's own token) before the account was created:
    400 `before_account`. An admin's token may backdate, to migrate history.
    """
    ensure_not_future(body.completed_at)
    view = await run_in_threadpool(
        record_completion, db, who.learner_id, body.lesson, "api", body.completed_at, who.actor_id
    )
    response.status_code = 201 if view.created else 200
    fields = {"lesson": view.lesson_slug, "completed_at": view.completed_at, "source": view.source}
    return s.CompletionPublic.model_validate({**fields, "created": view.created})


@router.delete("/completions/{lesson}", status_code=204, tags=["completions"], responses=responses(400))
async def unmark_complete(lesson: LessonSlug, who: Me, db: DB) -> Response:
    """Un-mark a lesson (a lesson that was not complete is a no-op); certificates stay issued."""
    await run_in_threadpool(revoke_completion, db, who.learner_id, lesson, "api", who.actor_id)
    return Response(status_code=204)


@router.post(
    "/courses/{course}/reset",
    tags=["progress"],
    response_model_exclude_unset=True,
    responses=responses(403),
)
async def reset(course: CourseSlug, who: Me, db: DB) -> s.CourseProgressPublic:
    """Start over: remove the learner's completions of this course's lessons, as the course page's Start over does.

    Each removal is recorded in the learner's history (with the admin as actor when an admin's token acts for a
    learner); certificates already issued stay. Idempotent: resetting again removes nothing and answers the
    same. 403 `not_enrolled` when the learner is not enrolled in the course, 404 for an unknown course.
    """
    await run_in_threadpool(reset_course, db, who.learner_id, course, "api", who.actor_id)
    view = await run_in_threadpool(progress.node_progress, db, who.learner_id, "course", course, True)
    return presenters.course_progress(view, lessons=True)
