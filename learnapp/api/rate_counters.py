"""Rate-limit counters: in Redis when the app runs on several workers (all of them count together), else in memory."""

from __future__ import annotations

import os
from functools import cache

from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

# The URL Reflex's own Redis state manager is configured with: one setting turns on every shared piece.
REDIS_URL = "REFLEX_REDIS_URL"


def counters() -> Storage:
    url = os.environ.get(REDIS_URL, "")
    if not url:
        return MemoryStorage()
    storage = storage_from_string(url)
    assert isinstance(storage, Storage)  # a redis:// URL gives the synchronous storage
    return storage


def moving_window() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(counters())


@cache
def sign_in_counters() -> Storage:
    """The one store of the sign-in limits in this process: every app instance counts against the same budget."""
    return counters()


def reset_sign_in_counters() -> None:
    """Forget every sign-in count (tests start each from a fresh budget)."""
    sign_in_counters().reset()
