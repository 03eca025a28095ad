"""Services: the unit of work, one transaction through which every change to progress goes, and what follows it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.engine_session import Session, orm_session
from learnapp.persistence.facts import StoredProgress, lock_learners
from learnapp.persistence.history_ids import append_history
from learnapp.persistence.outbox import add_events, bump_version, bump_versions, progress_version
from learnapp.services.engine import live
from learnapp.services.engine.changes import ProgressChange
from learnapp.services.engine.refresh import follow_changes, recompute
from learnapp.services.engine.stats_deltas import StatsDeltas
from learnapp.services.notices.milestones import milestone_crossed

# Stable event ids: the same cause (learner, version, position in its change) always gets the same UUID.
EVENT_NAMESPACE = uuid.UUID("4f1c2a7e-2b9d-5c3e-9a41-6d0b8e7f1a23")
# History actions that are facts changing, and the outbox topic each becomes.
_TOPICS = {"completed": "lesson.completed", "uncompleted": "lesson.uncompleted", "enrolled": "enrollment.created"}
# Topics that change only checkmarks and counts: a learner with no other event needs no certificates or notices read.
_QUIET = frozenset({"lesson.completed", "lesson.uncompleted"})
# A change of one learner (a click, an API call, the certificate worker, the bell) carries that learner's progress,
# read in its transaction. A unit that changed more (an admin's batch, a recalculation, an import) publishes them
# without: reading each would hold the write transaction open; their tabs, if any, are read once per learner after.
LIVE_READ_LIMIT = 1


class _DryRun(Exception):
    """Raised at the end of a dry run's unit of work so that its transaction rolls back."""


