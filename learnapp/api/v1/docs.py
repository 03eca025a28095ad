"""API: the interactive docs at /api/v1/docs, Swagger UI served by the app itself (offline, under the CSP)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from learnapp.services.errors import NotFound

# Swagger UI 5 (OpenAPI 3.1) as shipped in the fastapi-offline package: installed with the app, never a CDN.
_SWAGGER = files("fastapi_offline") / "static"
_VENDORED = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
_CACHED = {"Cache-Control": "public, max-age=86400"}

# Links are relative to /api/v1/docs, so the page works under any path prefix. No inline script: the CSP's
# script-src is 'self' plus the hashes of the built pages, and this page is not one of them.
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>learnapp API · docs</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"""
# validatorUrl null: Swagger UI would otherwise send the document to a public validator for its badge.
INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
"""
Asset = Annotated[str, Path(max_length=40)]


router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/{asset}")
def docs_asset(asset: Asset) -> Response:
    if asset == "init.js":
        return Response(INIT, media_type="text/javascript", headers=_CACHED)
    if asset not in _VENDORED:
        raise NotFound(f"No docs asset named '{asset}'")
    return Response(_vendored(asset), media_type=_VENDORED[asset], headers=_CACHED)


@cache
def _vendored(asset: str) -> bytes:
    return (_SWAGGER / asset).read_bytes()
