"""Services: a deterministic demo population (learners, enrollments, spread-out completions) for demos and benches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from learnapp.domain.clock import utcnow
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.facts import LEARNER
from learnapp.services.errors import Conflict, InvalidRequest
from learnapp.services.operations.population_bulk import BULK_TABLES, Batch, encode, new_ids, write_batch
from learnapp.services.operations.population_checks import may_skip_row_checks
from learnapp.services.operations.population_plan import FIRST, LAST, Shape, email_of, plan
from learnapp.services.operations.population_progress import load_shape, recompute_range

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
    """Same seed, same catalog, same `now`: the same population, whatever the batch. One transaction per batch."""
    if learners < 1 or enrollments < 1 or days < 1 or batch < 1:
        raise InvalidRequest("learners, enrollments, days and batch must be at least 1")
    moment = int((now or utcnow()).timestamp() * 1_000_000)
    with db.snapshot() as conn:
        shape = Shape.of(current_catalog(conn))
        taken = conn.execute(select(LEARNER.c.id).where(LEARNER.c.email == email_of(0, seed))).first()
    if not shape.courses:
        raise InvalidRequest("The catalog has no course with countable lessons: import content first")
    if taken:  # every population starts with learner 0: one indexed look-up, not a scan of a million emails
        raise Conflict(f"A population with seed {seed} is already loaded: choose another seed")

    postgres = not db.is_sqlite

    def batch_from(start: int) -> Batch:
        plans = [plan(shape, i, seed, enrollments, days, moment) for i in range(start, min(learners, start + batch))]
        first = 0
        if postgres:  # the ids go into the COPY text made here: drawn now (a sequence is not transactional)
            with db.transaction() as conn:
                first = new_ids(conn, len(plans))[0]
        return encode(plans, first, postgres)

    parents = {
        "lesson": [lesson for ids in shape.lessons for lesson in ids],
        "course": [c.id for c in shape.courses],
        "pathway": [p for p, _ in shape.pathways],
    }
    skip: bool | None = None
    counts = [0, 0, 0]
    first = last = 0
    # The next batch is planned and encoded in a thread while this one is written: the database's work (in SQLite's
    # C code or in the PostgreSQL server) releases the GIL, so planning and writing overlap.
    with ThreadPoolExecutor(1, thread_name_prefix="population-plan") as planner:
        upcoming = planner.submit(batch_from, 0)
        for start in range(0, learners, batch):
            rows = upcoming.result()
            if start + batch < learners:
                upcoming = planner.submit(batch_from, start + batch)
            with db.transaction() as conn, _roomy(conn):
                if skip is None:
                    skip = may_skip_row_checks(conn, BULK_TABLES)
                count = len(rows.learners)
                ids = list(range(rows.first, rows.first + count)) if postgres else new_ids(conn, count)
                catalog = current_catalog(conn)
                load_shape(conn, catalog)
                write_batch(conn, rows, ids, PASSWORD_HASH, parents if skip else None)
                recompute_range(conn, ids[0], ids[-1], fresh=True)
                # New learners only: their whole share of the statistics counters is added, set-based.
                stats_counters.add_learners(conn, catalog, ids[0], ids[-1])
            counts = [a + b for a, b in zip(counts, rows.counts, strict=True)]
            first, last = first or ids[0], ids[-1]
            if on_progress:  # committed learners: the bar never runs ahead of what is stored
                on_progress(start + len(rows.learners), learners)
    return PopulationReport(learners, counts[0], counts[1], counts[2], first, last)


@contextmanager
def _roomy(conn: Connection) -> Iterator[None]:
    """Settings of this transaction only, for batches of set-based statements over a few hundred thousand rows.

    SQLite: a page cache big enough for a batch's index pages while it is written (memory only), then the default.
    PostgreSQL: no JIT (without statistics on the temp tables every statement looked costly enough to compile, and
    compiling took two thirds of the biggest one), and sorts and hashes in memory.
    """
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        yield
        return
    default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-524288")  # 512 MiB
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(default or -2000)}")
