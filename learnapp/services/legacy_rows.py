"""Services: read a flat legacy progress export (CSV or JSON) and check every row against the catalog."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learnapp.domain.content import Catalog

FIELDS = ("email", "pathway", "module", "completed_at")


@dataclass(frozen=True)
class LegacyRow:
    number: int  # 1-based data row (a CSV header is row 0)
    email: str
    pathway: str
    module: str
    completed_at: datetime
    lesson: str | None


@dataclass(frozen=True)
class Rejection:
    number: int
    reason: str


def read_rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("a JSON export must be a list of objects")
        return [row if isinstance(row, dict) else {} for row in data]
    return list(csv.DictReader(text.splitlines()))


def check_row(number: int, raw: dict[str, Any], catalog: Catalog, learners: dict[str, int]) -> LegacyRow | Rejection:
    """A row is imported only if its learner, pathway, module (and lesson) exist and its time is exact."""
    missing = [f for f in FIELDS if not str(raw.get(f) or "").strip()]
    if missing:
        return Rejection(number, f"missing {', '.join(missing)}")
    email = str(raw["email"]).strip().lower()
    if email not in learners:
        return Rejection(number, f"unknown learner {email}")
    pathway = catalog.pathway(str(raw["pathway"]).strip())
    if pathway is None:
        return Rejection(number, f"unknown pathway {raw['pathway']}")
    modules = {m.slug: m for c in pathway.courses for m in c.modules}
    module = modules.get(str(raw["module"]).strip())
    if module is None:
        return Rejection(number, f"module {raw['module']} is not in pathway {pathway.slug}")
    lesson = str(raw.get("lesson") or "").strip() or None
    if lesson is not None and lesson not in {x.slug for x in module.lessons if x.countable}:
        return Rejection(number, f"lesson {lesson} is not a countable lesson of module {module.slug}")
    moment = _moment(str(raw["completed_at"]).strip())
    if isinstance(moment, str):
        return Rejection(number, moment)
    return LegacyRow(number, email, pathway.slug, module.slug, moment, lesson)


def _moment(text: str) -> datetime | str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return f"completed_at {text!r} is not an ISO 8601 time"
    if moment.tzinfo is None:
        return f"completed_at {text!r} has no time zone: the time would drift"
    if moment > datetime.now(UTC):
        return f"completed_at {text!r} is in the future"
    return moment.astimezone(UTC)
