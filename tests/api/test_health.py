"""Health endpoint over HTTP (httpx against the ASGI app): the database is really checked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from learnapp.api.app import create_api
from learnapp.persistence.db import Database


def get(db: Database, path: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_api(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test") as client:
            return await client.get(path)

    return asyncio.run(call())


def test_health_is_ok_with_the_database_checked(db: Database) -> None:
    response = get(db, "/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["database"] == "ok"


def test_health_reports_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    broken = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'nested' / 'x.db'}")
    (tmp_path / "missing-dir" / "nested").rmdir()
    response = get(broken, "/api/v1/health")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_openapi_document_is_served(db: Database) -> None:
    response = get(db, "/api/v1/openapi.json")
    assert response.status_code == 200 and "/api/v1/health" in response.json()["paths"]
