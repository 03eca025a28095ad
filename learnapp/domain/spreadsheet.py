"""Domain: the CSV files learnapp writes, whose cells a spreadsheet shows as text, never runs as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# What makes Excel, LibreOffice or Sheets read a cell as a formula (or split it into one), even after spaces.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A text cell that could start a formula gets a leading apostrophe; every other value is unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document, every cell through safe_cell.

    RFC 4180 line ends on purpose: Python's writer quotes a cell holding CR or LF only when the line end has
    them, and an unquoted CR would start a new row in the reader's eyes.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()
