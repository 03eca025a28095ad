"""One error shape for every status (400, 401, 403, 404, 405, 409, 413, 422, 429), and the OpenAPI document."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from limits import RateLimitItemPerMinute

from learnapp.api.v1 import limits
from tests.api.conftest import V1, Api, Tokens, assert_error
from tests.conftest import ALICE


def test_400_malformed_json(api: Api) -> None:
    response = api.post(
        f"/learners/{ALICE}/events", content=b'{"events": [', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")


def test_401_without_a_token_on_every_protected_endpoint(api: Api) -> None:
    for method, path in [
        ("GET", "/me"),
        ("GET", "/tokens"),
        ("GET", f"/learners/{ALICE}/progress"),
        ("POST", f"/learners/{ALICE}/events"),
        ("GET", "/admin/courses/ac-course/stats"),
    ]:
        assert_error(api.request(method, path, token=None), 401, "unauthorized")


def test_403_admin_endpoints_refuse_a_learners_token(api: Api) -> None:
    for method, path in [
        ("GET", "/admin/courses/ac-course/stats"),
        ("GET", "/admin/pathways/path/stats"),
        ("GET", f"/admin/learners/{ALICE}/progress"),
        ("POST", "/admin/courses/ac-course/recalculate"),
    ]:
        assert_error(api.request(method, path), 403, "forbidden")


def test_404_unknown_endpoints_keep_the_api_shape(api: Api) -> None:
    assert_error(api.get("/no/such/endpoint"), 404, "not_found")
    assert_error(api.get("/no/such/endpoint", token=None), 404, "not_found")


def test_405_a_known_path_with_another_method_names_the_allowed_ones(api: Api) -> None:
    error = assert_error(api.request("PUT", f"/learners/{ALICE}/enrollments"), 405, "method_not_allowed")
    assert error["details"]["allowed"] == ["GET", "POST"]


def test_409_is_covered_by_event_id_reuse(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    events = f"/learners/{ALICE}/events"
    api.post(events, {"events": [{"id": "e", "type": "lesson_viewed", "lesson": "b1", "seconds": 1}]})
    reused = api.post(events, {"events": [{"id": "e", "type": "lesson_viewed", "lesson": "b1", "seconds": 2}]})
    assert_error(reused, 409, "conflict")


def test_413_a_body_over_the_limit_by_its_declared_length(api: Api) -> None:
    big = b'{"events": [' + b" " * limits.MAX_BODY_BYTES + b"]}"
    response = api.post(f"/learners/{ALICE}/events", content=big, headers={"Content-Type": "application/json"})
    error = assert_error(response, 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": 65536}


def test_413_a_streamed_body_without_a_length_is_counted(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"events": ['
        for _ in range(5):
            yield b" " * 20_000
        yield b"]}"

    response = api.post(f"/learners/{ALICE}/events", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_413_an_upload_over_the_content_limit_is_refused_before_reflex_reads_it(api: Api) -> None:
    """Reflex's /_upload (the admin content page) sits behind the same limit (a stream without a length is counted
    as Reflex reads it, as the /api/v1 test above shows for a reading route)."""

    async def post(content: Any, headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
            return await client.post(limits.UPLOAD_PATH, content=content, headers=headers)

    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    declared = asyncio.run(post(b"", {**multipart, "Content-Length": str(limits.UPLOAD_MAX_BODY_BYTES + 1)}))
    error = assert_error(declared, 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": limits.UPLOAD_MAX_BODY_BYTES}


def test_422_a_body_that_does_not_match_the_schema(api: Api) -> None:
    error = assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": 12}), 422, "validation_error")
    assert error["details"][0]["loc"] == ["body", "lesson"]
    assert_error(api.get("/learners/not-a-number/progress"), 422, "validation_error")
    assert_error(api.get("/learners/99999999999999999999/progress"), 422, "validation_error")


def test_429_each_token_is_rate_limited_on_its_own(api: Api, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "RATE_LIMIT", RateLimitItemPerMinute(3))
    for _ in range(3):
        assert api.get("/me").status_code == 200
    response = api.get("/me")
    error = assert_error(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1 and error["details"]["retry_after"] >= 1
    assert api.as_(tokens.bob).get("/me").status_code == 200


def test_the_default_rate_limit_is_120_requests_a_minute() -> None:
    assert (limits.RATE_LIMIT.amount, limits.RATE_LIMIT.get_expiry()) == (120, 60)


def test_the_openapi_document_describes_every_endpoint_with_bearer_auth_and_errors(api: Api) -> None:
    document = api.get("/openapi.json", token=None).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    events = document["paths"]["/api/v1/learners/{learner_id}/events"]["post"]
    assert {"400", "401", "404", "409", "413", "422", "429"} <= set(events["responses"])
    assert events["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert len([p for p in document["paths"] if p.startswith("/api/v1/")]) >= 18


def test_the_human_docs_are_served(api: Api) -> None:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
            return await client.get(f"{V1}/docs")

    response = asyncio.run(get())
    assert response.status_code == 200 and "swagger" in response.text.lower()
