"""Services: a deterministic demo population (learners, enrollments, spread-out completions) for demos and benches."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from learnapp.domain.clock import utcnow
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.population_checks import MissingParent, may_skip_row_checks
from learnapp.persistence.population_rows import Encoded, encode
from learnapp.persistence.population_write import (
    BULK_TABLES,
    batch_transaction,
    bulk_settings,
    new_ids,
    population_loaded,
    write_batch,
)
from learnapp.services.errors import Conflict, InvalidRequest
from learnapp.services.operations.population_plan import FIRST, LAST, Shape, email_of, plan
from learnapp.services.operations.population_progress import rows_of, shares

__all__ = ["FIRST", "LAST", "PASSWORD", "PASSWORD_HASH", "PopulationReport", "generate_population"]

PASSWORD = "population-demo-2026"
# argon2id of PASSWORD, computed once: hashing it per learner would take minutes for a large population.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$L/KJhZP69GfQ98H9L3E5yg$/z+tatEr0ANPSM7EpMUmpobV+eN2xqxhtdUFw4vvV9Y"
# Learners per transaction: large enough that commits and per-statement work vanish, small enough to stay in memory.
BATCH = 2_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PopulationReport:
    learners: int
    enrollments: int
    pathway_enrollments: int
    completions: int
    first_learner_id: int
    last_learner_id: int


def generate_population(
    db: Database,
    learners: int,
    seed: int = 1,
    enrollments: int = 5,
    days: int = 90,
    now: datetime | None = None,
    batch: int = BATCH,
    on_progress: Progress | None = None,
) -> PopulationReport:
    """Same seed, same catalog, same `now`: the same population, whatever the batch. One transaction per batch.

    A batch that fails stops the run: the batches committed before it stay (on PostgreSQL, also the one written
    beside it), and the seed counts as loaded.
    """
    if learners < 1 or enrollments < 1 or days < 1 or batch < 1:
        raise InvalidRequest("learners, enrollments, days and batch must be at least 1")
    moment = int((now or utcnow()).timestamp() * 1_000_000)
    with db.transaction() as conn:
        catalog = current_catalog(conn)
        taken = population_loaded(conn, email_of(0, seed))  # every population starts with learner 0
        skip = may_skip_row_checks(conn, BULK_TABLES)
    shape = Shape.of(catalog)
    if not shape.courses:
        raise InvalidRequest("The catalog has no course with countable lessons: import content first")
    if taken:
        raise Conflict(f"A population with seed {seed} is already loaded: choose another seed")

    postgres = not db.is_sqlite

    def batch_from(start: int) -> tuple[Encoded, dict[stats_counters.Key, int]]:
        """Planned, their stored progress and counter shares computed, and encoded: all in the planning thread."""
        plans = [plan(shape, i, seed, enrollments, days, moment) for i in range(start, min(learners, start + batch))]
        rows = [rows_of(shape, p) for p in plans]
        first = 0
        if postgres:  # the ids go into the COPY data made here: drawn now (a sequence is not transactional)
            with db.transaction() as conn:
                first = _ids(new_ids(conn, len(plans)))[0]
        return encode(rows, first, postgres, PASSWORD_HASH), shares(shape, rows)

    parents = {
        "lesson": [lesson for ids in shape.lessons for lesson in ids],
        "course": [c.id for c in shape.courses],
        "pathway": [p for p, _ in shape.pathways],
    }

    def write(start: int, rows: Encoded, added: dict[stats_counters.Key, int]) -> list[int]:
        """One batch in one transaction; returns its learners' ids."""
        with batch_transaction(db, skip) as conn, bulk_settings(conn):
            if current_catalog(conn) is not catalog:  # the progress computed would be another catalog's
                raise Conflict("The catalog changed while the population was written: run it again")
            count = min(learners, start + batch) - start
            ids = list(range(rows.first, rows.first + count)) if postgres else _ids(new_ids(conn, count))
            try:
                write_batch(conn, rows, ids, parents if skip else None)
            except MissingParent as gone:
                raise Conflict(f"The catalog changed while the population was written ({gone.table})") from gone
            # New learners only: what their rows add to the statistics counters, in the same transaction.
            stats_counters.add_learners(conn, ids[0], ids[-1], added)
        return ids

    counts = [0, 0, 0]
    first = last = done = 0
    # The next batch is planned and encoded in a thread while this one is written: the database's work (in SQLite's
    # C code or in the PostgreSQL server) releases the GIL, so planning and writing overlap. PostgreSQL writes two
    # batches at once when it may skip the per-row checks (write_batch then takes its shared rows last, in one
    # order): a second server process on the second core, a third faster on this machine when it is otherwise idle.
    writers = 2 if postgres and skip else 1
    with (
        ThreadPoolExecutor(1, thread_name_prefix="population-plan") as planner,
        ThreadPoolExecutor(writers, thread_name_prefix="population-write") as writing,
    ):
        upcoming = planner.submit(batch_from, 0)
        written: deque[tuple[Future[list[int]], tuple[int, int, int]]] = deque()
        for start in range(0, learners, batch):
            rows, added = upcoming.result()
            if start + batch < learners:
                upcoming = planner.submit(batch_from, start + batch)
            written.append((writing.submit(write, start, rows, added), rows.counts))
            while written and (len(written) >= writers or start + batch >= learners):
                future, batch_counts = written.popleft()
                ids = future.result()  # in batch order: the bar never runs ahead of what is committed
                counts = [a + b for a, b in zip(counts, batch_counts, strict=True)]
                first, last, done = first or ids[0], ids[-1], done + len(ids)
                if on_progress:
                    on_progress(done, learners)
    return PopulationReport(learners, counts[0], counts[1], counts[2], first, last)


def _ids(drawn: list[int] | None) -> list[int]:
    if drawn is None:
        raise Conflict("Learner ids are being drawn too busily to reserve a range: run the population again later")
    return drawn
