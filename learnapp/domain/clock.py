"""The current moment in UTC, the one clock every layer stamps rows and compares times with."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
