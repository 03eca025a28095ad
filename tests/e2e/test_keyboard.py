"""Keyboard only: sign up, enroll, open a lesson, mark it complete, go to the next one and open the bell, with Tab,
Enter, Space and Escape; every element Tab reaches shows a visible focus ring."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from tests.e2e.helpers import COURSE, COURSE_TITLE, PASSWORD, TIMEOUT, unique_email

pytestmark = pytest.mark.e2e

MAX_TABS = 120  # more stops than any page has: beyond this, the target is not reachable by keyboard

# What has focus, and whether it shows a ring: an outline (ours in learnapp.css, or Radix's) on the element, or on
# the field root around a text input (Radix draws the ring there, through :focus-within).
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const ringed = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1
      && !/rgba\\(.*, 0\\)$|transparent/.test(style.outlineColor);
    return outline;
  };
  const field = element.closest(".rt-TextFieldRoot, .rt-TextAreaRoot");
  return {
    tag: element.tagName.toLowerCase(),
    type: element.getAttribute("type") || "",
    id: element.id,
    name: (element.getAttribute("aria-label") || element.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    ring: ringed(element) || (field !== null && ringed(field)),
    outline: getComputedStyle(field || element).outline,
  };
}"""


def tab_to(page: Page, wanted: str, tag: str | None = None, exact: bool = True) -> None:
    """Press Tab until the element named `wanted` (an id for fields) has focus; every stop on the way must show a
    focus ring."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        where = f"<{focused['tag']}> {focused['id'] or focused['name']!r}"
        seen.append(where)
        assert focused["ring"], f"no visible focus ring on {where} ({focused['outline']}) at {page.url}"
        named = focused["name"] == wanted if exact else wanted in focused["name"]
        if (focused["id"] == wanted or named) and (tag is None or focused["tag"] == tag):
            return
    raise AssertionError(f"{wanted!r} not reached by Tab on {page.url}; stops: {seen}")


def test_a_learner_gets_through_with_the_keyboard_alone(page: Page, app_url: str) -> None:
    page.goto(app_url + routes.SIGNUP)
    expect(page.get_by_role("heading", name="Sign up", level=1)).to_be_visible(timeout=TIMEOUT)
    for field, text in (("name", "Keyboard Learner"), ("email", unique_email("keyboard")), ("password", PASSWORD)):
        tab_to(page, field)
        page.keyboard.type(text)
    tab_to(page, "Sign up", tag="button")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: routes.SIGNUP not in url, timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)

    page.goto(app_url + routes.course(COURSE))
    expect(page.get_by_role("heading", name=COURSE_TITLE, level=1)).to_be_visible(timeout=TIMEOUT)
    tab_to(page, "Enroll", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Continue Learning")).to_be_visible(timeout=TIMEOUT)

    tab_to(page, "Continue Learning", tag="a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/lessons/"), timeout=TIMEOUT)
    first = page.url
    expect(page.get_by_role("button", name="Mark as Complete")).to_be_visible(timeout=TIMEOUT)

    tab_to(page, "Mark as Complete", tag="button")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Completed")).to_be_visible(timeout=TIMEOUT)

    tab_to(page, "Next", tag="a")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != first and "/lessons/" in url, timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Mark as Complete")).to_be_visible(timeout=TIMEOUT)

    tab_to(page, "Notifications", tag="button", exact=False)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Notifications", level=2)).to_be_visible(timeout=TIMEOUT)
    # The open bell passes the audit too (the journeys of test_accessibility see it closed).
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name="Notifications", level=2)).to_have_count(0)
    focused = page.evaluate(FOCUSED)
    assert focused is not None and "Notifications" in focused["name"] and focused["ring"], focused
