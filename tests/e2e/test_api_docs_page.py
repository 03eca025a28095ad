"""The interactive API docs work offline: every request off the app's origin is aborted, the operations still list."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.helpers import TIMEOUT

pytestmark = pytest.mark.e2e


def test_the_docs_list_the_operations_with_the_network_cut_off_the_apps_origin(page: Page, app_url: str) -> None:
    origin = urlsplit(app_url).netloc
    blocked: list[str] = []

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{app_url}/api/v1/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=TIMEOUT)
    reset = page.locator(".opblock-post .opblock-summary-path", has_text="/courses/{course}/reset")
    expect(reset).to_have_count(1)
    assert operations.count() >= 20
    expect(page.get_by_text("learnapp API")).to_be_visible()
    if shots := os.environ.get("LEARNAPP_SHOTS"):
        page.screenshot(path=f"{shots}/api-docs.png", full_page=False)
    assert blocked == []  # the page asked nothing of any other host (no CDN, no validator badge)
