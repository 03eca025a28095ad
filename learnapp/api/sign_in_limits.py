"""API: how often the sign-in forms may be tried, per client address, per account, and per both.

The numbers are chosen for a classroom of 30-40 learners behind one NAT address: signing in together at the start
of a lesson, with typos, stays well inside every limit, while a script guessing passwords is slowed to a crawl.
An account is never locked: past FREE_FAILURES wrong passwords in a row, each further attempt waits a delay that
doubles per failure up to MAX_DELAY seconds, so the learner is back in within a minute of the attacker stopping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

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
FAILED_AT_KEPT = 2 * MAX_DELAY  # the moment of a failure matters only while its delay runs

# Seconds since the epoch, as time.time: the account delay reads the one it is given (tests move theirs forward).
Clock = Callable[[], float]


def account_delay(failures: int) -> int:
    """Seconds the next attempt on an account must wait after its `failures`-th consecutive failure."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 16))


def too_many(wait_seconds: int) -> str:
    unit = "second" if wait_seconds == 1 else "seconds"
    return f"Too many attempts. Wait {wait_seconds} {unit} and try again."


class SignInLimits:
    """Counters in `storage` (Redis when scaled out, so every worker sees every attempt).

    The account delay runs on `now`; the per-minute and per-hour windows on the limits library's own clock
    (time.time, it takes no other).
    """

    def __init__(self, storage: Storage, now: Clock = time.time) -> None:
        self._storage = storage
        self._window = MovingWindowRateLimiter(storage)
        self._now = now

    def login_wait(self, address: str, email: str) -> int:
        """Seconds to wait before this attempt may check a password (0: go ahead). Counts the attempt."""
        email = _key(email)
        if not self._window.hit(LOGIN_LIMIT, "login", address, email):
            return self._window_wait(LOGIN_LIMIT, "login", address, email)
        for limit in ADDRESS_FAILURE_LIMITS:
            if not self._window.test(limit, "login-failures", address):
                return self._window_wait(limit, "login-failures", address)
        return self._account_wait(email)

    def _account_wait(self, email: str) -> int:
        failures = self._storage.get(_account_failures(email))
        delay = account_delay(failures)
        failed_at = self._storage.get(_failed_at(email, failures)) / 1000 if delay else 0
        # At most the delay: with Redis, another worker's clock may run a little ahead of ours.
        return max(0, min(delay, math.ceil(failed_at + delay - self._now())))

    def login_failed(self, address: str, email: str) -> None:
        email = _key(email)
        for limit in ADDRESS_FAILURE_LIMITS:
            self._window.hit(limit, "login-failures", address)
        failures = self._storage.incr(_account_failures(email), FAILURES_KEPT)
        if account_delay(failures):
            # The moment of the failure (ms, a counter's value), under its own number: two failures at once never
            # add up in one key. Cleared first: a key of that number may remain from before a successful log-in.
            self._storage.clear(_failed_at(email, failures))
            self._storage.incr(_failed_at(email, failures), FAILED_AT_KEPT, amount=int(self._now() * 1000))

    def login_succeeded(self, email: str) -> None:
        email = _key(email)
        self._storage.clear(_failed_at(email, self._storage.get(_account_failures(email))))
        self._storage.clear(_account_failures(email))

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


def _failed_at(email: str, failure: int) -> str:
    return f"learnapp/login-account-failed-at/{failure}/{email}"
