"""Journey on the scale-out set-up: PostgreSQL, Redis and two backend workers behind one URL.

A completion made through one worker reaches the learner's tab connected to the other within a second.
"""

from __future__ import annotations

import os
import pickle
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psutil
import pytest
import redis
from playwright.sync_api import Browser, Page
from prometheus_client.parser import text_string_to_metric_families

from learnapp.settings import ROOT
from tests.backing import create_database, postgres_server, redis_server
from tests.e2e.helpers import LESSONS, LIVE, Lesson, enroll, expect_checked, expect_progress, mark_complete, open_lesson
from tests.e2e.helpers import sign_up as sign_up_learner
from tests.e2e.server import Setup, served_app

pytestmark = pytest.mark.e2e

WORKERS = 2
SOCKET_RECORD = "token_manager_socket_record_"  # Reflex's Redis key: which worker holds a tab's websocket


@dataclass(frozen=True)
class ScaledApp:
    url: str
    database_url: str
    redis_url: str


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledApp]:
    folder = tmp_path_factory.mktemp("scale-out")
    with postgres_server() as admin, redis_server(folder / "redis") as redis_url:
        database_url = create_database(admin, "learnapp_scale")
        with served_app(folder, Setup(database_url=database_url, redis_url=redis_url, workers=WORKERS)) as url:
            yield ScaledApp(url, database_url, redis_url)


def worker_of(page: Page, redis_url: str) -> str:
    """The Reflex instance (one per worker process) that holds this tab's websocket, as recorded in Redis."""
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    client = redis.Redis.from_url(redis_url)
    try:
        record = client.get(SOCKET_RECORD + token)
    finally:
        client.close()
    assert record is not None, "the tab has no websocket registered in Redis"
    return str(pickle.loads(record).instance_id)


def tabs_on_both_workers(first: Page, app: ScaledApp, lesson: Lesson = LESSONS[0]) -> tuple[Page, Page]:
    """Open more tabs of the same learner on `lesson` until one is served by another worker than `first`.

    Neither tab may load a page afterwards: a page load opens a new websocket, on either worker.
    """
    home = worker_of(first, app.redis_url)
    for _ in range(20):
        other = first.context.new_page()
        open_lesson(other, app.url, lesson)
        if worker_of(other, app.redis_url) != home:
            return first, other
        other.close()
    raise AssertionError("twenty tabs all landed on one worker: the second worker does not take connections")


def api_token(database_url: str, email: str) -> str:
    created = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "learnapp"), "token", "create", "--email", email, "--name", "scale-out"],
        env={**os.environ, "LEARNAPP_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def test_the_app_runs_two_workers_on_postgresql_and_redis(scaled: ScaledApp) -> None:
    health = httpx.get(f"{scaled.url}/api/v1/health", timeout=5).json()
    assert health["database"] == "ok"
    port = int(scaled.url.rsplit(":", 1)[1])
    listeners = {
        c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.status == "LISTEN"
    }
    # Granian's workers are sibling processes sharing the listening socket; their parent only supervises.
    assert len(listeners) == WORKERS
    assert len({psutil.Process(pid).ppid() for pid in listeners}) == 1


def test_a_click_in_a_tab_on_one_worker_reaches_the_tab_on_the_other_within_a_second(
    scaled: ScaledApp, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        first = context.new_page()
        sign_up_learner(first, scaled.url, tag="scale")
        enroll(first, scaled.url)
        open_lesson(first, scaled.url, LESSONS[0])
        clicking, watching = tabs_on_both_workers(first, scaled, LESSONS[1])
        assert worker_of(clicking, scaled.redis_url) != worker_of(watching, scaled.redis_url)
        mark_complete(clicking, LESSONS[0])
        expect_checked(watching, LESSONS[0], timeout=LIVE)
        expect_progress(watching, 1, timeout=LIVE)
    finally:
        context.close()


def test_an_api_completion_reaches_tabs_on_both_workers_within_a_second(scaled: ScaledApp, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        first = context.new_page()
        email = sign_up_learner(first, scaled.url, tag="scale-api")
        enroll(first, scaled.url)
        open_lesson(first, scaled.url, LESSONS[0])
        one, two = tabs_on_both_workers(first, scaled)
        headers = {"Authorization": f"Bearer {api_token(scaled.database_url, email)}"}
        me = httpx.get(f"{scaled.url}/api/v1/me", headers=headers, timeout=5).json()
        for done, lesson in enumerate(LESSONS[1:4], start=1):
            # A new connection per request: each may land on either worker.
            response = httpx.post(
                f"{scaled.url}/api/v1/learners/{me['id']}/completions",
                json={"lesson": lesson.slug},
                headers=headers,
                timeout=5,
            )
            assert response.status_code == 201
            for tab in (one, two):
                expect_checked(tab, lesson, timeout=LIVE)
                expect_progress(tab, done, timeout=LIVE)
    finally:
        context.close()
    # Whichever worker answers a scrape, /metrics adds up both workers' counts.
    for _ in range(4):
        assert api_completions(httpx.get(f"{scaled.url}/metrics", timeout=5).text) >= 3


def api_completions(exposition: str) -> float:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "learnapp_completions_recorded_total" and sample.labels == {
                "source": "api",
                "outcome": "created",
            }:
                return sample.value
    return 0.0


def test_login_attempts_are_counted_together_by_every_worker(scaled: ScaledApp) -> None:
    email = f"nobody-{os.getpid()}@example.com"

    def attempt() -> str:
        # A new connection each time: attempts spread over the workers as separate browsers' would.
        response = httpx.post(f"{scaled.url}/auth/login", data={"email": email, "password": "wrong"}, timeout=5)
        return httpx.URL(response.headers["location"]).params.get("error", "")

    assert all("not right" in attempt() for _ in range(10))
    assert "Too many attempts" in attempt()
    client = redis.Redis.from_url(scaled.redis_url)
    try:
        assert any(b"login" in key for key in client.keys("LIMITS*")), "the counters are not in Redis"
    finally:
        client.close()
