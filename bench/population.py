"""Benchmark: ``learnapp population``'s generator beside the floor, the same rows written by the database alone.

Run with ``cd /work/main && .venv/bin/python -m bench.population`` (not part of ``make test``); ``--learners N``
(default 100,000; issue 20's goals: 100,000 in at most 90 s, 1,000,000 in at most 15 min), ``--databases sqlite``
or ``postgresql`` for one of them, ``--enrollments`` per learner (default 5).

For each database a fresh one is migrated and loaded with the real content, then ``generate_population`` (seed 1)
writes N learners, timed end to end (planning in Python, encoding, the bulk statements, the statistics counters),
with the process's CPU time, on PostgreSQL the server's CPU time (its processes' figures in /proc), and the load
average before and after. The database then settles (bench/scale_databases.py's ``settle``, timed apart).

The floor, in the same run on the same database: each table the population wrote (learner, enrollment,
pathway_enrollment, lesson_completion, progress_history, activity_day, stat_counter) gets an empty copy with the
same columns and indexes (PostgreSQL ``LIKE ... INCLUDING INDEXES``; SQLite the table's own CREATE TABLE and
CREATE INDEX renamed) and is filled with ``INSERT INTO copy SELECT * FROM table``: the very rows, written by the
database without our Python, under the population's bulk settings and without foreign-key checks or triggers
(bench/population_floor.py). Each copy is timed, then dropped. The ratio population / floor says what the
generator costs beyond the database's own writing. Last, ``stats verify``'s recount of every counter, timed, with
its difference count (0, or the run fails).

PostgreSQL is Debian's server on a unix socket in a temp folder (durability off as in the tests). Results go to
``bench/results/population.json`` (``--results``) with the machine's facts and the load average.
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress
from rich.table import Table

from bench.completion import console
from bench.population_floor import TABLES, Copied, floor, postmaster, row_counts, server_cpu
from bench.scale_databases import bar_columns, kept_postgres, settle
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.admin.stats_verify import verify
from learnapp.services.content.apply import import_content
from learnapp.services.operations.population import generate_population
from learnapp.settings import ROOT
from tests.backing import create_database

RESULTS = Path(__file__).resolve().parent / "results" / "population.json"
SEED = 1
NAME = "population"


@contextmanager
def fresh(kind: str, folder: Path) -> Iterator[Database]:
    """A migrated database with the real content and no learner (PostgreSQL: its cluster running meanwhile)."""
    with _url(kind, folder) as url:
        upgrade(url)
        db = Database(url)
        try:
            import_content(db, ROOT / "content")
            yield db
        finally:
            db.dispose()


@contextmanager
def _url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{NAME}.db'}"
        return
    with kept_postgres(folder / "pg") as admin:
        yield create_database(admin, NAME)


def populate(db: Database, learners: int, enrollments: int) -> dict[str, Any]:
    """generate_population timed end to end, with the CPU it took here and in the server, and the load around it."""
    server = postmaster(db)
    load_before, server_before, cpu_before = os.getloadavg(), server_cpu(server), time.process_time()
    started = time.perf_counter()
    with Progress(*bar_columns(), console=console) as bar:
        task = bar.add_task(f"population {learners:,}", total=learners)
        report = generate_population(
            db, learners, seed=SEED, enrollments=enrollments, on_progress=lambda n, _: bar.update(task, completed=n)
        )
    seconds = time.perf_counter() - started
    cpu, server_after = time.process_time() - cpu_before, server_cpu(server)
    return {
        "seconds": round(seconds, 2),
        "report": asdict(report),
        "process_cpu_seconds": round(cpu, 2),
        "server_cpu_seconds": _spent(server_before, server_after),
        "load_average_before": _load(load_before),
        "load_average_after": _load(os.getloadavg()),
    }


def run(kind: str, folder: Path, learners: int, enrollments: int) -> dict[str, Any]:
    """Population, settle, verify's recount, floor: one fresh database, back to back."""
    console.rule(f"{kind}: {learners:,} learners × {enrollments} enrollments")
    with fresh(kind, folder) as db:
        before = row_counts(db)
        if any(before.values()):  # the floor copies whole tables: these rows are in it too
            console.print(f"[bold yellow]  rows before the population: {before}")
        result = populate(db, learners, enrollments)
        console.print(f"  population: {result['seconds']:.1f} s (load {result['load_average_after'][0]:.1f})")
        started = time.perf_counter()
        settle(db)
        result["settle_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        nodes, differences = verify(db)
        result["verify"] = {"seconds": round(time.perf_counter() - started, 2), "nodes": nodes}
        result["verify"]["differences"] = len(differences)
        if differences:
            console.print(f"[bold red]  STATS VERIFY FOUND {len(differences)} DIFFERENCES, e.g. {differences[:3]}")
        server = postmaster(db)
        server_before, load_before = server_cpu(server), os.getloadavg()
        copied = floor(db)
        server_after = server_cpu(server)
    result["rows_before"] = before
    result["floor"] = {
        "seconds": round(sum(c.seconds for c in copied), 2),
        "tables": {c.table: {"rows": c.rows, "seconds": round(c.seconds, 4), "indexes": c.indexes} for c in copied},
        "server_cpu_seconds": _spent(server_before, server_after),
        "load_average_before": _load(load_before),
        "load_average_after": _load(os.getloadavg()),
    }
    result["ratio"] = round(result["seconds"] / max(result["floor"]["seconds"], 1e-9), 2)
    return result


def report(kind: str, learners: int, result: dict[str, Any]) -> Table:
    floor_part = result["floor"]
    table = Table(title=f"{kind}: {learners:,} learners, the floor per table", title_justify="left")
    for header in ("table", "rows", "indexes", "floor s", "floor rows/s"):
        table.add_column(header, justify="left" if header == "table" else "right")
    for name in TABLES:
        copied = Copied(name, **floor_part["tables"][name])
        rate = f"{copied.rows / copied.seconds:,.0f}" if copied.seconds else "-"  # too quick for the JSON's rounding
        table.add_row(name, f"{copied.rows:,}", str(copied.indexes), f"{copied.seconds:.2f}", rate)
    total, seconds = sum(t["rows"] for t in floor_part["tables"].values()), floor_part["seconds"]
    table.add_row("total", f"{total:,}", "", f"{seconds:.2f}", f"{total / max(seconds, 1e-9):,.0f}")
    return table


def facts(kind: str, result: dict[str, Any]) -> list[str]:
    """The lines printed under a database's table: the figure, the floor and their ratio, CPU, load, verify."""
    server = result["server_cpu_seconds"]
    cpu = f"  population CPU: {result['process_cpu_seconds']:.1f} s in this process"
    if server is not None:
        cpu += f", {server:.1f} s in the server (the floor: {result['floor']['server_cpu_seconds']} s)"
    load = result["load_average_before"][0], result["load_average_after"][0], result["floor"]["load_average_after"][0]
    check = result["verify"]
    verdict = "0 differences" if not check["differences"] else f"[bold red]{check['differences']} DIFFERENCES[/]"
    return [
        f"  [bold]population {result['seconds']:.1f} s, floor {result['floor']['seconds']:.1f} s,"
        f" ratio {result['ratio']:.2f}×[/]",
        cpu,
        f"  load average (1 min): {load[0]:.2f} before, {load[1]:.2f} after the population,"
        f" {load[2]:.2f} after the floor",
        f"  settle (bench.scale_databases.settle): {result['settle_seconds']:.1f} s",
        f"  stats verify: {check['seconds']:.1f} s over {check['nodes']} nodes, {verdict}",
    ]


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def _load(averages: tuple[float, float, float]) -> list[float]:
    return [round(x, 2) for x in averages]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.population", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000, help="learners to generate (default 100,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--enrollments", type=int, default=5, help="course enrollments per learner (default 5)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    kinds = args.databases.split(",")
    if args.learners < 1 or args.enrollments < 1:
        parser.error("--learners and --enrollments must be at least 1")
    if unknown := set(kinds) - {"sqlite", "postgresql"}:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    logging.getLogger("learnapp").setLevel(logging.WARNING)
    started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="learnapp-population-") as tmp:
            os.chmod(tmp, 0o755)  # nosec B103 - PostgreSQL's server user must reach its cluster's folder inside
            results[kind] = run(kind, Path(tmp), args.learners, args.enrollments)
    console.rule("results")
    for kind, result in results.items():
        console.print(report(kind, args.learners, result))
        for line in facts(kind, result):
            console.print(line)
    console.print(f"  load average (1 min) now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out = {
        "benchmark": "population",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "parameters": vars(args) | {"seed": SEED},
        "databases": results,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(out, indent=2, default=str) + "\n")
    console.print(f"  results written to {args.results}")
    return 1 if any(result["verify"]["differences"] for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
