"""Test clocks: fixed moments relative to today (past times that never become future ones), and a clock to move."""

from __future__ import annotations

import time as wall
from datetime import UTC, datetime, time, timedelta


def days_ago(days: int, hour: int = 0, minute: int = 0) -> datetime:
    """`hour:minute` UTC on the day `days` before today: a fixed time of day, always in the past for days >= 1."""
    today = datetime.combine(datetime.now(UTC).date(), time(hour, minute), tzinfo=UTC)
    return today - timedelta(days=days)


class MovedClock:
    """Seconds since the epoch, as time.time, standing still from its making until the test moves it forward.

    Waits in the code under test pass when the test says so, not when the machine gets round to it: no sleep, and a
    slow run never lets a wait expire early. It starts on a whole second, so moves by halves and quarters add up
    exactly (no float residue turning "0 seconds left" into 1).
    """

    def __init__(self) -> None:
        self._at = float(int(wall.time()))

    def __call__(self) -> float:
        return self._at

    def forward(self, seconds: float) -> None:
        self._at += seconds
