"""Security headers on every response: a strict Content-Security-Policy (inline scripts by hash only), no sniffing,
no framing, a careful referrer, and HSTS behind https; over ASGI for the API and for real for the built pages."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from learnapp.api.security_headers import SecurityHeaders, inline_script_hashes, inline_scripts
from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import start_session
from learnapp.settings import get_settings
from tests.app_pool import api_app
from tests.conftest import ALICE
from tests.e2e.server import served_app, wait_until_up
from tests.security.conftest import COOKIE, Browser

HARDENING = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}
# A page as the build writes it: inline scripts (two of them the same), an external one, and a JSON data block.
BUILT_PAGE = """<!DOCTYPE html><html><head>
<script>document.documentElement.dataset.theme = "light";</script>
<script type="module" src="/assets/entry.client.js"></script>
<script >window.__reactRouterContext = {"basename": "/"};</script>
</head><body><SCRIPT type="module">import("/assets/root.js");
</SCRIPT><script>document.documentElement.dataset.theme = "light";</script></body></html>"""
BUILT_SCRIPTS = [
    'document.documentElement.dataset.theme = "light";',
    'window.__reactRouterContext = {"basename": "/"};',
    'import("/assets/root.js");\n',
]


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    header = response.headers.get("content-security-policy")
    assert header, f"no Content-Security-Policy on {response.request.url}"
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def sha256_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def assert_hardened(response: httpx.Response) -> dict[str, list[str]]:
    """Every header there, and the policy as strict as the brief says; returns the policy."""
    for name, value in HARDENING.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.url}"
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][:2] == ["'self'", "'unsafe-eval'"]  # Reflex evals what its own server sends
    assert all(source.startswith("'sha256-") for source in csp["script-src"][2:]), csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"] and csp["font-src"] == ["'self'", "data:"]
    assert csp["media-src"] == ["'self'", "https:"]
    assert not any("*" in source for sources in csp.values() for source in sources)
    return csp


# --- The built pages' inline scripts ------------------------------------------------------------------------------


def test_the_inline_scripts_of_a_built_page_are_found_as_the_browser_reads_them() -> None:
    assert inline_scripts(BUILT_PAGE) == [BUILT_SCRIPTS[0], BUILT_SCRIPTS[1], BUILT_SCRIPTS[2], BUILT_SCRIPTS[0]]


def test_every_built_page_is_hashed_once_per_script(tmp_path: Path) -> None:
    (tmp_path / "courses").mkdir()
    (tmp_path / "index.html").write_text(BUILT_PAGE)
    (tmp_path / "courses" / "index.html").write_text("<script>window.other = 1;</script>")
    (tmp_path / "assets.js").write_text("<script>not a page</script>")
    expected = {sha256_source(script) for script in [*BUILT_SCRIPTS, "window.other = 1;"]}
    hashes = inline_script_hashes(tmp_path)
    assert set(hashes) == expected and len(hashes) == len(expected)


def test_the_policy_lets_exactly_the_built_pages_inline_scripts_run(db: Database, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(BUILT_PAGE)
    app = Browser(SecurityHeaders(api_app(db), pages=tmp_path))
    scripts = assert_hardened(app.get("/api/v1/health"))["script-src"]
    assert sorted(scripts[2:]) == sorted({sha256_source(script) for script in BUILT_SCRIPTS})
    assert "'unsafe-inline'" not in scripts


def test_a_rebuild_is_picked_up_without_a_restart(db: Database, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<script>one()</script>")
    app = Browser(SecurityHeaders(api_app(db), pages=tmp_path))
    assert policy(app.get("/api/v1/health"))["script-src"][2:] == [sha256_source("one()")]
    page.write_text("<script>two()</script>")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 10**9))
    assert policy(app.get("/api/v1/health"))["script-src"][2:] == [sha256_source("two()")]


# --- Every kind of response over ASGI -----------------------------------------------------------------------------


@pytest.fixture
def app(db: Database, tmp_path: Path) -> Browser:
    """The API as the app serves it (a pooled app): inside the headers middleware (no build here: no inline script
    allowed)."""
    return Browser(SecurityHeaders(api_app(db), pages=tmp_path))


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/health", 200),
        ("GET", "/api/v1/me", 401),
        ("GET", "/api/v1/no-such-endpoint", 404),
        ("POST", "/api/v1/learners/1/events", 401),
        ("GET", "/certificates/NOPE.pdf", 404),
        ("GET", "/me/export.json", 401),
        ("GET", "/metrics", 200),
        ("GET", "/no/such/page", 404),
    ],
)
def test_api_files_metrics_and_404s_carry_the_headers(app: Browser, method: str, path: str, status: int) -> None:
    response = app.request(method, path)
    assert response.status_code == status
    csp = assert_hardened(response)
    assert csp["script-src"] == ["'self'", "'unsafe-eval'"]  # nothing built: no inline script may run at all
    assert "strict-transport-security" not in response.headers  # plain http origin


def test_sign_in_and_out_answers_carry_the_headers(app: Browser, db: Database) -> None:
    login = app.post("/auth/login", data={"email": "alice@example.com", "password": "alice-password", "next": "/"})
    assert login.status_code == 303 and f"{COOKIE}=" in login.headers["set-cookie"]
    assert_hardened(login)
    refused = app.post("/auth/login", data={"email": "alice@example.com", "password": "wrong", "next": "/"})
    assert refused.status_code == 303 and "error" in refused.headers["location"]
    assert_hardened(refused)
    assert_hardened(app.signed_in(start_session(db, ALICE)).post("/auth/logout"))


def test_the_openapi_document_is_still_served_whole(app: Browser) -> None:
    response = app.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json()["info"]["title"] == "learnapp API"
    assert_hardened(response)


def test_the_socket_may_reach_only_the_apps_own_origins(app: Browser) -> None:
    connect = policy(app.get("/api/v1/health"))["connect-src"]
    port = get_settings().port
    assert connect == ["'self'", f"ws://localhost:{port}", f"ws://127.0.0.1:{port}"]


def test_behind_https_the_socket_is_wss_and_browsers_are_told_to_stay_on_https(
    app: Browser, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("LEARNAPP_ORIGIN", "https://learn.example.com")
    monkeypatch.setenv("LEARNAPP_PORT", "4321")
    response = app.get("/api/v1/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert policy(response)["connect-src"] == ["'self'", "wss://learn.example.com", "ws://127.0.0.1:4321"]


# --- For real: the built pages and their assets, as `reflex run --env prod` serves them ------------------------


@pytest.fixture(scope="module")
def served_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """LEARNAPP_E2E_URL points at a running deployment; otherwise we serve our own (flock the shared .web/)."""
    given = os.environ.get("LEARNAPP_E2E_URL")
    if given:
        wait_until_up(given.rstrip("/"), None, None)
        yield given.rstrip("/")
        return
    with served_app(tmp_path_factory.mktemp("headers")) as url:
        yield url


def page_and_assets(url: str) -> tuple[httpx.Response, list[str]]:
    page = httpx.get(url, timeout=10, follow_redirects=True)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/assets/[^"]+\.js)"', page.text)
    return page, assets


@pytest.mark.e2e
@pytest.mark.parametrize(
    "path", [routes.HOME, routes.LOGIN, routes.course("python-basics"), routes.lesson("python-basics", "py-install")]
)
def test_every_inline_script_of_a_served_page_is_allowed_by_hash(served_url: str, path: str) -> None:
    """Static and dynamic routes (the latter come from the build's fallback page) alike."""
    page, _ = page_and_assets(served_url + path)
    scripts = assert_hardened(page)["script-src"]
    inline = inline_scripts(page.text)
    assert inline, "a built page has inline scripts: the check below would prove nothing otherwise"
    assert {sha256_source(script) for script in inline} <= set(scripts)
    assert "'unsafe-inline'" not in scripts
    assert "strict-transport-security" not in page.headers


@pytest.mark.e2e
def test_a_served_javascript_asset_carries_the_headers(served_url: str) -> None:
    _, assets = page_and_assets(served_url + "/")
    assert assets
    asset = httpx.get(urljoin(served_url, assets[0]), timeout=10)
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert_hardened(asset)


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/openapi.json", "/no/such/page", "/metrics"])
def test_served_api_and_404_answers_carry_the_headers(served_url: str, path: str) -> None:
    response = httpx.get(served_url + path, timeout=10)
    assert_hardened(response)
    if path.endswith(".json"):
        assert json.loads(response.text)["openapi"]
