"""The interactive docs are served by the app itself: Swagger UI from an installed package, no CDN, no inline script."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from learnapp.api.security_headers import SecurityHeaders, inline_scripts
from tests.api.conftest import V1, Api


def fetch(api: Api, path: str) -> httpx.Response:
    """Through the security headers, as served: the page must live with the app's Content-Security-Policy."""
    app = SecurityHeaders(api.app, pages=Path("/nonexistent"))

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://learnapp.test") as c:
            return await c.get(path)

    return asyncio.run(get())


def test_the_docs_page_loads_only_its_own_scripts_and_styles(api: Api) -> None:
    page = fetch(api, f"{V1}/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert inline_scripts(page.text) == []  # the CSP runs no inline script on this page
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing from another origin
    assert re.findall(r'<script src="([^"]+)"', page.text) == ["docs/swagger-ui-bundle.js", "docs/init.js"]
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_the_assets_are_served_with_their_types_and_swagger_ui_reads_openapi_3_1(api: Api) -> None:
    bundle = fetch(api, f"{V1}/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text and "isOAS31" in bundle.text  # Swagger UI 5: FastAPI writes OpenAPI 3.1
    css = fetch(api, f"{V1}/docs/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    init = fetch(api, f"{V1}/docs/init.js")
    assert init.headers["content-type"].startswith("text/javascript") and "openapi.json" in init.text
    assert "validatorUrl: null" in init.text  # no badge fetched from the public validator
    assert "max-age" in bundle.headers["cache-control"]


def test_the_openapi_document_the_docs_read_lists_the_new_operations(api: Api) -> None:
    document = fetch(api, f"{V1}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "post" in document["paths"]["/api/v1/learners/{learner_id}/courses/{course}/reset"]
    assert not any(path.startswith("/api/v1/docs") for path in document["paths"])
