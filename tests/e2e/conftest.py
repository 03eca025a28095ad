"""Browser journeys: the real app served for real (or any deployment at LEARNAPP_E2E_URL), in Chromium.

Every journey runs under the app's Content-Security-Policy and fails on any violation the browser reports.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, served_app, wait_until_up


@dataclass(frozen=True)
class ServedApp:
    url: str
    db: Path | None  # the app's SQLite file when we serve it ourselves (or LEARNAPP_E2E_DB names it); else None


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """LEARNAPP_E2E_URL points the journeys at a running deployment; otherwise we serve our own."""
    given = os.environ.get("LEARNAPP_E2E_URL")
    if given:
        wait_until_up(given.rstrip("/"), None, None)
        db = os.environ.get("LEARNAPP_E2E_DB")
        yield ServedApp(given.rstrip("/"), Path(db) if db else None)
        return
    folder = tmp_path_factory.mktemp("e2e")
    with ExitStack() as running:
        # The test stands where a reverse proxy would: each test's browser names its own client address (below),
        # so every test signs up and logs in on a fresh rate-limit budget; the limits themselves stay as shipped.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LEARNAPP_TRUSTED_PROXIES", "127.0.0.1,::1")
            url = running.enter_context(served_app(folder))
        yield ServedApp(url, folder / "e2e.db")


_addresses = itertools.count(1)
_client = {"address": "10.99.0.1"}


def current_client_address() -> str:
    return _client["address"]


@pytest.fixture(autouse=True)
def fresh_client_address() -> None:
    """Each test's browser contexts send their own X-Forwarded-For: a client address no other test used."""
    number = next(_addresses)
    _client["address"] = f"10.99.{number // 250}.{number % 250 + 1}"


@pytest.fixture(scope="session")
def app_url(served: ServedApp) -> str:
    return served.url


@pytest.fixture(scope="session")
def app_db(served: ServedApp) -> Path | None:
    return served.db


# Runs before the page's own scripts in every document; the binding is Playwright's, untouched by the policy.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


@dataclass
class PolicyWatch:
    """Every Content-Security-Policy violation reported in the contexts it watches: events and console lines."""

    violations: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.expose_binding("__cspViolation", self._reported)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        return context

    def _reported(self, source: dict[str, Any], text: str) -> None:
        self.violations.append(f"{source['frame'].url}: {text}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text[:500]}")


class WatchedBrowser:
    """The launched Chromium; every context a journey opens on it is watched for policy violations."""

    def __init__(self, browser: Browser, policy: PolicyWatch) -> None:
        self._browser = browser
        self._policy = policy

    def new_context(self, **options: Any) -> BrowserContext:
        options.setdefault("extra_http_headers", {"X-Forwarded-For": _client["address"]})
        return self._policy.watch(self._browser.new_context(**options))

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def policy_watch() -> PolicyWatch:
    return PolicyWatch()


@pytest.fixture(scope="module")
def browser(policy_watch: PolicyWatch) -> Iterator[WatchedBrowser]:
    """Per module: Playwright's sync API runs an event loop on the main thread while it is open, and the
    suites collected after the journeys (security, services) call asyncio.run() there."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield WatchedBrowser(launched, policy_watch)
        launched.close()


@pytest.fixture(autouse=True)
def no_policy_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """A journey that used the browser (its `page` or contexts of its own) fails on any policy violation."""
    if "browser" not in request.fixturenames:
        yield
        return
    policy: PolicyWatch = request.getfixturevalue("policy_watch")
    policy.violations.clear()
    yield
    assert not policy.violations, "Content-Security-Policy violations:\n" + "\n".join(policy.violations)


@pytest.fixture
def page(browser: WatchedBrowser) -> Iterator[Page]:
    """A fresh context under the app's policy (violations fail the test, see no_policy_violations)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
