"""Services: a planned learner's stored progress, by the engine's rules, and the counters their rows add to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from operator import itemgetter

from learnapp.domain import progress as rules
from learnapp.persistence import stats_counters as counters
from learnapp.persistence.population_rows import CourseRow, LearnerRows, PathwayRow
from learnapp.services.operations.population_plan import DAY_US, Plan, Shape

_EPOCH = date(1970, 1, 1)  # plans' times are microseconds since its midnight, UTC
_AT = itemgetter(1)  # a fact's time (a quarter cheaper than a generator over a million learners' facts)


def rows_of(shape: Shape, plan: Plan) -> LearnerRows:
    """The learner's rows as the engine would store them after recomputing from these facts (a fresh learner: the
    first completion of a node is its completion); facts in lesson order, as their unique index holds them."""
    done = set(plan.facts)
    courses = []
    for course_id, enrolled_at, last_lesson, last_at in plan.courses:
        course = shape.course_of[course_id]
        counts = rules.course_counts(course, done)
        at = _completed_at(plan, course.countable_ids & done) if counts.complete else None
        completed, total, percent, complete = _stored(counts)
        courses.append(CourseRow(course_id, enrolled_at, last_lesson, last_at, completed, total, percent, complete, at))
    pathways = []
    for pathway_id, enrolled_at in plan.pathways:
        pathway = shape.pathway_of[pathway_id]
        counts, finished = rules.pathway_counts(pathway, done)
        at = _completed_at(plan, pathway.countable_ids & done) if counts.complete else None
        completed, total, percent, complete = _stored(counts)
        pathways.append(
            PathwayRow(pathway_id, enrolled_at, completed, total, percent, finished, len(pathway.courses), complete, at)
        )
    return LearnerRows(plan.email, plan.name, plan.created_at, courses, pathways, sorted(plan.facts.items()))


def _stored(counts: rules.Counts) -> tuple[int, int, int, bool]:
    return counts.completed, counts.total, counts.percent, counts.complete


def _completed_at(plan: Plan, lessons: set[int] | frozenset[int]) -> int | None:
    """A node is completed at the time of the lesson completion that completed it: the latest (the engine's rule)."""
    return max((plan.facts[lesson] for lesson in lessons), default=None)


def shares(shape: Shape, learners: Sequence[LearnerRows]) -> dict[counters.Key, int]:
    """What these new learners' rows add to the counters (shard 0), as a recount of their rows would count them:
    enrolled, started, complete, the percent sum and histogram; each node's lesson funnel (the learners enrolled
    there who completed the lesson), a pathway's course funnel (its learners' enrolled courses complete), and the
    site's learners by latest activity day. Their finishers' times are the database's to read
    (stats_counters.add_learners)."""
    rows: Counter[tuple[str, int, str]] = Counter()
    lessons: dict[tuple[str, int], Counter[int]] = {}
    latest: Counter[int] = Counter()  # learners by latest activity day (days since _EPOCH)
    for learner in learners:
        done = {lesson for lesson, _ in learner.facts}
        complete = {c.course_id for c in learner.courses if c.complete}
        for c in learner.courses:
            _count(rows, ("course", c.course_id), c.completed, c.complete, c.percent)
            lessons.setdefault(("course", c.course_id), Counter()).update(
                shape.course_of[c.course_id].countable_ids & done
            )
        for p in learner.pathways:
            node = ("pathway", p.pathway_id)
            _count(rows, node, p.completed, p.complete, p.percent)
            pathway = shape.pathway_of[p.pathway_id]
            lessons.setdefault(node, Counter()).update(pathway.countable_ids & done)
            rows.update((*node, f"c{c.id}") for c in pathway.courses if c.id in complete)
        if learner.facts:  # their activity days are their facts' UTC days (generated learners' zone)
            latest[max(map(_AT, learner.facts)) // DAY_US] += 1
    for day, n in latest.items():
        rows[(*counters.SITE, counters.latest_day_name(_EPOCH + timedelta(days=day)))] += n
    added = {(kind, node_id, name, 0): n for (kind, node_id, name), n in rows.items()}
    for (kind, node_id), funnel in lessons.items():
        added.update({(kind, node_id, f"l{lesson}", 0): n for lesson, n in funnel.items()})
    return added


def _count(
    rows: Counter[tuple[str, int, str]], node: tuple[str, int], completed: int, complete: bool, percent: int
) -> None:
    kind, node_id = node
    rows[(kind, node_id, "enrolled")] += 1
    rows[(kind, node_id, "started")] += completed > 0
    rows[(kind, node_id, "complete")] += complete
    rows[(kind, node_id, "percent")] += percent
    rows[(kind, node_id, f"p{counters.bucket(percent)}")] += 1
