"""GET /metrics: Prometheus text with completion, certificate and error counters and latency histograms."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.notices.certificate_pdf import CertificateText
from learnapp.services.notices.certificates import backoff, issue_due
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.settings import ROOT, get_settings
from tests.api.conftest import Api, assert_error
from tests.conftest import ALICE, BOB

COMPLETIONS = "learnapp_completions_recorded_total"
RECORD_COUNT = "learnapp_record_completion_seconds_count"
BATCH_COUNT = "learnapp_recalculate_batch_seconds_count"
ERRORS = "learnapp_errors_total"


def fetch(app: FastAPI, authorization: str | None = None) -> httpx.Response:
    async def call() -> httpx.Response:
        headers = {"Authorization": authorization} if authorization else {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://learnapp.test") as c:
            return await c.get("/metrics", headers=headers)

    return asyncio.run(call())


def values(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


class Scrape:
    """One scrape; `value(name, **labels)` is 0 for a series not there (yet)."""

    def __init__(self, app: FastAPI) -> None:
        response = fetch(app)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=")
        self.samples = values(response.text)

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)


def enrolled(api: Api, course: str = "ac-course") -> Api:
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": course}).status_code in (200, 201)
    return api


def test_a_completion_over_the_api_counts_once_as_created_then_as_already_complete(api: Api) -> None:
    enrolled(api)
    before = Scrape(api.app)
    assert api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"}).status_code == 201
    once = Scrape(api.app)
    assert (
        once.value(COMPLETIONS, source="api", outcome="created")
        == before.value(COMPLETIONS, source="api", outcome="created") + 1
    )
    assert once.value(RECORD_COUNT) == before.value(RECORD_COUNT) + 1
    assert api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"}).status_code == 200
    twice = Scrape(api.app)
    assert twice.value(COMPLETIONS, source="api", outcome="created") == once.value(
        COMPLETIONS, source="api", outcome="created"
    )
    assert (
        twice.value(COMPLETIONS, source="api", outcome="already_complete")
        == once.value(COMPLETIONS, source="api", outcome="already_complete") + 1
    )


def test_completions_from_events_count_only_when_the_batch_commits(api: Api) -> None:
    enrolled(api)
    before = Scrape(api.app)
    good = {"id": "e1", "type": "lesson_completed", "lesson": "b1"}
    bad = {"id": "e2", "type": "lesson_completed", "lesson": "nope"}
    assert api.post(f"/learners/{ALICE}/events", {"events": [good, bad]}).status_code == 404  # all or nothing
    assert Scrape(api.app).value(COMPLETIONS, source="event", outcome="created") == before.value(
        COMPLETIONS, source="event", outcome="created"
    )
    assert api.post(f"/learners/{ALICE}/events", {"events": [good]}).status_code == 200
    assert (
        Scrape(api.app).value(COMPLETIONS, source="event", outcome="created")
        == before.value(COMPLETIONS, source="event", outcome="created") + 1
    )


def test_an_api_error_is_counted_by_its_code(api: Api) -> None:
    enrolled(api)
    before = Scrape(api.app)
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "nope"}), 404, "not_found")
    after = Scrape(api.app)
    assert after.value(ERRORS, kind="api_not_found") == before.value(ERRORS, kind="api_not_found") + 1
    assert after.value(COMPLETIONS, source="api", outcome="created") == before.value(
        COMPLETIONS, source="api", outcome="created"
    )


def test_recalculation_observes_each_batch(api: Api, db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "ac-course")
    enroll_course(db, BOB, "ac-course")
    before = Scrape(api.app)
    recalculate(db, RecalcOptions(batch_size=1), tmp_path, "tester")
    assert Scrape(api.app).value(BATCH_COUNT) == before.value(BATCH_COUNT) + 2


def test_issued_and_failed_certificates_are_counted(api: Api, db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    before = Scrape(api.app)

    def broken(_text: CertificateText) -> bytes:
        raise OSError("disk full")

    now = utcnow()
    assert issue_due(db, render=broken, now=now) == 0
    failed = Scrape(api.app)
    assert (
        failed.value("learnapp_certificate_failures_total", outcome="retrying")
        == before.value("learnapp_certificate_failures_total", outcome="retrying") + 1
    )
    assert failed.value("learnapp_certificates_issued_total") == before.value("learnapp_certificates_issued_total")
    assert issue_due(db, now=now + backoff(1)) == 1
    issued = Scrape(api.app)
    assert issued.value("learnapp_certificates_issued_total") == before.value("learnapp_certificates_issued_total") + 1


@pytest.fixture
def metrics_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LEARNAPP_METRICS_TOKEN", "scrape-secret")
    get_settings.cache_clear()
    yield "scrape-secret"
    get_settings.cache_clear()


def test_with_a_token_set_the_endpoint_wants_it(api: Api, metrics_token: str) -> None:
    assert_error(fetch(api.app), 401, "unauthorized")
    assert_error(fetch(api.app, "Bearer wrong"), 401, "unauthorized")
    assert_error(fetch(api.app, f"Bearer {api.token}"), 401, "unauthorized")  # an API token is not it
    response = fetch(api.app, f"Bearer {metrics_token}")
    assert response.status_code == 200 and "learnapp_errors_total" in response.text


def test_without_a_token_the_endpoint_is_open_and_not_in_the_api_schema(api: Api) -> None:
    assert fetch(api.app).status_code == 200
    assert "/metrics" not in api.get("/openapi.json", token=None).json()["paths"]


COUNT_ONE = """
from learnapp.metrics import completion_recorded, RECORD_COMPLETION_SECONDS
completion_recorded("ui", True)
RECORD_COMPLETION_SECONDS.observe(0.003)
"""
SCRAPE = "import sys; from learnapp.metrics import scrape; sys.stdout.write(scrape().decode())"


def test_multiprocess_mode_sums_the_values_of_every_process(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(code: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout

    run(COUNT_ONE)
    run(COUNT_ONE)
    found = values(run(SCRAPE))
    assert found[(COMPLETIONS, frozenset({("source", "ui"), ("outcome", "created")}))] == 2
    assert found[(RECORD_COUNT, frozenset())] == 2
    assert found[("learnapp_record_completion_seconds_bucket", frozenset({("le", "0.005")}))] == 2
