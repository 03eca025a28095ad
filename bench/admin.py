"""Benchmark: the admin statistics at 1,000 and 10,000 learners × 5 enrollments, beside a raw-SQL floor.

Run with ``cd /work/main && .venv/bin/python -m bench.admin``.

For each size a fresh SQLite file (temporary directory) is migrated, loaded with the real content and a
population from ``services.population`` (seed 1, every learner in all 5 demo courses, completions over 90
days). Then, interleaved in chunks so background load falls on a figure and its floor alike:

* ``stats page``: what the admin course page's on_load does on the server for the 220-lesson course: the
  session lookup, the admin's own live-sync snapshot, and ``course_stats`` (SPEC §10: p95 ≤ 300 ms at 10,000);
* ``course_stats``, ``pathway_stats``, ``overview``: each service alone;
* the floor of each service: the very SQL statements it sent (captured from one call), replayed on the
  ``sqlite3`` module in one read transaction, with no Python work around them.

Linear means the 10,000 figure is about 10× the 1,000 one. Results go to ``bench/results/admin.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import event

from bench.completion import Figure, Phase, connect, console, interleave
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.accounts.learners import create_learner
from learnapp.services.accounts.sessions import session_account, start_session
from learnapp.services.admin.stats import course_stats, overview, pathway_stats
from learnapp.services.content.apply import import_content
from learnapp.services.learning.snapshot import learner_snapshot
from learnapp.services.notices.bell import notifications
from learnapp.services.operations.population import generate_population
from learnapp.settings import ROOT

SIZES = (1_000, 10_000)
COURSE, PATHWAY = "algorithms-in-depth", "python-developer"
PAGE_BUDGET_MS = 300.0
RESULTS = Path(__file__).resolve().parent / "results" / "admin.json"


def build(directory: Path, learners: int) -> tuple[Database, Path, str]:
    """A migrated database with the content, an admin with a session, and the population."""
    path = directory / f"admin-{learners}.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    import_content(db, ROOT / "content")
    admin = create_learner(db, "bench-admin@example.com", "Bench Admin", "bench-admin-password", "admin")
    token = start_session(db, admin.id)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"population of {learners:,}", total=learners)
        generate_population(db, learners, seed=1, enrollments=5, on_progress=lambda n, _: bar.update(task, completed=n))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, path, token


def captured(db: Database, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) one call sends to the driver."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return sent


def floor_of(path: Path, statements: list[tuple[str, Any]]) -> Callable[[int], None]:
    """Replay the statements on sqlite3 in one read transaction, fetching every row."""
    conn = connect(path)
    queries = [(s, p) for s, p in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]

    def run(_: int) -> None:
        conn.execute("BEGIN")
        for statement, parameters in queries:
            conn.execute(statement, parameters).fetchall()
        conn.execute("ROLLBACK")

    return run


def measure(db: Database, path: Path, token: str, runs: int, warmup: int, chunk: int) -> dict[str, Figure]:
    account = session_account(db, token)
    assert account is not None and account.role == "admin"

    def page(_: int) -> None:
        # NodeStatsState.load_course: the admin check, the admin's live-sync snapshot, then the statistics.
        who = session_account(db, token)
        assert who is not None
        learner_snapshot(db, who.id)
        notifications(db, who.id)
        course_stats(db, COURSE)

    calls: dict[str, Callable[[], object]] = {
        "course_stats": lambda: course_stats(db, COURSE),
        "pathway_stats": lambda: pathway_stats(db, PATHWAY),
        "overview": lambda: overview(db),
    }
    items = list(range(warmup + runs))
    phases = [Phase("stats page", items, page, warmup)]
    for name, call in calls.items():
        call()
        phases.append(Phase(name, items, partial(_call, call), warmup))
        phases.append(Phase(f"{name} floor", items, floor_of(path, captured(db, call)), warmup))
    return {figure.name: figure for figure in interleave(phases, chunk)}


def _call(call: Callable[[], object], _item: object) -> object:
    return call()


def report(results: dict[int, dict[str, Figure]]) -> Table:
    small, big = (results[size] for size in SIZES)
    table = Table(title=f"learnapp admin statistics benchmark (ms; {COURSE} = 220 lessons)", title_justify="left")
    for header in ("measure", "learners", "p50", "p95", "floor p50", "floor p95", "÷ floor p95", "10k ÷ 1k p50"):
        table.add_column(header, justify="left" if header == "measure" else "right")
    for name in ("stats page", "course_stats", "pathway_stats", "overview"):
        floor = f"{name} floor" if name != "stats page" else "course_stats floor"
        for size, figures in ((SIZES[0], small), (SIZES[1], big)):
            f, fl = figures[name], figures[floor]
            growth = f"{big[name].p50 / small[name].p50:.1f}×" if size == SIZES[1] else ""
            table.add_row(
                name,
                f"{size:,}",
                f"{f.p50:.1f}",
                f"{f.p95:.1f}",
                f"{fl.p50:.1f}",
                f"{fl.p95:.1f}",
                f"{f.p95 / fl.p95:.2f}×",
                growth,
            )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.admin", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs per measure and size (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--chunk", type=int, default=5, help="runs per turn when measures alternate (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="where to create the databases (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.getLogger("learnapp").setLevel(logging.WARNING)
    started = time.perf_counter()
    results: dict[int, dict[str, Figure]] = {}
    loads: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="learnapp-bench-admin-", dir=args.dir) as tmp:
        for size in SIZES:
            console.rule(f"{size:,} learners × 5 enrollments")
            db, path, token = build(Path(tmp), size)
            before = os.getloadavg()
            results[size] = measure(db, path, token, args.runs, args.warmup, args.chunk)
            loads[size] = [round(before[0], 2), round(os.getloadavg()[0], 2)]
            db.dispose()
    console.rule("results")
    console.print(report(results))
    page = results[SIZES[1]]["stats page"]
    passed = page.p95 <= PAGE_BUDGET_MS
    verdict = "[green]PASS[/]" if passed else "[red bold]OVER[/]"
    console.print(
        f"  stats page at {SIZES[1]:,} learners: p95 {page.p95:.1f} ms, budget {PAGE_BUDGET_MS:g} ms: {verdict}"
    )
    console.print(f"  load average (1 min) before/after timing: {loads} on {os.cpu_count()} CPUs")
    out = {
        "benchmark": "admin",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min": loads,
        },
        "parameters": {
            "sizes": SIZES,
            "enrollments_per_learner": 5,
            "course": COURSE,
            "runs": args.runs,
            "warmup": args.warmup,
        },
        "measures": {
            str(size): {name: f.summary() for name, f in figures.items()} for size, figures in results.items()
        },
        "growth_p50_10k_over_1k": {
            name: round(results[SIZES[1]][name].p50 / results[SIZES[0]][name].p50, 2) for name in results[SIZES[0]]
        },
        "budget": {"stats_page_p95_ms": PAGE_BUDGET_MS, "result": "PASS" if passed else "OVER"},
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"  results written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
