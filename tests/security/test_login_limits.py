"""Sign-in abuse limits: per address across emails, a progressive delay per account, a bound on hashing, 16 KiB forms.

Every test starts with a fresh budget (the autouse fixture in tests/conftest.py empties the counters).
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from argon2 import PasswordHasher
from limits.storage import MemoryStorage, Storage, storage_from_string

from learnapp.api.app import create_api
from learnapp.api.sign_in_limits import (
    ADDRESS_FAILURE_LIMITS,
    FREE_FAILURES,
    MAX_DELAY,
    SignInLimits,
    account_delay,
)
from learnapp.api.v1.limits import AUTH_MAX_BODY_BYTES
from learnapp.persistence.db import Database
from learnapp.services.accounts import learners as accounts
from learnapp.services.accounts.learners import (
    MAX_CONCURRENT_HASHES,
    authenticate,
    create_learner,
    find_account,
    hash_password,
)
from tests.app_pool import api_app
from tests.backing import redis_server
from tests.clock import MovedClock
from tests.security.conftest import COOKIE, Browser

WAIT = re.compile(r"Too many attempts\. Wait (\d+) seconds? and try again\.")
NOT_RIGHT = "Email or password is not right."


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting how many hashes run at this moment and how many ran in all."""

    def __init__(self, **parameters: int) -> None:
        super().__init__(**parameters)
        self._lock = threading.Lock()
        self.running = self.peak = self.calls = 0

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._counted():
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's own name
        with self._counted():
            return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    """argon2 with the app's own parameters (64 MiB, three passes): hashes long enough to overlap."""
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


@pytest.fixture
def quick_hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    """argon2 at its cheapest, so tests that must fail dozens of log-ins stay fast (accounts made now use it too)."""
    counting = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


def client(db: Database, ip: str) -> Browser:
    return Browser(api_app(db), ip=ip)


def log_in(browser: Browser, email: str, password: str) -> httpx.Response:
    return browser.post("/auth/login", data={"email": email, "password": password, "next": "/my-learning"})


def outcome(response: httpx.Response) -> str:
    """'signed in', 'not right' or 'wait N'."""
    assert response.status_code == 303, response.text
    if f"{COOKIE}=" in response.headers.get("set-cookie", ""):
        return "signed in"
    message = unquote(response.headers["location"])
    if NOT_RIGHT in message:
        return "not right"
    found = WAIT.search(message)
    assert found, message
    return f"wait {found.group(1)}"


# --- Per client address, across emails ------------------------------------------------------------------------------


def test_one_address_trying_many_emails_is_stopped_while_a_class_signing_in_is_not(
    db: Database, quick_hasher: CountingHasher
) -> None:
    classroom = client(db, "198.51.100.10")
    per_minute = ADDRESS_FAILURE_LIMITS[0].amount
    for number in range(per_minute - 1):
        assert outcome(log_in(classroom, f"typo{number}@example.com", "wrong-password")) == "not right"
    # Successful sign-ins from the same address spend nothing: a class arriving together gets in.
    for email, password in (("alice@example.com", "alice-password"), ("bob@example.com", "bob-password")):
        assert outcome(log_in(classroom, email, password)) == "signed in"
    assert outcome(log_in(classroom, "last-typo@example.com", "wrong-password")) == "not right"
    refused = outcome(log_in(classroom, "alice@example.com", "alice-password"))
    assert refused.startswith("wait ") and 1 <= int(refused.split()[1]) <= 60, refused
    # Another address is not slowed down by this one.
    assert outcome(log_in(client(db, "198.51.100.11"), "alice@example.com", "alice-password")) == "signed in"


# --- Per account, across addresses: a progressive delay, never a lock ------------------------------------------------


