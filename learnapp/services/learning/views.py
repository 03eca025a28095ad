"""Services: plain view objects handed to the UI, the API and the CLI (never table rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from learnapp.persistence.learner_read import LessonRecord


@dataclass(frozen=True)
class LessonView:
    slug: str
    title: str
    kind: str
    minutes: int
    preview: bool
    done: bool
    record: LessonRecord | None = None  # when and from where: only in reads that hold records (the API's)


@dataclass(frozen=True)
class ModuleView:
    slug: str
    title: str
    completed: int
    total: int
    percent: int
    complete: bool
    lessons: tuple[LessonView, ...]


@dataclass(frozen=True)
class NodeView:
    """A course or a pathway as one learner stands in it; an unknown or unread one is 0 of 0, not complete.

    Each screen fills what it shows: an outline its modules (a pathway its courses), an enrollment list the
    dates of the enrollment, My Learning the local day of the first completion.
    """

    kind: str  # "course" or "pathway"
    slug: str
    title: str = ""
    enrolled: bool = False
    completed: int = 0
    total: int = 0
    percent: int = 0
    complete: bool = False
    courses_completed: int = 0  # a pathway's
    courses_total: int = 0
    # Where Continue Learning goes: a lesson of next_course (a course names itself); None when nothing to open.
    next_course: str | None = None
    next_lesson: str | None = None
    next_title: str | None = None
    completed_at: datetime | None = None
    first_completed_at: datetime | None = None
    completed_on: date | None = None  # the first completion's day where the learner lives
    enrolled_at: datetime | None = None
    last_accessed_at: datetime | None = None
    last_lesson: str | None = None
    modules: tuple[ModuleView, ...] = ()
    courses: tuple[NodeView, ...] = ()

    @property
    def key(self) -> str:
        return node_key(self.kind, self.slug)


PATHWAY_KEY = "pathway:"  # before a pathway's slug in its key (a browser builds keys from it too)


def node_key(kind: str, slug: str) -> str:
    """The one key of a node's progress and certificate: a course's slug, a pathway's after PATHWAY_KEY."""
    return slug if kind == "course" else PATHWAY_KEY + slug
