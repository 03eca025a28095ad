"""Journey: a visitor opens the home page and sees the real demo catalog."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e


def test_home_page_lists_the_demo_catalog(app_url: str, page: Page) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Catalog", level=1)).to_be_visible()
    for title in ("Python Developer", "Python Basics", "SQL Foundations", "Algorithms in Depth"):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.get_by_text("220 lessons", exact=False)).to_be_visible()


def test_home_page_stacks_cards_in_one_column_at_phone_width(app_url: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(app_url)
    first = page.get_by_role("heading", name="Python Developer", exact=True)
    second = page.get_by_role("heading", name="Python Basics", exact=True)
    expect(second).to_be_visible()
    box_a, box_b = first.bounding_box(), second.bounding_box()
    assert box_a and box_b and box_b["y"] > box_a["y"] + box_a["height"]
    assert abs(box_a["x"] - box_b["x"]) < 2
    context.close()


def test_served_health_checks_the_database(app_url: str) -> None:
    body = httpx.get(f"{app_url}/api/v1/health", timeout=5).json()
    assert body["status"] == "ok" and body["catalog_version"] >= 1