class UnitOfWork:
    """The transaction a change runs in, and everything the change earns, decided from what changed.

    Services change facts through `record` (the history entry is the change's description) and stored progress
    through `recompute`. From those it follows, in the same transaction: notices and certificates for first
    completions, the learner's progress version bumped once, outbox events for delivery (email, webhooks,
    xAPI), and the admin statistics counters moved by what changed (learnapp/services/engine/stats_deltas.py).
    After commit, the learners' open tabs are told (except `origin`, the tab that made the change and shows
    it already). Nothing a caller must remember.
    """

    def __init__(self, conn: Connection, origin: str | None = None) -> None:
        self.conn = conn
        self.origin = origin
        self.versions: dict[int, int] = {}
        self._current: dict[int, int] = {}  # versions read (not bumped) for notes
        self._events: list[dict[str, Any]] = []
        self._catalog: Catalog | None = None
        self._session: Session | None = None
        self._stats = StatsDeltas()
        self._quiet: set[int] = set()  # learners with only _QUIET events so far
        self._loud: set[int] = set()  # learners with any other event

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = current_catalog(self.conn)
        return self._catalog

    @property
    def session(self) -> Session:
        """An ORM session on the same connection, for use cases off the hot path (flushed with the unit)."""
        if self._session is None:
            self._session = orm_session(self.conn)
        return self._session

    @property
    def touched(self) -> set[int]:
        """Learners whose facts or stored progress this unit changed."""
        return set(self.versions)

    def lock(self, learner_ids: Iterable[int]) -> None:
        lock_learners(self.conn, learner_ids)

    def record(self, entries: list[dict[str, Any]], detail: dict[str, Any] | None = None) -> None:
        """Facts changed: their history entries, and an event for each (an enrollment, a lesson done or undone).

        Entries of a Start over (action "reset") of one course make one `progress.reset` event. `detail` adds
        what the caller knows of the subject to each event (a lesson's slug, module and courses; a course's slug).
        """
        append_history(self.conn, entries)
        self._stats.entries(entries)
        resets: dict[tuple[int, int | None], list[int]] = {}
        for entry in entries:
            learner_id = entry["learner_id"]
            self.touch(learner_id)
            if entry["action"] == "reset":
                resets.setdefault((learner_id, entry["course_id"]), []).append(entry["lesson_id"])
            elif entry["action"] in _TOPICS:
                subject = {k: entry[k] for k in ("lesson_id", "course_id", "pathway_id") if entry[k] is not None}
                body = {**subject, **(detail or {}), "source": entry["source"], "actor_id": entry["actor_id"]}
                self.emit(learner_id, _TOPICS[entry["action"]], body, entry["at"])
        for (learner_id, course_id), lessons in resets.items():
            body = {"course_id": course_id, **(detail or {}), "lesson_ids": sorted(lessons)}
            self.emit(learner_id, "progress.reset", body)

    def recompute(
        self,
        learner_ids: Iterable[int],
        course_ids: Iterable[int],
        pathway_ids: Iterable[int],
        course_rows: list[StoredProgress] | None = None,
        *,
        milestones: bool = False,
        catalog: Catalog | None = None,
    ) -> dict[int, list[ProgressChange]]:
        """The one recompute (learnapp/services/engine/refresh.py), then what its changes earn.

        A first completion earns its notice, its certificate and a `course.completed` / `pathway.completed` event,
        whoever caused it (a click, an enrollment, an import, a recalculation). Milestone notices only when the
        learner's own completion moved the bar (`milestones`).
        """
        catalog, course_ids = catalog or self.catalog, set(course_ids)
        changes = recompute(self.conn, catalog, learner_ids, course_ids, pathway_ids, course_rows)
        self._stats.changes(changes, catalog, course_ids, course_rows)
        self.touch_many([i for i, moved in changes.items() if moved])
        for learner_id, moved in changes.items():
            if not moved:
                continue
            follow_changes(self.conn, learner_id, moved, milestones)
            for change in moved:
                reached = milestone_crossed(change) if milestones else None
                if reached is not None:  # news only when the learner's own completion moved the bar (as notices)
                    body = {f"{change.kind}_id": change.node_id, "slug": change.slug, "title": change.title}
                    self.emit(learner_id, f"{change.kind}.milestone", {**body, "percent": reached})
                if change.newly_completed:
                    body = {f"{change.kind}_id": change.node_id, "slug": change.slug, "title": change.title}
                    at = change.completed_at or utcnow()
                    self.emit(learner_id, f"{change.kind}.completed", {**body, "completed_at": at.isoformat()}, at)
        return changes

    def first_time_moving(self, learner_id: int, kind: str, node_id: int) -> None:
        """Before a node's stored first completion time is rewritten: its finisher counters follow the new time."""
        self._stats.first_time_moving(self.conn, learner_id, kind, node_id)

    def kept_day(self, learner_id: int, moved: dict[date, int]) -> None:
        """An activity day kept (persistence.activity.record_activity): how the learner's latest day moved."""
        if moved:
            self._stats.latest_day(learner_id, moved)

    def touch(self, learner_id: int) -> int:
        """The learner's progress version for this unit: bumped once, on its first change."""
        if learner_id not in self.versions:
            self.versions[learner_id] = bump_version(self.conn, learner_id)
        return self.versions[learner_id]

    def touch_many(self, learner_ids: list[int]) -> None:
        """touch for many learners in one statement (a recalculation's batch)."""
        new = sorted(set(learner_ids) - set(self.versions))
        if new:
            self.versions.update(bump_versions(self.conn, new))

    def recount_stats(
        self, nodes: Iterable[tuple[str, int]] | None = None, catalog: Catalog | None = None, lessons: bool = True
    ) -> None:
        """Recount these nodes' statistics (all when None) from the stored rows at flush, instead of adding deltas.

        For changes made outside `record` and `recompute`: stored rows put back from a snapshot, a content import
        (whose new `catalog` decides which lessons each node's funnel counts). Without `lessons`, the lesson
        funnels (which only facts and enrollments move) keep their counters.
        """
        if catalog is not None:
            self._stats.catalog = catalog
        if nodes is None and lessons:
            self._stats.recount_all = True
        else:
            chosen = list(nodes if nodes is not None else stats_counters.every_node(catalog or self.catalog))
            # The site has no lesson funnel: recounted whole (its "learners" would pass for a lesson's counter).
            whole = [node for node in chosen if lessons or node == stats_counters.SITE]
            self._stats.recount.update(whole)
            self._stats.recount_rows.update(node for node in chosen if node not in whole)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: rolled back, it takes back its events, version bumps and counter deltas too."""
        events, versions = len(self._events), dict(self.versions)
        stats = self._stats.mark()
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._events[events:]
            self.versions = versions
            self._stats.restore(stats)
            raise
        nested.commit()

    def note(self, learner_id: int, topic: str, subject: str, payload: dict[str, Any]) -> None:
        """An outbox event for something that is not a change of progress (time spent in a lesson).

        It carries the learner's current version without bumping it, so no tab is told; `subject` and the moment
        make its cause unique.
        """
        if learner_id not in self.versions and learner_id not in self._current:
            self._current[learner_id] = progress_version(self.conn, learner_id)
        version = self.versions.get(learner_id, self._current.get(learner_id, 0))
        at = utcnow()
        cause = f"{topic}:{learner_id}:{version}:{subject}:{at.isoformat()}:{len(self._events)}"
        self._add(cause, topic, learner_id, version, at, payload)

    def emit(self, learner_id: int, topic: str, payload: dict[str, Any], at: datetime | None = None) -> None:
        """An outbox event, written with the unit (at flush) so that it exists exactly when the change does."""
        version = self.touch(learner_id)
        cause = f"{topic}:{learner_id}:{version}:{len(self._events)}"
        self._add(cause, topic, learner_id, version, at or utcnow(), payload)

    def _add(
        self, cause: str, topic: str, learner_id: int, version: int, at: datetime, payload: dict[str, Any]
    ) -> None:
        self._events.append(
            {
                "event_id": str(uuid.uuid5(EVENT_NAMESPACE, cause)),
                "topic": topic,
                "learner_id": learner_id,
                "version": version,
                "occurred_at": at,
                "payload": {**payload, "learner_id": learner_id, "version": version},
            }
        )

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()
        for event in self._events:
            (self._quiet if event["topic"] in _QUIET else self._loud).add(event["learner_id"])
        add_events(self.conn, self._events)
        self._events = []
        if self._stats.pending:
            # The catalog the unit's recompute used; read afresh only if it used none. A content import's new
            # catalog is never read through the process-wide cache here: a dry run would leave it there.
            self._stats.flush(self.conn, self._stats.catalog or self.catalog)

    def progress_changes(self) -> list[live.ProgressChanged]:
        """What to publish after commit: each learner changed, with their progress and live sessions read here.

        Read last in the unit's own transaction, after its version bump: the read is exactly the change's
        outcome, so the tabs it reaches read nothing more. Only checkmarks and counts when the learner's events
        announced nothing else (and the tab making the change does not ask for everything).
        """
        learners = sorted(self.touched)
        if not learners or not live.wanted():
            return []
        writing = live.tab_writing()
        origin = self.origin or (writing.origin if writing is not None else None)
        if len(learners) > LIVE_READ_LIMIT:
            return [live.ProgressChanged(learner_id, origin, None) for learner_id in learners]
        everything = writing is not None and writing.scope is live.Scope.ALL
        changes = []
        for learner_id in learners:
            quiet = learner_id in self._quiet and learner_id not in self._loud and not everything
            read = live.read_progress(self.conn, learner_id, live.Scope.PROGRESS if quiet else live.Scope.ALL)
            changes.append(live.ProgressChanged(learner_id, origin, read, live.live_sessions(self.conn, learner_id)))
        return changes


@contextmanager
def unit_of_work(db: Database, *, dry_run: bool = False, origin: str | None = None) -> Iterator[UnitOfWork]:
    """A unit of work: committed when the block ends, rolled back on error, and always rolled back in a dry run.

    A dry run does all the work (so its report is the real one) and leaves nothing behind: one mechanism for
    every dry run (content import and preview, recalculate, legacy import). After commit, the change is
    published (learnapp/services/engine/live.py); `origin`, when not given, is the tab the change is made from.
    """
    try:
        with db.transaction() as conn:
            work = UnitOfWork(conn, origin)
            try:
                yield work
                work.flush()
                if dry_run:
                    raise _DryRun
                changes = work.progress_changes()
            finally:
                if work._session is not None:
                    work._session.close()
    except _DryRun:
        return
    live.publish(changes)
