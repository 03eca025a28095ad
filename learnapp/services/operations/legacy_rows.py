"""Services: read a flat legacy progress export (CSV or JSON) and check every row against the catalog."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learnapp.domain.content import Catalog
from learnapp.services.errors import InvalidRequest

FIELDS = ("email", "pathway", "module", "completed_at")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # no learner completed anything in this app's content before then
SHOWN = 60  # characters of a bad value quoted back in a rejection


class MalformedFile(InvalidRequest):
    """The file as a whole cannot be read as a legacy export: nothing is imported, the run is recorded as failed."""


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
    """Every row as a mapping; a file that is not a CSV or JSON export with the expected columns is MalformedFile."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte order mark is not part of the header
    except UnicodeDecodeError as error:
        raise MalformedFile(
            f"{path.name} is not UTF-8 text (a binary file?): {error.reason} at byte {error.start}"
        ) from error
    except OSError as error:
        raise MalformedFile(f"{path.name} cannot be read: {error.strerror or error}") from error
    if "\x00" in text:
        raise MalformedFile(f"{path.name} contains NUL bytes: not a CSV or JSON export")
    if path.suffix.lower() == ".json":
        return _json_rows(path.name, text)
    return _csv_rows(path.name, text)


def _json_rows(name: str, text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedFile(
            f"{name} is not valid JSON (line {error.lineno} column {error.colno}: {error.msg})"
        ) from error
    except (ValueError, RecursionError):  # an integer of thousands of digits, or nesting thousands deep
        raise MalformedFile(f"{name} is not a legacy JSON export: a value too large or nested too deeply") from None
    if not isinstance(data, list):
        raise MalformedFile(f"{name}: a JSON export must be a list of objects")
    return [row if isinstance(row, dict) else {} for row in data]


def _csv_rows(name: str, text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(text.splitlines())
    try:
        header = [str(column).strip() for column in reader.fieldnames or []]
        missing = [f for f in FIELDS if f not in header]
        if missing:
            raise MalformedFile(
                f"{name} is not a legacy CSV export: the header lacks {', '.join(missing)} "
                f"(expected {', '.join(FIELDS)}[, lesson])"
            )
        reader.fieldnames = header
        return list(reader)
    except csv.Error as error:
        raise MalformedFile(f"{name} is not valid CSV (line {reader.line_num}): {error}") from error


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
    """An exact, zoned, plausible time, or the reason it is not (impossible dates never raise)."""
    quoted = repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return f"completed_at {quoted} is not an ISO 8601 time"
    if parsed.tzinfo is None:
        return f"completed_at {quoted} has no time zone: the time would drift"
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted by its offset past datetime's range
        return f"completed_at {quoted} is out of range"
    if moment < EARLIEST:
        return f"completed_at {quoted} is before {EARLIEST.year}: not a real completion time"
    if moment > datetime.now(UTC):
        return f"completed_at {quoted} is in the future"
    return moment
