"""Services: how a unit of work's changes move the statistics counters, added in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from learnapp.domain.content import Catalog
from learnapp.persistence import stats_counters as counters
from learnapp.persistence.db import Connection
from learnapp.persistence.facts import StoredProgress, done_ids
from learnapp.persistence.stats_deltas_sql import complete_courses, memberships
from learnapp.services.engine.changes import ProgressChange

# A fact's history action and what it does to the lesson's funnel counters.
_FACT_SIGN = {"completed": 1, "uncompleted": -1, "reset": -1}
# Actions that write stored rows or enrollments outside the recompute: their nodes are recounted instead.
_RECOUNTED = {"unenrolled", "restored"}

_lessons_cache: tuple[Catalog, dict[int, list[counters.Node]]] | None = None


def nodes_counting(catalog: Catalog, lesson_id: int) -> list[counters.Node]:
    """The courses and pathways whose funnel shows this lesson (its countable lessons include it)."""
    global _lessons_cache
    if _lessons_cache is None or _lessons_cache[0] is not catalog:
        index: dict[int, list[counters.Node]] = defaultdict(list)
        for course in catalog.courses:
            for lesson in course.countable_ids:
                index[lesson].append(("course", course.id))
        for pathway in catalog.pathways:
            for lesson in pathway.countable_ids:
                index[lesson].append(("pathway", pathway.id))
        _lessons_cache = (catalog, dict(index))
    return _lessons_cache[1].get(lesson_id, [])


class StatsDeltas:
    """What a unit of work changed, kept until flush, then turned into counter additions (or recounts).

    Stored rows move the enrollment counters by their before/after (every stored row write is the recompute's);
    a first completion adds its time to complete and its day (read from its row at flush);
    an enrollment adds a default row; a fact done or undone moves its lesson's funnel in the nodes the learner
    is enrolled in; a course completed or reopened moves the course funnel of the learner's pathways; a new
    latest activity day moves the site's learners by latest day from the old day to the new one. A node
    enrolled in this unit gets its funnels from the final state instead, so nothing counts twice.
    """

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.rows: dict[counters.Key, int] = defaultdict(int)
        self.facts: list[tuple[int, int, int]] = []  # (learner, lesson, +1 | -1)
        self.flips: list[tuple[int, int, int]] = []  # (learner, course, +1 | -1): completed or reopened
        self.enrolled: set[tuple[int, str, int]] = set()  # (learner, kind, node)
        self.finished: set[tuple[int, str, int]] = set()  # (learner, kind, node) first completed in this unit
        # Enrollments this unit already knows of (rows the recompute was given or changed): no need to read them.
        self.known: dict[tuple[int, str, int], bool] = {}
        self.recount: set[counters.Node] = set()
        self.recount_rows: set[counters.Node] = set()  # all but the lesson funnels (what stored rows feed)
        self.recount_all = False
        self.catalog: Catalog | None = None  # the one the unit's last recompute used (a content import's new one)

    @property
    def pending(self) -> bool:
        recounts = self.recount or self.recount_rows or self.recount_all
        return bool(self.rows or self.facts or self.flips or self.enrolled or self.finished or recounts)

    def mark(self) -> tuple[Any, ...]:
        """What a savepoint restores if it rolls back."""
        marks = (dict(self.rows), len(self.facts), len(self.flips), set(self.enrolled), dict(self.known))
        return (*marks, set(self.finished))

    def restore(self, mark: tuple[Any, ...]) -> None:
        rows, facts, flips, enrolled, known, finished = mark
        self.rows = defaultdict(int, rows)
        del self.facts[facts:], self.flips[flips:]
        self.enrolled, self.known, self.finished = enrolled, known, finished

    def entries(self, entries: Iterable[dict[str, Any]]) -> None:
        for entry in entries:
            action, learner_id = entry["action"], entry["learner_id"]
            if action in _FACT_SIGN and entry["lesson_id"] is not None:
                self.facts.append((learner_id, entry["lesson_id"], _FACT_SIGN[action]))
            elif action == "enrolled" or action in _RECOUNTED:
                node = ("course", entry["course_id"]) if entry["course_id"] else ("pathway", entry["pathway_id"])
                if node[1] is None:
                    continue
                if action in _RECOUNTED:
                    self.recount.add(node)
                else:
                    self.enrolled.add((learner_id, *node))
                    self._row(learner_id, node, {"enrolled": 1, "p0": 1})  # a new row: nothing done, 0%

    def changes(
        self,
        changes: dict[int, list[ProgressChange]],
        catalog: Catalog,
        course_ids: set[int],
        course_rows: list[StoredProgress] | None,
    ) -> None:
        """Stored rows that moved. `course_rows` (one learner's rows among `course_ids`, read under its lock) say
        which of those courses the learner is enrolled in."""
        self.catalog = catalog
        if course_rows is not None and len(changes) == 1:
            (learner_id,) = changes
            held = {row.node_id for row in course_rows}
            self.known.update({(learner_id, "course", c): c in held for c in course_ids})
        for learner_id, moved in changes.items():
            for change in moved:
                if change.newly_completed:  # its time to complete and its day, read from the row at flush
                    self.finished.add((learner_id, change.kind, change.node_id))
                before = change.before
                if before is None:
                    continue
                self.known[(learner_id, change.kind, change.node_id)] = True
                node = (change.kind, change.node_id)
                delta = {
                    "started": int(change.after_completed > 0) - int(before.completed > 0),
                    "complete": int(change.after_complete) - int(before.is_complete),
                    "percent": change.after_percent - before.percent,
                }
                old, new = counters.bucket(before.percent), counters.bucket(change.after_percent)
                if old != new:
                    delta[f"p{old}"], delta[f"p{new}"] = -1, 1
                self._row(learner_id, node, delta)
                if change.kind == "course" and delta["complete"]:
                    self.flips.append((learner_id, change.node_id, delta["complete"]))

    def first_time_moving(self, conn: Connection, learner_id: int, kind: str, node_id: int) -> None:
        """The node's first completion time may be rewritten (an accepted claim's time): its counters now come out,
        and at flush they go back in as the row then says. A first completion of this unit is read at flush anyway."""
        mine = (learner_id, kind, node_id)
        if mine in self.finished:
            return
        for key, n in counters.finished(conn, {mine}).items():
            self.rows[key] -= n
        self.finished.add(mine)

    def latest_day(self, learner_id: int, moved: dict[date, int]) -> None:
        """The learner's latest activity day moved (a new kept day later than the others): the site's "a<day>"."""
        self._row(learner_id, counters.SITE, {counters.latest_day_name(day): n for day, n in moved.items()})

    def _row(self, learner_id: int, node: counters.Node, delta: dict[str, int]) -> None:
        shard = learner_id % counters.SHARDS
        for name, n in delta.items():
            if n:
                self.rows[(node[0], node[1], name, shard)] += n

    def flush(self, conn: Connection, catalog: Catalog) -> None:
        """Add what this unit changed (one membership read and one upsert for a click); recount what it must."""
        if self.recount_all:
            self.recount = set(counters.every_node(catalog))
        # A course's rows are also its pathways' course funnel: those are recounted with it.
        for chosen in (self.recount, self.recount_rows):
            chosen |= {
                ("pathway", p.id) for k, c in set(chosen) if k == "course" for p in catalog.pathways_containing(c)
            }
        self.recount_rows -= self.recount
        if self.recount or self.recount_rows:
            counters.lock_for_recount(conn)
            counters.rewrite(conn, catalog, self.recount)
            counters.rewrite(conn, catalog, self.recount_rows, lessons=False)
        deltas = dict(self.rows)
        if self.facts or self.flips or self.enrolled:
            self._funnels(conn, catalog, deltas)
        for key, n in counters.finished(conn, self.finished).items():
            deltas[key] = deltas.get(key, 0) + n
        counters.add(conn, {key: n for key, n in deltas.items() if not self._recounted(key)})
        self._clear()

    def _recounted(self, key: counters.Key) -> bool:
        node = (key[0], key[1])
        return node in self.recount or (node in self.recount_rows and not key[2].startswith("l"))

    def _funnels(self, conn: Connection, catalog: Catalog, deltas: dict[counters.Key, int]) -> None:
        wanted = {(i, *node) for i, lesson, _ in self.facts for node in nodes_counting(catalog, lesson)}
        wanted |= {(i, "pathway", p.id) for i, course, _ in self.flips for p in catalog.pathways_containing(course)}
        member = {key for key in wanted if self.known.get(key)}
        unknown = sorted({key[0] for key in wanted if key not in self.known})
        if unknown:
            member |= memberships(conn, unknown)
        fresh = self.enrolled

        def add(learner_id: int, node: counters.Node, name: str, n: int) -> None:
            key = (node[0], node[1], name, learner_id % counters.SHARDS)
            deltas[key] = deltas.get(key, 0) + n

        for learner_id, lesson_id, sign in self.facts:
            for node in nodes_counting(catalog, lesson_id):
                mine = (learner_id, *node)
                if mine in member and mine not in fresh:
                    add(learner_id, node, f"l{lesson_id}", sign)
        for learner_id, course_id, sign in self.flips:
            for pathway in catalog.pathways_containing(course_id):
                mine = (learner_id, "pathway", pathway.id)
                if mine in member and mine not in fresh:
                    add(learner_id, ("pathway", pathway.id), f"c{course_id}", sign)
        for learner_id, kind, node_id in sorted(fresh):
            self._enrolled_funnels(conn, catalog, learner_id, (kind, node_id), add)

    @staticmethod
    def _enrolled_funnels(conn: Connection, catalog: Catalog, learner_id: int, node: counters.Node, add: Any) -> None:
        """A node enrolled in this unit: its funnels count what the learner holds now (done before or since)."""
        found = catalog.course(node[1]) if node[0] == "course" else catalog.pathway(node[1])
        if found is None:
            return
        for lesson_id in done_ids(conn, learner_id) & found.countable_ids:
            add(learner_id, node, f"l{lesson_id}", 1)
        if node[0] == "pathway":
            courses = [c.id for c in found.courses]  # type: ignore[union-attr]
            for course_id in complete_courses(conn, learner_id, courses):
                add(learner_id, node, f"c{course_id}", 1)
