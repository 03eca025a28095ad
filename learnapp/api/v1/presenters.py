"""API: turn service views into the response schemas (no service calls here, only shapes)."""

from __future__ import annotations

from learnapp.api.v1 import schemas as s
from learnapp.domain import routes
from learnapp.domain.progress import Counts
from learnapp.services.accounts.learners import Account
from learnapp.services.accounts.tokens import TokenView
from learnapp.services.learning.learner_progress import CourseEnrollment, LearnerProgress, PathwayEnrollmentView
from learnapp.services.learning.lesson_progress import LessonRecord
from learnapp.services.learning.my_stats import LearnerStats
from learnapp.services.learning.views import CourseView, LessonView, ModuleView, PathwayView

Records = dict[str, LessonRecord]


def account(view: Account) -> s.AccountPublic:
    return s.AccountPublic.model_validate(view, from_attributes=True)


def token(view: TokenView) -> s.TokenPublic:
    return s.TokenPublic(
        id=view.id,
        name=view.name,
        prefix=view.prefix,
        created_at=view.created_at,
        last_used_at=view.last_used_at,
        revoked_at=view.revoked_at,
        expires_at=view.expires_at,
        active=view.active,
    )


def enrollments(progress: LearnerProgress) -> list[s.EnrollmentPublic]:
    courses = [
        s.EnrollmentPublic(
            kind="course",
            slug=c.enrollment.course_slug,
            title=c.enrollment.course_title,
            enrolled_at=c.enrollment.enrolled_at,
            last_accessed_at=c.enrollment.last_accessed_at,
        )
        for c in progress.courses
    ]
    pathways = [
        s.EnrollmentPublic(
            kind="pathway",
            slug=p.slug,
            title=p.title,
            enrolled_at=p.row.enrolled_at,
            last_accessed_at=p.row.last_accessed_at,
        )
        for p in progress.pathways
    ]
    return courses + pathways


def learner_progress(learner_id: int, progress: LearnerProgress) -> s.LearnerProgressPublic:
    return s.LearnerProgressPublic(
        learner_id=learner_id,
        courses=[_course_enrollment(c) for c in progress.courses],
        pathways=[_pathway_enrollment(p) for p in progress.pathways],
    )


def _course_enrollment(item: CourseEnrollment) -> s.CourseEnrollmentProgress:
    e = item.enrollment
    return s.CourseEnrollmentProgress(
        course=e.course_slug,
        title=e.course_title,
        completed=e.completed,
        total=e.total,
        percent=e.percent,
        complete=e.complete,
        enrolled_at=e.enrolled_at,
        last_accessed_at=e.last_accessed_at,
        completed_at=e.completed_at,
        first_completed_at=e.first_completed_at,
        next_lesson=item.next_lesson,
    )


def _pathway_enrollment(item: PathwayEnrollmentView) -> s.PathwayEnrollmentProgress:
    row = item.row
    return s.PathwayEnrollmentProgress(
        pathway=item.slug,
        title=item.title,
        completed=row.completed,
        total=row.total,
        percent=row.percent,
        complete=row.is_complete,
        courses_completed=row.courses_completed,
        courses_total=row.courses_total,
        enrolled_at=row.enrolled_at,
        last_accessed_at=row.last_accessed_at,
        completed_at=row.completed_at,
        first_completed_at=row.first_completed_at,
        next_course=item.next_lesson[0] if item.next_lesson else None,
        next_lesson=item.next_lesson[1] if item.next_lesson else None,
    )


def course_progress(view: CourseView, records: Records | None = None) -> s.CourseProgressPublic:
    """With `records` (the lighter form without), each module lists its lessons with their completion."""
    return s.CourseProgressPublic(
        course=view.slug,
        title=view.title,
        enrolled=view.enrolled,
        completed=view.completed,
        total=view.total,
        percent=view.percent,
        complete=view.complete,
        completed_at=view.completed_at,
        next_lesson=view.next_lesson,
        modules=[_module(m, records) for m in view.modules],
    )


def _module(view: ModuleView, records: Records | None) -> s.ModuleProgressPublic:
    percent = Counts(view.completed, view.total, view.complete).percent
    module = s.ModuleProgressPublic(
        module=view.slug,
        title=view.title,
        completed=view.completed,
        total=view.total,
        percent=percent,
        complete=view.complete,
    )
    if records is not None:  # set only here: the lighter form leaves the field unset, and so out of the JSON
        module.lessons = [_lesson(lesson, records.get(lesson.slug)) for lesson in view.lessons]
    return module


def _lesson(view: LessonView, record: LessonRecord | None) -> s.LessonProgressPublic:
    return s.LessonProgressPublic(
        lesson=view.slug,
        title=view.title,
        preview=view.preview,
        complete=record is not None,
        completed_at=record.completed_at if record else None,
        source=record.source if record else None,  # type: ignore[arg-type]  # the table's check keeps it in the four
    )


def pathway_progress(view: PathwayView, records: Records | None = None) -> s.PathwayProgressPublic:
    return s.PathwayProgressPublic(
        pathway=view.slug,
        title=view.title,
        enrolled=view.enrolled,
        completed=view.completed,
        total=view.total,
        percent=view.percent,
        complete=view.complete,
        courses_completed=view.courses_completed,
        courses_total=view.courses_total,
        completed_at=view.completed_at,
        next_course=view.next_lesson[0] if view.next_lesson else None,
        next_lesson=view.next_lesson[1] if view.next_lesson else None,
        courses=[course_progress(c, records) for c in view.courses],
    )


def unknown_course(slug: str) -> s.CourseProgressPublic:
    """SPEC §3.6: an unknown course reads not complete, 0 of 0."""
    return course_progress(CourseView(slug, "", False, 0, 0, 0, False, (), None))


def unknown_pathway(slug: str) -> s.PathwayProgressPublic:
    return pathway_progress(PathwayView(slug, "", False, 0, 0, 0, False, 0, 0, (), None))


def next_lesson(course: str | None, lesson: str | None) -> s.NextLessonPublic:
    url = routes.lesson(course, lesson) if course and lesson else None
    return s.NextLessonPublic(course=course if lesson else None, lesson=lesson, url=url)


def stats(view: LearnerStats) -> s.StatsPublic:
    return s.StatsPublic(
        courses_enrolled=view.courses_enrolled,
        courses_completed=view.courses_completed,
        courses_in_progress=view.courses_in_progress,
        lessons_completed=view.lessons_completed,
        average_percent=view.average_percent,
        current_streak=view.current_streak,
        longest_streak=view.longest_streak,
        seconds_spent=view.seconds_spent,
        weekly=[s.WeekPublic(week_start=start, lessons_completed=count) for start, count in view.weekly],
    )
