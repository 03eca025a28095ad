"""API: how often the password reset forms may be used, per client address and per email (counted like log-in)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

# Asking for a link: per address (one script trying many emails) and per email (one inbox flooded from many places).
REQUEST_LIMITS = (RateLimitItemPerMinute(5), RateLimitItemPerHour(30))
REQUEST_PER_EMAIL = RateLimitItemPerHour(5)
# Setting a new password with a link: per address (a token is 256 bits, but guessing should still crawl).
RESET_LIMITS = (RateLimitItemPerMinute(10), RateLimitItemPerHour(60))
MAX_KEY = 320


class ResetLimits:
    """Counters in the sign-in forms' storage (Redis when scaled out: every worker sees every attempt)."""

    def __init__(self, storage: Storage) -> None:
        self._window = MovingWindowRateLimiter(storage)

    def request_wait(self, address: str, email: str) -> int:
        """Seconds to wait before this request for a link is served (0: go ahead). Counts it."""
        for limit in REQUEST_LIMITS:
            if not self._window.hit(limit, "reset-request", address):
                return self._wait(limit, "reset-request", address)
        key = email.strip().lower()[:MAX_KEY]
        if not self._window.hit(REQUEST_PER_EMAIL, "reset-request-email", key):
            return self._wait(REQUEST_PER_EMAIL, "reset-request-email", key)
        return 0

    def reset_wait(self, address: str) -> int:
        for limit in RESET_LIMITS:
            if not self._window.hit(limit, "reset-password", address):
                return self._wait(limit, "reset-password", address)
        return 0

    def _wait(self, limit: RateLimitItem, *identifiers: str) -> int:
        reset = self._window.get_window_stats(limit, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))
