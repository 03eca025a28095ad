"""API: response schemas of the admin statistics endpoints (course and pathway completion analytics)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _FromView(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SummaryPublic(_FromView):
    enrolled: int
    started: int = Field(description="Enrolled learners with at least one countable lesson completed")
    completed: int = Field(description="Enrolled learners for whom the node is complete now")
    completion_rate: float = Field(description="completed / enrolled, 0–100")
    average_percent: float


class BucketPublic(_FromView):
    label: str
    count: int


class FunnelStepPublic(_FromView):
    position: int
    slug: str
    title: str
    group: str = Field(description="The module (in a pathway's course funnel, empty) the step belongs to")
    completed: int
    percent: float = Field(description="Share of the enrolled learners who completed it, 0–100")


class DayPublic(BaseModel):
    day: date
    completions: int


class NodeStatsPublic(_FromView):
    kind: Literal["course", "pathway"]
    slug: str
    title: str
    lessons: int
    summary: SummaryPublic
    median_seconds: float | None = Field(description="Median enrollment → first completion; null when nobody finished")
    progress_histogram: list[BucketPublic]
    time_histogram: list[BucketPublic]
    funnel: list[FunnelStepPublic]
    per_day: list[DayPublic] = Field(description="First completions per UTC day, oldest first")
    course_funnel: list[FunnelStepPublic] = Field(description="Pathways: completions of each course")
    as_of: datetime = Field(description="When these figures were read")

    @classmethod
    def of(cls, view: Any) -> NodeStatsPublic:
        days = [DayPublic(day=day, completions=count) for day, count in view.per_day]
        fields = {name: getattr(view, name) for name in cls.model_fields if name != "per_day"}
        return cls.model_validate({**fields, "per_day": days}, from_attributes=True)
