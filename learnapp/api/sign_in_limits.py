"""API: how often the sign-in forms may be tried, per client address, per account, and per both.

The numbers are chosen for a classroom of 30-40 learners behind one NAT address: signing in together at the start
of a lesson, with typos, stays well inside every limit, while a script guessing passwords is slowed to a crawl.
An account is never locked: past FREE_FAILURES wrong passwords in a row, each further attempt waits a delay that
doubles per failure up to MAX_DELAY seconds, so the learner is back in within a minute of the attacker stopping.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

# Per (address, email), every attempt counted: one browser hammering one account.
LOGIN_LIMIT = RateLimitItemPerMinute(10)
# Per address, failed log-ins only (a class signing in successfully never counts): one address trying many emails.
ADDRESS_FAILURE_LIMITS = (RateLimitItemPerMinute(30), RateLimitItemPerHour(300))
# Per address, every sign-up counted (a refused email is an answer too); the hour stops a script creating accounts.
SIGNUP_LIMITS = (RateLimitItemPerMinute(20), RateLimitItemPerHour(100))
# Per account across all addresses: wrong passwords allowed before the delay starts. Above LOGIN_LIMIT, so one
# address alone meets its own limit first and never slows the account's owner down.
FREE_FAILURES = 20
FIRST_DELAY = 1  # seconds, after the FREE_FAILURES-th failure; doubled by each further one
MAX_DELAY = 60
# An account's failure count is forgotten this long after its first failure, or at once on a successful log-in.
FAILURES_KEPT = 24 * 3600
MAX_KEY = 320  # an email's longest legal form; longer input must not grow the counter store


def account_delay(failures: int) -> int:
    """Seconds the next attempt on an account must wait after its `failures`-th consecutive failure."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 16))


def too_many(wait_seconds: int) -> str:
    unit = "second" if wait_seconds == 1 else "seconds"
    return f"Too many attempts. Wait {wait_seconds} {unit} and try again."


class SignInLimits:
    """Counters in `storage` (Redis when scaled out, so every worker sees every attempt)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._window = MovingWindowRateLimiter(storage)

    def login_wait(self, address: str, email: str) -> int:
        """Seconds to wait before this attempt may check a password (0: go ahead). Counts the attempt."""
        email = _key(email)
        if not self._window.hit(LOGIN_LIMIT, "login", address, email):
            return self._window_wait(LOGIN_LIMIT, "login", address, email)
        for limit in ADDRESS_FAILURE_LIMITS:
            if not self._window.test(limit, "login-failures", address):
                return self._window_wait(limit, "login-failures", address)
        if self._storage.get(_account_wait(email)) > 0:
            return max(1, math.ceil(self._storage.get_expiry(_account_wait(email)) - time.time()))
        return 0

    def login_failed(self, address: str, email: str) -> None:
        email = _key(email)
        for limit in ADDRESS_FAILURE_LIMITS:
            self._window.hit(limit, "login-failures", address)
        delay = account_delay(self._storage.incr(_account_failures(email), FAILURES_KEPT))
        if delay:
            # The wait is a counter that expires after `delay`: re-created so the new delay replaces the old one.
            self._storage.clear(_account_wait(email))
            self._storage.incr(_account_wait(email), delay)

    def login_succeeded(self, email: str) -> None:
        email = _key(email)
        self._storage.clear(_account_failures(email))
        self._storage.clear(_account_wait(email))

    def signup_wait(self, address: str) -> int:
        """Seconds to wait before this sign-up may be tried (0: go ahead). Counts the attempt."""
        for limit in SIGNUP_LIMITS:
            if not self._window.hit(limit, "signup", address):
                return self._window_wait(limit, "signup", address)
        return 0

    def _window_wait(self, limit: RateLimitItem, *identifiers: str) -> int:
        reset = self._window.get_window_stats(limit, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))


def _key(email: str) -> str:
    return email.strip().lower()[:MAX_KEY]


def _account_failures(email: str) -> str:
    return f"learnapp/login-account-failures/{email}"


def _account_wait(email: str) -> str:
    return f"learnapp/login-account-wait/{email}"
