"""Fixed moments relative to today, for tests that send past times: they never become future ones on any clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta


def days_ago(days: int, hour: int = 0, minute: int = 0) -> datetime:
    """`hour:minute` UTC on the day `days` before today: a fixed time of day, always in the past for days >= 1."""
    today = datetime.combine(datetime.now(UTC).date(), time(hour, minute), tzinfo=UTC)
    return today - timedelta(days=days)