def test_the_delay_starts_after_the_free_failures_doubles_and_is_capped() -> None:
    assert [account_delay(n) for n in range(FREE_FAILURES)] == [0] * FREE_FAILURES
    assert [account_delay(FREE_FAILURES + n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert account_delay(10**9) == MAX_DELAY == 60


def test_many_addresses_guessing_one_password_meet_a_growing_delay_without_a_password_check(
    db: Database, quick_hasher: CountingHasher
) -> None:
    create_learner(db, "dave@example.com", "Dave", "dave-password")
    clock = MovedClock()
    app = create_api(db, now=clock)
    for number in range(FREE_FAILURES):  # a botnet: every guess from another address
        bot = Browser(app, ip=f"203.0.113.{number + 1}")
        assert outcome(log_in(bot, "dave@example.com", f"guess-{number}")) == "not right"
    owner = Browser(app, ip="192.0.2.50")
    checked = quick_hasher.calls
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "wait 1"
    assert quick_hasher.calls == checked, "a password was checked while the account had to wait"

    clock.forward(0.75)
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "wait 1"  # not yet
    clock.forward(0.25)
    assert outcome(log_in(Browser(app, ip="203.0.113.99"), "dave@example.com", "one-more-guess")) == "not right"
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "wait 2"  # doubled

    clock.forward(1.5)
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "wait 1"
    clock.forward(0.5)
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "signed in"
    # Signing in forgot the failures: a typo now is just a typo, and the next try goes through at once.
    assert outcome(log_in(owner, "dave@example.com", "dave-typo")) == "not right"
    assert outcome(log_in(owner, "dave@example.com", "dave-password")) == "signed in"


def test_an_attack_never_makes_the_owner_wait_more_than_the_cap() -> None:
    clock = MovedClock()
    limits = SignInLimits(MemoryStorage(), now=clock)
    for number in range(200):
        limits.login_failed(f"203.0.{number // 250}.{number % 250}", "carol@example.com")
    assert limits.login_wait("192.0.2.1", "carol@example.com") == MAX_DELAY
    clock.forward(MAX_DELAY - 0.5)
    assert limits.login_wait("192.0.2.1", "carol@example.com") == 1
    limits.login_succeeded("carol@example.com")
    assert limits.login_wait("192.0.2.1", "carol@example.com") == 0


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def counters(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """The stores the app counts in: memory (one worker) and Redis (scaled out; a real server, so `slow`)."""
    if request.param == "memory":
        yield MemoryStorage()
        return
    with redis_server(tmp_path) as url:
        yield storage_from_string(url)


def test_the_account_delay_runs_on_the_clock_it_is_given_in_either_store(counters: Storage) -> None:
    clock = MovedClock()
    limits = SignInLimits(counters, now=clock)
    addresses = (f"198.18.0.{n}" for n in range(1, 200))  # one each: no per-address window gets in the way
    for _ in range(FREE_FAILURES):
        limits.login_failed(next(addresses), "erin@example.com")
    assert limits.login_wait(next(addresses), "erin@example.com") == 1
    clock.forward(0.5)
    assert limits.login_wait(next(addresses), "erin@example.com") == 1
    clock.forward(0.5)
    assert limits.login_wait(next(addresses), "erin@example.com") == 0
    limits.login_failed(next(addresses), "erin@example.com")
    assert limits.login_wait(next(addresses), "erin@example.com") == 2
    clock.forward(2)
    assert limits.login_wait(next(addresses), "erin@example.com") == 0
    limits.login_succeeded("erin@example.com")
    for _ in range(FREE_FAILURES - 1):  # counted from zero again
        limits.login_failed(next(addresses), "erin@example.com")
    assert limits.login_wait(next(addresses), "erin@example.com") == 0


def test_the_account_delay_ignores_how_the_email_is_spelled() -> None:
    limits = SignInLimits(MemoryStorage())
    for number in range(FREE_FAILURES):
        limits.login_failed(f"203.0.113.{number}", " Carol@Example.COM" if number % 2 else "carol@example.com")
    assert limits.login_wait("192.0.2.1", "CAROL@example.com ") >= 1


# --- At most a few password hashes at once ---------------------------------------------------------------------------


def test_a_flood_of_logins_never_runs_more_than_the_bound_of_hashes_at_once(
    db: Database, hasher: CountingHasher
) -> None:
    threads = 12
    start = threading.Barrier(threads)
    results: list[object] = []

    def flood(number: int) -> None:
        start.wait()
        if number % 3 == 0:
            results.append(hash_password(f"new-password-{number}"))
        elif number % 3 == 1:
            results.append(authenticate(db, "alice@example.com", "alice-password"))
        else:
            results.append(authenticate(db, "nobody@example.com", "whatever-1"))

    workers = [threading.Thread(target=flood, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == threads and hasher.calls == threads
    assert 2 <= hasher.peak <= MAX_CONCURRENT_HASHES == 4, hasher.peak
    assert sum(1 for r in results if isinstance(r, accounts.Account)) == threads // 3  # every right password works


# --- /auth/* bodies over 16 KiB --------------------------------------------------------------------------------------


def form(path: str, padding: int) -> dict[str, str]:
    fields = {"email": "carl@example.com", "password": "long-enough-1", "name": "Carl", "next": "/"}
    if path == "/auth/login":
        fields = {**fields, "email": "alice@example.com", "password": "alice-password"}
    return {**fields, "next": "/" + "a" * padding}


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup"])
def test_a_form_over_16_kib_is_refused_with_413_and_signs_nobody_in(db: Database, path: str) -> None:
    browser = client(db, "192.0.2.60")
    response = browser.post(path, data=form(path, AUTH_MAX_BODY_BYTES))
    assert response.status_code == 413 and COOKIE not in response.headers.get("set-cookie", "")
    assert response.json()["error"]["details"] == {"limit_bytes": 16 * 1024}
    assert find_account(db, "carl@example.com") is None
    # Just under the limit, the form is an ordinary form.
    fine = browser.post(path, data=form(path, AUTH_MAX_BODY_BYTES - 200))
    assert fine.status_code == 303 and f"{COOKIE}=" in fine.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup"])
def test_a_streamed_form_without_a_length_is_counted(db: Database, path: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"email=alice%40example.com&password=alice-password&name=Carl&next=/"
        for _ in range(5):
            yield b"a" * 4000

    response = client(db, "192.0.2.61").post(
        path, content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and COOKIE not in response.headers.get("set-cookie", "")
