"""Services: a legacy import's report: every source row with its outcome and reason, and a summary per learner."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from learnapp.services.operations.legacy_rows import LegacyRow, Rejection

ROW_COLUMNS = ("number", "email", "pathway", "module", "lesson", "outcome", "reason", "imported", "already_present")
LEARNER_COLUMNS = (
    "email",
    "rows",
    "imported",
    "already_present",
    "rejected",
    "courses_newly_complete",
    "certificates_queued",
)


@dataclass
class LearnerSummary:
    email: str
    rows: int = 0
    imported: int = 0  # lesson completions created
    already_present: int = 0
    rejected: int = 0  # rows
    courses_newly_complete: list[str] = field(default_factory=list)
    certificates_queued: int = 0  # courses and pathways this import completes for the first time


@dataclass
class RowOutcome:
    number: int
    email: str
    pathway: str
    module: str
    lesson: str
    outcome: str = ""  # imported, partly imported, already present, rejected, skipped, not imported
    reason: str = ""
    imported: int = 0
    already_present: int = 0

    def settle(self) -> None:
        """The row's outcome from the lessons it created and found (a module row stands for its lessons)."""
        total = self.imported + self.already_present
        if self.already_present == 0:
            self.outcome, self.reason = "imported", f"{self.imported} lesson completion(s) created"
        elif self.imported == 0:
            self.outcome, self.reason = "already present", f"all {total} lesson(s) were already completed"
        else:
            self.outcome = "partly imported"
            self.reason = f"{self.imported} of {total} lesson(s) created; the others were already completed"


def outcome_of(raw: dict[str, Any], checked: LegacyRow | Rejection) -> RowOutcome:
    def text(key: str) -> str:
        return str(raw.get(key) or "").strip()

    row = RowOutcome(checked.number, text("email").lower(), text("pathway"), text("module"), text("lesson"))
    if isinstance(checked, Rejection):
        row.outcome, row.reason = "rejected", checked.reason
    return row


def summarize(rows: list[RowOutcome], learners: dict[str, LearnerSummary]) -> list[LearnerSummary]:
    """Per learner (by the email the rows give), sorted by email; learners the import worked on carry their impact."""
    for row in rows:
        summary = learners.setdefault(row.email, LearnerSummary(row.email))
        summary.rows += 1
        summary.rejected += row.outcome == "rejected"
        summary.imported += row.imported
        summary.already_present += row.already_present
    return [learners[email] for email in sorted(learners)]


def write_files(report: Any, folder: Path) -> list[Path]:
    """report.json (everything), rows.csv (every source row) and learners.csv (the per-learner summary)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = asdict(report)
    files = [folder / "report.json", folder / "rows.csv", folder / "learners.csv"]
    files[0].write_text(json.dumps(data, indent=2, default=str))
    files[1].write_text(_csv(ROW_COLUMNS, data["outcomes"]))
    learners = [{**s, "courses_newly_complete": " ".join(s["courses_newly_complete"])} for s in data["per_learner"]]
    files[2].write_text(_csv(LEARNER_COLUMNS, learners))
    return files


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    # A cell a spreadsheet would run as a formula (a hostile email or slug in the source file) is quoted as text.
    writer.writerows(
        {k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" and v else v for k, v in r.items()} for r in rows
    )
    return out.getvalue()
