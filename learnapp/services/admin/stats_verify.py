"""Services: the statistics counters checked against (and, for a repair, replaced by) a recount of stored rows."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.domain.content import Catalog
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.errors import NotFound


@dataclass(frozen=True)
class Difference:
    kind: str  # "course", "pathway" or "site"
    slug: str
    counter: str  # "enrolled", …, "t<time bucket>", "d<UTC day>[.b|.h|.q<part>]", "learners" (see StatCounter)
    stored: int
    recounted: int
    node: tuple[str, int] = ("course", 0)  # (kind, id)


def verify(db: Database, course: str | None = None) -> tuple[int, list[Difference]]:
    """Every counter of every course and pathway (or of one course) against its recount: (nodes checked, differences).

    Read in one snapshot, so the counters and the rows they count are of the same moment.
    """
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        nodes = _nodes(catalog, course)
        stored = stats_counters.totals(conn, nodes)
        recounted = stats_counters.recount(conn, catalog, nodes)
    slugs = {("course", c.id): c.slug for c in catalog.courses} | {("pathway", p.id): p.slug for p in catalog.pathways}
    slugs[stats_counters.SITE] = "all"
    found = [
        Difference(node[0], slugs.get(node, str(node[1])), name, mine, theirs, node)
        for node, name, mine, theirs in stats_counters.differences(stored, recounted)
    ]
    return len(nodes), found


def repair(db: Database, nodes: list[tuple[str, int]] | None = None, lessons: bool = True) -> None:
    """Recount these nodes' counters (all when None) in a unit of work.

    A recalculate ends with it, without `lessons`: it repairs what stored rows feed (enrolled, started, complete,
    averages, histogram, a pathway's course funnel); the lesson funnels come from facts and enrollments, which a
    recalculate never changes, and cost most to recount (`learnapp stats verify --repair` recounts them too).
    """
    with unit_of_work(db) as work:
        work.recount_stats(nodes, lessons=lessons)


def repair_recalculated(
    db: Database, courses: list[int], pathways: list[int], learner_id: int | None = None, whole_site: bool = False
) -> None:
    """After a recalculation, repair what stored rows feed in the nodes it covered: all of them, or those where
    `learner_id` (a one-learner run) has a row; the site's counters too when it covered the `whole_site`.

    A counter holds no learner's share apart from the others', so a node that drifted (rows written outside the
    engine) is recounted whole: a one-learner run costs a recount of that learner's nodes.
    """
    nodes = [("course", c) for c in courses] + [("pathway", p) for p in pathways]
    if learner_id is not None:
        with db.snapshot() as conn:
            held = stats_counters.nodes_of(conn, learner_id)
        nodes = [node for node in nodes if node in held]
    if whole_site and learner_id is None:
        nodes.append(stats_counters.SITE)  # learners and their latest activity days: rows no engine change wrote
    if nodes:
        repair(db, nodes, lessons=False)


def _nodes(catalog: Catalog, course: str | None) -> list[stats_counters.Node]:
    if course is None:
        return stats_counters.every_node(catalog)
    found = catalog.course(course)
    if found is None:
        raise NotFound(f"Unknown course '{course}'")
    return [("course", found.id)]
