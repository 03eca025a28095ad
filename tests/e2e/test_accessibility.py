"""Accessibility: axe-core finds no violation on any page of SPEC §12, signed out, as a learner and as an admin,
in light and dark, at 1280 and 390 px (one served app, one browser, one tab per role)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import TIMEOUT, log_in

pytestmark = pytest.mark.e2e

LEARNER = ("learner@example.com", "learner-demo-2026")  # the demo accounts `learnapp demo` creates
ADMIN = ("admin@example.com", "admin-demo-2026")
COURSE, PATHWAY, LESSON, PREVIEW = "python-basics", "python-developer", "py-install", "py-why-python"
WIDTHS = (1280, 390)
Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")
# Every rule axe-core runs by default (WCAG 2.0-2.2 A and AA plus its best practices), results as violations only.
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass(frozen=True)
class Known:
    """Ids only the database knows: a learner for the admin's learner page, an issued certificate for /verify."""

    learner_id: int
    certificate: str


@pytest.fixture(scope="module")
def known(app_db: Path | None) -> Known:
    if app_db is None:
        pytest.skip("needs the served app's database (LEARNAPP_E2E_DB) for a learner id and a certificate code")
    with sqlite3.connect(app_db) as db:
        (learner_id,) = db.execute("SELECT id FROM learner WHERE email = ?", (LEARNER[0],)).fetchone()
        row = db.execute("SELECT code FROM certificate WHERE status = 'issued' ORDER BY id LIMIT 1").fetchone()
    return Known(learner_id, row[0] if row else "AAAAAAAAAAAAAAAA")


def signed_out_pages(known: Known) -> list[str]:
    return [
        "/",
        routes.SIGNUP,
        routes.LOGIN,
        routes.course(COURSE),
        routes.pathway(PATHWAY),
        routes.lesson(COURSE, PREVIEW),
        routes.verify(known.certificate),
        "/verify/AAAAAAAAAAAAAAAA",
    ]


def learner_pages(known: Known) -> list[str]:
    return [
        "/",
        routes.MY_LEARNING,
        routes.PROFILE,
        routes.course(COURSE),
        routes.pathway(PATHWAY),
        routes.lesson(COURSE, LESSON),
        routes.verify(known.certificate),
    ]


def admin_pages(known: Known) -> list[str]:
    return [
        routes.ADMIN,
        routes.admin_node("course", COURSE),
        routes.admin_node("pathway", PATHWAY),
        routes.admin_learner(known.learner_id),
        routes.ADMIN_CONTENT,
        routes.ADMIN_OPERATIONS,
        routes.ADMIN_WEBHOOKS,
    ]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def tab(browser: WatchedBrowser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    yield context.new_page()
    context.close()


def show(page: Page, url: str, theme: Theme, width: int) -> None:
    """Open the page in the theme and width, and wait until its data has arrived over the websocket."""
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=theme, reduced_motion="reduce")  # no fade-ins half way through a check
    page.goto(url)
    heading = page.locator("h1").first
    expect(heading).to_be_visible(timeout=TIMEOUT)
    expect(heading).not_to_have_text("", timeout=TIMEOUT)
    # Reflex follows the system theme: the page really is in the theme under test.
    expect(page.locator("html")).to_have_class(theme if theme == "dark" else "light", timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")


# axe-core flags a link inside a button but not a button inside a link: both are two controls in one (the issue's
# Previous and Next were buttons inside links), announced twice and tabbed into twice.
NESTED_INTERACTIVE = """() => {
  const outer = "a[href], button, [role=button], [role=link], input, select, textarea, summary";
  const inner = outer + ", [tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll(inner)]
    .filter((element) => element.parentElement && element.parentElement.closest(outer))
    .map((element) => element.outerHTML.slice(0, 120));
}"""


def audit(page: Page, axe: Axe, base: str, paths: list[str]) -> list[str]:
    """Every violation on every page in every theme and width, one line per rule and page."""
    found = []
    for width in WIDTHS:
        for theme in THEMES:
            for path in paths:
                show(page, base + path, theme, width)
                where = f"{path} {theme} {width}px"
                for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
                    nodes = violation["nodes"]
                    targets = [" ".join(map(str, node["target"])) for node in nodes][:3]
                    why = nodes[0].get("failureSummary", "").replace("\n", " ")[:300] if nodes else ""
                    found.append(f"{where}: {violation['id']} ({violation['impact']}) {targets} {why}")
                found += [f"{where}: control inside a control: {html}" for html in page.evaluate(NESTED_INTERACTIVE)]
    return found


def test_signed_out_pages_have_no_violations(app_url: str, tab: Page, axe: Axe, known: Known) -> None:
    violations = audit(tab, axe, app_url, signed_out_pages(known))
    assert not violations, "\n".join(violations)


def test_learner_pages_have_no_violations(app_url: str, tab: Page, axe: Axe, known: Known) -> None:
    log_in(tab, app_url, *LEARNER)
    violations = audit(tab, axe, app_url, learner_pages(known))
    assert not violations, "\n".join(violations)


def test_admin_pages_have_no_violations(app_url: str, tab: Page, axe: Axe, known: Known) -> None:
    log_in(tab, app_url, *ADMIN)
    violations = audit(tab, axe, app_url, admin_pages(known))
    assert not violations, "\n".join(violations)


def test_no_built_with_reflex_badge(app_url: str, tab: Page) -> None:
    """The badge Reflex adds to production builds sat over page content; rxconfig turns it off."""
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        tab.goto(app_url + routes.LOGIN)
        expect(tab.get_by_role("heading", name="Log in", level=1)).to_be_visible(timeout=TIMEOUT)
        expect(tab.get_by_text("Built with Reflex")).to_have_count(0)
        expect(tab.locator("a[href^='https://reflex.dev']")).to_have_count(0)
