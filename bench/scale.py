"""Benchmark: what a click, My Learning, the admin pages and a recalculation cost at N learners beside 10,000.

Run with ``cd /work/main && .venv/bin/python -m bench.scale`` (not part of ``make test``); ``--learners 1000000``
for the full run, ``--databases sqlite`` or ``postgresql`` for one of them. A million learners take long to build:
``--folder DIR --phase build`` builds and keeps the databases, ``--folder DIR --phase measure`` measures them later
(on the code of that moment; migrations that came meanwhile are applied first).

For each database a fresh one is migrated and loaded with the real content, then with 10,000 learners × 5
enrollments (``learnapp population``'s generator, seed 1) and copied: that copy is the 10,000-learner database. The
population then grows to N (seed 2 adds the rest). The same figures are taken on both databases back to back, so
each N figure stands beside its own 10,000 one under the same load, and the ratio says how much the size of the
tables costs:

* ``record completion``: a first-time completion of the next lesson of a learner's unfinished course (each run a
  different learner), through ``record_completion``: the click; ``record completion, finishing a course``: the same
  for learners one lesson from the end. The two kinds are measured apart, in the same numbers at both sizes;
* ``My Learning``: ``dashboard`` and ``learner_stats`` of a learner (each run another learner);
* ``admin course``, ``admin pathway``, ``admin overview``: ``course_stats``, ``pathway_stats``, ``overview``: every
  figure comes from the statistics counters (a few rows whatever N), but the exact median, which walks the
  finishers of one 64th of one fine bucket of time to complete;
* ``recalculate course``: every learner of one course recomputed in batches of 1,000 (a repair run), learners/s;
* the floor, ``floor: a learner's rows (raw SQL)``: for learners no other measure reads, one indexed count of their
  rows in each table a click writes into. Where the database is larger than what the machine keeps in memory (a
  million learners: SQLite 18 GB, PostgreSQL more, on 24 GB), the pages a click writes into come from the disk,
  and so do these;
* what the machine read from its disks during the learner measures and during the recalculation (MB, every process).

SQLite runs with the served app's background WAL checkpointer. ``--shift`` moves the learners picked, so that a
re-run on the same databases meets learners whose pages no earlier run brought into memory. ``--warm`` reads each
database's files once before its measures, as a server that has been up a while holds a database that fits in its
memory; PostgreSQL's tables first and its indexes last, so that where the database does not fit (a million learners
on this machine), what stays in memory is the indexes every click goes through, as on a server whose clicks keep
them there. Without it, what the page cache holds is whatever the build and earlier runs left there.

PostgreSQL is Debian's server on a unix socket in the folder (``bench/scale_databases.py``, durability off as in the
tests). Results go to ``bench/results/scale.json`` (``--results``) with the load average they were taken under.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from rich.table import Table
from sqlalchemy import bindparam, text

from bench.completion import Phase, console, interleave
from bench.scale_databases import BASE, build, built, urls
from bench.scale_warm import database_files, read_through
from learnapp.persistence.checkpoint import Checkpointer
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.admin.stats import course_stats, overview, pathway_stats
from learnapp.services.engine.completion import record_completion
from learnapp.services.learning.dashboard import dashboard
from learnapp.services.learning.my_stats import learner_stats
from learnapp.services.learning.progress import next_lesson
from learnapp.services.operations.population import PopulationReport
from learnapp.services.operations.recalculate import RecalcOptions, recalculate

COURSE, PATHWAY = "algorithms-in-depth", "python-developer"
RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
FLOOR = "floor: a learner's rows (raw SQL)"
CLICK, FINISHING = "record completion", "record completion, finishing a course"
LEARNER_MEASURES = (CLICK, FINISHING, "My Learning", FLOOR)
# The floor reads, for a learner no measure touched, the index ranges a click writes into (their pages come from the
# disk when the database is larger than memory, as the click's do): the cost of the size itself, without our code.
FLOOR_SQL = tuple(
    text(f"SELECT count(*) FROM {table} WHERE learner_id = :learner")  # nosec B608 - the tables are constants
    for table in ("enrollment", "lesson_completion", "progress_history", "activity_day", "outbox_event")
)
ADMIN_MEASURES = ("admin course", "admin pathway", "admin overview")


def clicks(
    db: Database, report: PopulationReport, counts: tuple[int, int], shift: int = 0
) -> tuple[list[tuple[int, str, str]], list[tuple[int, str, str]]]:
    """(learner, course, next lesson) of learners spread over the population just made, one click each: `counts[0]`
    whose click leaves the course unfinished, `counts[1]` whose click finishes it. Fixed numbers of each kind at
    every size: a finishing click also moves the finisher counters and queues the certificate, so it costs a few
    times more, and how many of the learners drawn happen to be one lesson from the end differs between populations
    (which moved the p95 of one mixed measure by 2-4× between runs). Read by learner id, in windows."""
    wanted = sum(counts)
    step = max(1, (report.last_learner_id - report.first_learner_id) // (40 * wanted))
    ids = list(range(report.first_learner_id + shift, report.last_learner_id + 1, step))
    picked: tuple[list[tuple[int, str, str]], list[tuple[int, str, str]]] = ([], [])
    query = text(
        "SELECT e.learner_id, c.slug, e.completed, e.total FROM enrollment e JOIN course c ON c.id = e.course_id"
        " WHERE e.learner_id IN :ids AND NOT e.is_complete AND e.total > 0 ORDER BY e.learner_id, e.course_id"
    ).bindparams(bindparam("ids", expanding=True))
    for window in range(0, len(ids), 2000):
        with db.snapshot() as conn:
            rows = conn.execute(query, {"ids": ids[window : window + 2000]}).all()
        seen: set[int] = set()
        for learner, course, completed, total in rows:
            finishes = int(completed == total - 1)
            kind = picked[finishes]
            if learner in seen or len(kind) >= counts[finishes]:
                continue
            lesson = next_lesson(db, learner, course)
            if lesson:
                seen.add(learner)
                kind.append((learner, course, lesson))
        if all(len(kind) >= count for kind, count in zip(picked, counts, strict=True)):
            break
    return picked


def untouched(report: PopulationReport, count: int, taken: set[int], shift: int = 0) -> list[int]:
    """`count` learners spread over the population, none of `taken`: the floor's, read by no other measure."""
    step = max(1, (report.last_learner_id - report.first_learner_id) // (count + 1))
    found = range(report.first_learner_id + step // 2 + shift, report.last_learner_id + 1, step)
    return [learner for learner in found if learner not in taken][:count]


def disk_read() -> int:
    """Bytes this machine read from its disks so far (every process: the database server's reads count too). What
    the measures read from the disk, not from the page cache, says whether the database still fits in memory."""
    counters = psutil.disk_io_counters()
    return int(counters.read_bytes) if counters else 0


def raw_rows(db: Database, learner: int) -> None:
    with db.engine.connect() as conn:
        for statement in FLOOR_SQL:
            conn.execute(statement, {"learner": learner}).scalar()


def measure(
    db: Database, report: PopulationReport, counts: tuple[int, int, int], warmup: int, shift: int = 0
) -> dict[str, Any]:
    runs, finishing_runs, admin_runs = counts
    items, finishing = clicks(db, report, (warmup + runs, warmup + finishing_runs), shift)
    # Every run finishes the courses it clicks in: the small database runs out of learners one lesson from the end
    # after a few runs (the measures write, as clicks do).
    for kind, found, wanted in ((CLICK, items, warmup + runs), (FINISHING, finishing, warmup + finishing_runs)):
        if len(found) < wanted:
            raise SystemExit(
                f"{kind}: only {len(found):,} learners left for {wanted:,} clicks in this database;"
                " build the databases again (--phase build), or ask for fewer (--runs, --finishing-runs, --warmup)"
            )
    readers = [learner for learner, _, _ in items]
    taken = set(readers) | {learner for learner, _, _ in finishing}
    click = lambda item: record_completion(db, item[0], item[2], "ui")  # noqa: E731 - one call, two measures
    learner_phases = [
        Phase(CLICK, items, click, warmup),
        Phase(FINISHING, finishing, click, warmup),
        Phase("My Learning", readers, lambda learner: (dashboard(db, learner), learner_stats(db, learner)), warmup),
        Phase(FLOOR, untouched(report, len(items), taken, shift), lambda learner: raw_rows(db, learner), warmup),
    ]
    read_before = disk_read()
    figures = {f.name: f for f in interleave(learner_phases, 5)}
    learner_reads = disk_read() - read_before
    admin: dict[str, Callable[[Any], object]] = {
        "admin course": lambda _: course_stats(db, COURSE),
        "admin pathway": lambda _: pathway_stats(db, PATHWAY),
        "admin overview": lambda _: overview(db),
    }
    admin_phases = [Phase(name, range(1 + admin_runs), call, 1) for name, call in admin.items()]
    figures |= {f.name: f for f in interleave(admin_phases, 1)}
    read_before = disk_read()
    with tempfile.TemporaryDirectory(prefix="learnapp-scale-runs-") as runs_dir:
        repaired = recalculate(db, RecalcOptions(course=COURSE, batch_size=1000), Path(runs_dir), "bench")
    recalc_reads = disk_read() - read_before
    return {
        "figures": figures,
        "recalc": {
            "learners": repaired.total,
            "seconds": round(repaired.duration_seconds, 2),
            "disk_read_mb": round(recalc_reads / 2**20, 1),
        },
        "learner_measures_disk_read_mb": round(learner_reads / 2**20, 1),
        "load": round(os.getloadavg()[0], 2),
    }


def run(
    kind: str, folder: Path, runs: tuple[int, int, int], warmup: int, shift: int = 0, warm: bool = False
) -> dict[Any, Any]:
    """The measures on the 10,000-learner database, then on the large one, back to back (built before); with
    `warm`, each database's files are read once first."""
    made = built(kind, folder)
    learners = made["learners"]
    console.rule(f"{kind}: {BASE:,} and {learners:,} learners × 5 enrollments")
    result: dict[Any, Any] = {key: made[key] for key in ("learners", "build_seconds", "load_average_after_build")}
    result["completions"] = {BASE: made["reports"]["base"].completions, learners: made["reports"]["large"].completions}
    with urls(kind, folder) as where:
        for size, key in ((BASE, "base"), (learners, "large")):
            upgrade(where[key])  # migrations that came after the build
            db = Database(where[key])
            console.print(f"  {size:,} learners")
            warmed = read_through(database_files(db)) if warm else None
            checkpointer = Checkpointer(db).start()  # as in the served app: the WAL is copied back off the clicks
            try:
                result[size] = measure(db, made["reports"][key], runs, warmup, shift) | {"warmed": warmed}
            finally:
                checkpointer.stop()
            db.dispose()
    return result


def _rate(result: dict[str, Any]) -> float:
    return result["recalc"]["learners"] / max(result["recalc"]["seconds"], 1e-9)


def report(kind: str, learners: int, result: dict[Any, Any]) -> Table:
    small, large = result[BASE], result[learners]
    table = Table(title=f"{kind}: {learners:,} learners beside {BASE:,} (ms)", title_justify="left")
    for header in ("measure", f"p50 {BASE // 1000}k", f"p95 {BASE // 1000}k", "p50 N", "p95 N", "ratio p95"):
        table.add_column(header, justify="left" if header == "measure" else "right")
    for name in (*LEARNER_MEASURES, *ADMIN_MEASURES):
        a, b = small["figures"][name], large["figures"][name]
        table.add_row(name, f"{a.p50:.1f}", f"{a.p95:.1f}", f"{b.p50:.1f}", f"{b.p95:.1f}", f"{b.p95 / a.p95:.2f}×")
    rate_small, rate_large = _rate(small), _rate(large)
    table.add_row(
        "recalculate course (learners/s)",
        f"{small['recalc']['learners']:,}",
        f"{rate_small:,.0f}/s",
        f"{large['recalc']['learners']:,}",
        f"{rate_large:,.0f}/s",
        f"{rate_large / rate_small:.2f}×",
    )
    for label, read in (
        ("disk read: the learner measures (MB)", lambda part: part["learner_measures_disk_read_mb"]),
        ("disk read: the recalculation (MB)", lambda part: part["recalc"]["disk_read_mb"]),
    ):
        table.add_row(label, "", f"{read(small):,.1f}", "", f"{read(large):,.1f}", "")
    if small.get("warmed") and large.get("warmed"):
        table.add_row(
            "read into memory first (GB, s)",
            f"{small['warmed']['gb']:,.1f}",
            f"{small['warmed']['seconds']:.0f} s",
            f"{large['warmed']['gb']:,.1f}",
            f"{large['warmed']['seconds']:.0f} s",
            "",
        )
    return table


def summary(result: dict[Any, Any], learners: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "build_seconds": result["build_seconds"],
        "build_completions": {str(k): v for k, v in result["completions"].items()},
        "load_average_after_build": result["load_average_after_build"],
    }
    for size in (BASE, learners):
        part = result[size]
        out[str(size)] = {
            "measures": {name: f.summary() for name, f in part["figures"].items()},
            "recalculate": part["recalc"] | {"learners_per_second": round(_rate(part), 1)},
            "learner_measures_disk_read_mb": part["learner_measures_disk_read_mb"],
            "read_into_memory_first": part.get("warmed"),
            "load_average_1min_after": part["load"],
        }
    out["ratio_p95"] = {
        name: round(result[learners]["figures"][name].p95 / result[BASE]["figures"][name].p95, 2)
        for name in (*LEARNER_MEASURES, *ADMIN_MEASURES)
    }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000, help="the large size (default 100,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--runs", type=int, default=200, help="timed clicks and My Learning reads per size")
    parser.add_argument("--finishing-runs", type=int, default=100, help="timed clicks that finish a course, per size")
    parser.add_argument("--admin-runs", type=int, default=10, help="timed runs of each admin page per size")
    parser.add_argument("--warmup", type=int, default=20, help="untimed clicks and reads first")
    parser.add_argument(
        "--shift", type=int, default=0, help="pick learners this many ids on (a re-run meets learners not yet read)"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="read each database's files once before its measures, indexes last (a warm server)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes (one file per run)")
    parser.add_argument("--folder", type=Path, help="keep the databases here (default: a temp folder, removed)")
    parser.add_argument("--phase", choices=("all", "build", "measure"), default="all", help="build, measure or both")
    args = parser.parse_args(argv)
    if args.learners <= BASE:
        parser.error(f"--learners must be more than {BASE:,}")
    if args.phase != "all" and args.folder is None:
        parser.error("--phase build or measure needs --folder (where the databases stay between the phases)")
    logging.getLogger("learnapp").setLevel(logging.WARNING)
    started = time.perf_counter()
    kinds = args.databases.split(",")
    results, tables = {}, []
    with _folder(args.folder) as folder:
        if args.phase != "measure":
            for kind in kinds:
                console.rule(f"{kind}: building {BASE:,} then {args.learners:,} learners × 5 enrollments")
                build(kind, folder, args.learners)
        if args.phase == "build":
            return 0
        for kind in kinds:
            runs = (args.runs, args.finishing_runs, args.admin_runs)
            results[kind] = run(kind, folder, runs, args.warmup, args.shift, args.warm)
            tables.append(report(kind, results[kind]["learners"], results[kind]))
            console.print(tables[-1])
    console.rule("results")
    for table in tables:
        console.print(table)
    for kind, result in results.items():
        made = ", ".join(f"{int(size):,} in {seconds:.0f} s" for size, seconds in result["build_seconds"].items())
        console.print(f"  {kind} population built: {made} (the second figure adds the learners beyond {BASE:,})")
    console.print(f"  load average (1 min) now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out = {
        "benchmark": "scale",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "parameters": vars(args) | {"base": BASE, "course": COURSE, "pathway": PATHWAY},
        "databases": {kind: summary(result, result["learners"]) for kind, result in results.items()},
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(out, indent=2, default=str) + "\n")
    console.print(f"  results written to {args.results}")
    return 0


@contextmanager
def _folder(kept: Path | None) -> Iterator[Path]:
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        yield kept
        return
    with tempfile.TemporaryDirectory(prefix="learnapp-scale-") as tmp:
        yield Path(tmp)


if __name__ == "__main__":
    sys.exit(main())
