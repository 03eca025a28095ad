"""Browser journeys: the real app served for real (or any deployment at LEARNAPP_E2E_URL), in Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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
    with served_app(folder) as url:
        yield ServedApp(url, folder / "e2e.db")


@pytest.fixture(scope="session")
def app_url(served: ServedApp) -> str:
    return served.url


@pytest.fixture(scope="session")
def app_db(served: ServedApp) -> Path | None:
    return served.db


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API runs an event loop on the main thread while it is open, and the
    suites collected after the journeys (security, services) call asyncio.run() there."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
