"""Every answer under /api/v1 has the one error shape, with the web app mounted behind the API as Reflex mounts it."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette

from learnapp.api.app import create_api
from learnapp.persistence.db import Database
from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE


@pytest.fixture
def served_api(db: Database, tokens: Tokens) -> Api:
    """Our app as Reflex serves it (reflex/app.py): its app mounted at "" inside ours, whatever our routes do not take
    answered there (text/plain 404), and all of it mounted at "" in a top-level Starlette app."""
    app = create_api(db)
    app.mount("", Starlette())
    top = Starlette()
    top.mount("", app)
    return Api(cast(Any, top), tokens.alice)


def raw(api: Api, method: str, path: str, raw_path: bytes) -> httpx.Response:
    """A request whose path carries characters an HTTP client would normalise away (a newline in a slug)."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    headers = [(b"authorization", f"Bearer {api.token}".encode())]
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": raw_path,
        "query_string": b"",
        "headers": headers,
        "root_path": "",
        "scheme": "http",
        "server": ("learnapp.test", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }
    asyncio.run(api.app(scope, receive, send))  # type: ignore[arg-type]
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return httpx.Response(start["status"], headers=start["headers"], content=body)  # type: ignore[arg-type]


def test_a_path_with_a_newline_reaches_the_api_and_keeps_the_shape(served_api: Api) -> None:
    response = raw(served_api, "GET", f"/api/v1/learners/{ALICE}/x\ny/z", f"/api/v1/learners/{ALICE}/x%0Ay/z".encode())
    assert response.headers["content-type"] == "application/json"
    assert_error(response, 404, "not_found")
    lesson = f"/api/v1/learners/{ALICE}/completions/b\n1"
    assert_error(raw(served_api, "GET", lesson, lesson.replace("\n", "%0A").encode()), 405, "method_not_allowed")
    assert_error(raw(served_api, "DELETE", lesson, lesson.replace("\n", "%0A").encode()), 404, "not_found")


def test_the_prefix_itself_and_unknown_paths_are_json_404s(served_api: Api) -> None:
    for path in ["", "/", "/no/such/endpoint", "/learners"]:
        assert_error(served_api.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (f"/learners/{ALICE}/enrollments", "GET, POST"),
        (f"/learners/{ALICE}/completions/b1", "DELETE"),
        ("/me", "GET"),
        ("/health", "GET"),
        ("/openapi.json", "GET, HEAD"),
        (f"/learners/{ALICE}/courses/ac-course/reset", "POST"),
    ],
)
def test_options_and_other_methods_are_405_with_every_allowed_method(served_api: Api, path: str, allowed: str) -> None:
    for method in ["OPTIONS", "PUT", "PATCH", "TRACE", "FOO"]:
        if method in allowed:
            continue
        response = served_api.request(method, path)
        error = assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == allowed, (method, path)
        assert error["details"]["allowed"] == allowed.split(", ")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"lesson=b1", "application/x-www-form-urlencoded", 422, "validation_error"),
        (b"b1", "text/plain", 422, "validation_error"),
        (b'{"lesson": "b1"', "application/json", 400, "malformed_json"),
        (b"\xff\xfe{}", "application/json", 400, "malformed_json"),
        (b"", "application/json", 422, "validation_error"),
        (b"null", "application/json", 422, "validation_error"),
        (b"[]", "application/json", 422, "validation_error"),
        (b'{"lesson": "b1"}', "", 422, "validation_error"),
    ],
)
def test_bodies_that_are_not_the_expected_json_are_refused_in_the_shape(
    served_api: Api, content: bytes, content_type: str, status: int, code: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = served_api.post(f"/learners/{ALICE}/completions", content=content, headers=headers)
    assert_error(response, status, code)
    listed = served_api.get(f"/learners/{ALICE}/courses/ac-course/progress").json()
    assert listed["completed"] == 0  # nothing recorded


def test_the_docs_and_their_assets_keep_the_shape_when_missing(served_api: Api) -> None:
    assert_error(served_api.get("/docs/no-such-asset.js"), 404, "not_found")
    assert_error(served_api.post("/docs"), 405, "method_not_allowed")
