"""Benchmark: recalculate N learners × 5 enrollments at two sizes, beside a set-based raw-SQL recount."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.content.apply import import_content
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.population import generate_population
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.settings import ROOT

SIZES = (1_000, 10_000)
BUDGET_SECONDS = 10.0
# Issues 14 and 18: at 10,000 learners the repair run (rollback data kept) stays within 4× the raw SQL recount.
FLOOR_BUDGET, FLOOR_AT = 4.0, 10_000
console = Console()

# The floor: the same recount as one set-based statement, straight on sqlite3 (no per-learner rules).
RAW_RECOUNT = """
UPDATE enrollment SET completed = (
    SELECT count(*) FROM lesson_completion AS lc
    JOIN lesson AS l ON l.id = lc.lesson_id
    JOIN course_module AS cm ON cm.module_id = l.module_id
    WHERE lc.learner_id = enrollment.learner_id AND cm.course_id = enrollment.course_id
      AND l.preview = 0 AND l.retired = 0
)
"""
WIPE = "UPDATE enrollment SET completed = 0, percent = 0, is_complete = 0, completed_at = NULL"


def populated(folder: Path, learners: int) -> Path:
    path = folder / f"recalc-{learners}.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    import_content(db, ROOT / "content")
    with console.status(f"generating {learners:,} learners × 5 enrollments"):
        generate_population(db, learners, 7, 5, 90)
    db.dispose()
    return path


def raw(path: Path, sql: str) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    connection.execute(sql)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def measure(folder: Path, learners: int) -> dict[str, float | int]:
    path = populated(folder, learners)
    raw(path, WIPE)  # every stored row wrong: the repair run rewrites them all
    db = Database(f"sqlite:///{path}")
    load = os.getloadavg()[0]  # the machine is shared: a figure means little without the load it was taken under
    repair = recalculate(db, RecalcOptions(batch_size=1000), folder / "runs", "bench")
    again = recalculate(db, RecalcOptions(batch_size=1000), folder / "runs", "bench")
    db.dispose()
    floor = raw(path, RAW_RECOUNT)
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM enrollment").fetchone()[0]
    return {
        "learners": learners,
        "enrollments": rows,
        "repair_seconds": repair.duration_seconds,
        "rows_changed": repair.rows_changed,
        "rows_kept": repair.rows_kept,  # previous values kept for a rollback, committed with each batch
        "no_change_seconds": again.duration_seconds,
        "floor_seconds": round(floor, 3),
        "failed": repair.failed + again.failed,
        "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)],  # before the repair run, after the floor
    }


def import_throughput(folder: Path, learners: int = 1_000) -> dict[str, float | int]:
    """Rows per second of a legacy import: every generated learner, every module of the pathway, one row each."""
    path = folder / "import.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    import_content(db, ROOT / "content")
    generate_population(db, learners, 11, 1, 90)
    connection = sqlite3.connect(path)
    emails = [r[0] for r in connection.execute("SELECT email FROM learner ORDER BY id")]
    modules = [
        r[0]
        for r in connection.execute(
            "SELECT m.slug FROM module m JOIN course_module cm ON cm.module_id = m.id JOIN pathway_course pc"
            " ON pc.course_id = cm.course_id JOIN pathway p ON p.id = pc.pathway_id WHERE p.slug = 'python-developer'"
        )
    ]
    connection.close()
    export = folder / "legacy.csv"
    lines = [
        f"{e},python-developer,{m},2026-01-{1 + i % 28:02d}T09:00:00Z" for i, e in enumerate(emails) for m in modules
    ]
    export.write_text("email,pathway,module,completed_at\n" + "\n".join(lines) + "\n")
    started = time.perf_counter()
    report = import_progress(db, export, "bench")
    elapsed = time.perf_counter() - started
    db.dispose()
    return {
        "rows": report.rows,
        "facts": report.imported + report.already_present,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(report.rows / elapsed),
        "drift": report.drift,
        "rejected": len(report.rejected),
    }


def main() -> None:
    logging.getLogger("learnapp").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(Path(tmp), n) for n in SIZES]
        imported = import_throughput(Path(tmp))
    table = Table(
        "learners",
        "enrollments",
        "repair run s",
        "rows changed",
        "second run s",
        "raw SQL recount s",
        "÷ floor",
        f"≤ {FLOOR_BUDGET:g}× floor at {FLOOR_AT:,}",
        f"≤ {BUDGET_SECONDS:g} s",
        title="learnapp recalculate",
    )
    for r in results:
        ratio = float(r["repair_seconds"]) / max(float(r["floor_seconds"]), 1e-9)
        verdict = "OVER" if float(r["repair_seconds"]) > BUDGET_SECONDS else "PASS"
        table.add_row(
            f"{r['learners']:,}",
            f"{r['enrollments']:,}",
            f"{r['repair_seconds']:.2f}",
            f"{r['rows_changed']:,}",
            f"{r['no_change_seconds']:.2f}",
            f"{r['floor_seconds']:.3f}",
            f"{ratio:.2f}×",
            ("PASS" if ratio <= FLOOR_BUDGET else "OVER") if r["learners"] == FLOOR_AT else "-",
            verdict,
        )
    console.print(table)
    small, big = results
    growth = float(big["repair_seconds"]) / float(small["repair_seconds"])
    console.print(f"10× the learners took {growth:.1f}× the time (linear is 10×)")
    loads = ", ".join(f"{r['learners']:,}: {r['load_average_1min']}" for r in results)
    console.print(f"load average (1 min) before the repair run / after the floor: {loads} on {os.cpu_count()} CPUs")
    kept = ", ".join(f"{int(r['rows_kept']):,}" for r in results)
    console.print(f"rows kept for a rollback by the repair runs: {kept}")
    console.print(
        f"legacy import: {imported['rows']:,} rows ({imported['facts']:,} lesson completions)"
        f" in {imported['seconds']} s"
        f" = {imported['rows_per_second']:,} rows/s, drift {imported['drift']}, rejected {imported['rejected']}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "recalc.json").write_text(json.dumps({"results": results, "growth": growth, "import": imported}, indent=2))


if __name__ == "__main__":
    main()
