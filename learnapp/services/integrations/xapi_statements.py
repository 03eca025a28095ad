"""Services: the xAPI statement for an outbox event: registered, experienced, completed (lesson, course, pathway)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from learnapp.domain.content import Catalog
from learnapp.persistence.outbox import Event

VERBS = {
    "registered": "http://adlnet.gov/expapi/verbs/registered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
}
TYPES = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "module": "http://adlnet.gov/expapi/activities/module",
    "course": "http://adlnet.gov/expapi/activities/course",
    # ADL's vocabulary has no pathway; a curriculum (a sequence of courses) is the closest registered type.
    "pathway": "http://id.tincanapi.com/activitytype/curriculum",
}
# Topics that become statements; lesson.uncompleted, progress.reset and certificate.issued have no xAPI verb here.
TOPICS = ("enrollment.created", "lesson.viewed", "lesson.completed", "course.completed", "pathway.completed")
VERB_OF = {"enrollment.created": "registered", "lesson.viewed": "experienced"}  # the others: completed


def statement_for(
    event: Event, catalog: Catalog, origin: str, identity: tuple[str, str] | None
) -> dict[str, Any] | None:
    """The statement (its id is the event's UUID v5, so a resend is the same statement), or None for no statement.

    `identity` (email, name) only when the operator lets them leave the app; else the actor is an account on origin.
    """
    if event.topic not in TOPICS:
        return None
    built = _object_and_context(event, catalog, origin)
    if built is None:
        return None
    activity, parent, grouping = built
    verb = VERB_OF.get(event.topic, "completed")
    statement: dict[str, Any] = {
        "id": event.event_id,
        "actor": _actor(event.learner_id, origin, identity),
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": activity,
        "timestamp": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "context": {"platform": "learnapp", "extensions": {f"{origin}/xapi/progress-version": event.version}},
    }
    if verb == "completed":
        statement["result"] = {"completion": True}
    if verb == "experienced":  # time with the lesson open and visible, as one report counted it
        statement["result"] = {"duration": f"PT{int(event.payload.get('seconds', 0))}S"}
    activities = {k: v for k, v in (("parent", parent), ("grouping", grouping)) if v}
    if activities:
        statement["context"]["contextActivities"] = activities
    return statement


def _actor(learner_id: int, origin: str, identity: tuple[str, str] | None) -> dict[str, Any]:
    if identity is not None:
        email, name = identity
        return {"objectType": "Agent", "name": name, "mbox": f"mailto:{email}"}
    return {"objectType": "Agent", "account": {"homePage": origin, "name": str(learner_id)}}


def activity(origin: str, kind: str, slug: str, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{origin}/{kind}s/{slug}",
        "definition": {"type": TYPES[kind], "name": {"en-US": title}},
    }


Built = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def _object_and_context(event: Event, catalog: Catalog, origin: str) -> Built | None:
    """The object, its parents (a lesson's module) and grouping (the courses and pathways it counts in)."""
    data = event.payload
    if event.topic in ("lesson.completed", "lesson.viewed"):
        found = catalog.lesson(data.get("lesson_id", -1))
        if found is None:
            return None
        lesson, module = found
        courses = catalog.courses_containing(module.id)
        pathways = {p.id: p for c in courses for p in catalog.pathways_containing(c.id)}
        grouping = [activity(origin, "course", c.slug, c.title) for c in courses]
        grouping += [activity(origin, "pathway", p.slug, p.title) for p in pathways.values()]
        parent = [activity(origin, "module", module.slug, module.title)]
        return activity(origin, "lesson", lesson.slug, lesson.title), parent, grouping
    if "course_id" in data:
        course = catalog.course(data["course_id"])
        if course is None:
            return None
        grouping = [activity(origin, "pathway", p.slug, p.title) for p in catalog.pathways_containing(course.id)]
        return activity(origin, "course", course.slug, course.title), [], grouping
    pathway = catalog.pathway(data.get("pathway_id", -1))
    if pathway is None:
        return None
    return activity(origin, "pathway", pathway.slug, pathway.title), [], []
