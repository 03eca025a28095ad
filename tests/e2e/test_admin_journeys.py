"""Admin journeys: course statistics with charts, not-found for learners, content update with its impact first."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from learnapp.domain import routes
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e

ADMIN = ("admin@example.com", "admin-demo-2026")
LEARNER = ("learner@example.com", "learner-demo-2026")
SLOW = 20_000  # ms: an admin page reads aggregates over every learner
VIEWPORT = {"width": 1280, "height": 900}
PUBLISHED = Path(__file__).resolve().parents[2] / "content"  # what the served app imported (tests/e2e/server.py)


def signed_in(browser: Browser, base: str, who: tuple[str, str]) -> Page:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    log_in(page, base, *who)
    return page


def figure(page: Page, label: str) -> int:
    """The number on an admin tile, e.g. 'Completed' → 402."""
    tile = page.locator(".admin-tile").filter(has=page.locator(".admin-label", has_text=re.compile(f"^{label}$")))
    return int(tile.locator(".admin-figure").inner_text().replace(",", ""))


def test_admin_opens_a_course_from_the_overview_and_sees_its_charts(app_url: str, browser: Browser) -> None:
    page = signed_in(browser, app_url, ADMIN)
    page.get_by_role("link", name="Admin", exact=True).first.click()
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"data as of \d\d:\d\d:\d\d \(live\)"))).to_be_visible()
    page.get_by_role("link", name="Python Basics", exact=True).first.click()
    expect(page.get_by_role("heading", name="Python Basics", level=1)).to_be_visible(timeout=SLOW)
    for title in ("Progress", "Time to complete", "Lesson funnel", "Completions per day"):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(page.locator("svg.recharts-surface")).to_have_count(4)
    expect(page.locator(".recharts-bar-rectangle").first).to_be_visible()
    expect(page.get_by_role("cell", name="Installing Python")).to_be_visible()  # the funnel's table
    assert figure(page, "Enrolled") >= 1
    csv = page.request.get(f"{app_url}/admin-files/courses/python-basics/progress.csv")
    assert csv.status == 200 and csv.text().startswith("learner_id,name,email,")
    assert "learner@example.com" in csv.text()
    page.context.close()


@pytest.mark.parametrize(
    "path",
    [routes.ADMIN, routes.admin_node("course", "python-basics"), routes.admin_learner(1), routes.ADMIN_CONTENT],
)
def test_a_learner_typing_an_admin_address_sees_not_found(app_url: str, browser: Browser, path: str) -> None:
    page = signed_in(browser, app_url, LEARNER)
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    page.goto(app_url + path)
    expect(page.get_by_role("alert").filter(has_text="Page not found")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("data as of")).to_have_count(0)
    expect(page.locator("svg.recharts-surface")).to_have_count(0)
    assert page.title() == "learnapp"
    assert page.request.get(f"{app_url}/admin-files/courses/python-basics/progress.csv").status == 404
    page.context.close()


def changed_content(target: Path) -> list[Path]:
    """The published content (the repository's, which the served app imported) with one more lesson at the end of
    SQL Foundations, written to `target`."""
    target.mkdir()
    for file in PUBLISHED.glob("*.yaml"):
        shutil.copy(file, target / file.name)
    sql = target / "20-sql.yaml"
    data = yaml.safe_load(sql.read_text())
    data["modules"][-1]["lessons"].append({"slug": "sql-e2e-window-functions", "title": "Window Functions"})
    sql.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return sorted(target.glob("*.yaml"))


def preview(page: Page, files: list[Path]) -> None:
    """Upload the files through the drop zone's file input: they are checked and previewed at once."""
    page.locator("input[type=file]").set_input_files([str(f) for f in files])
    expect(page.get_by_text("Preview only: nothing has been written yet.")).to_be_visible(timeout=SLOW)


def apply(page: Page) -> None:
    page.get_by_role("button", name="Apply update").click()
    expect(page.get_by_text("Applied. Stored progress of the affected learners was recomputed.")).to_be_visible(
        timeout=SLOW
    )


def test_content_update_previews_the_known_impact_then_updates_progress(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    """One lesson more in SQL Foundations: everyone who finished it (the demo learner among them) drops below
    100%, nobody gains, their certificates stay; applying it reopens the course; the original content restores it."""
    admin = signed_in(browser, app_url, ADMIN)
    admin.goto(f"{app_url}/admin/courses/sql-foundations")
    expect(admin.get_by_role("heading", name="SQL Foundations", level=1)).to_be_visible(timeout=SLOW)
    finished = figure(admin, "Completed")
    assert finished >= 1  # the demo learner finished it

    admin.goto(app_url + routes.ADMIN_CONTENT)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    preview(admin, changed_content(tmp_path / f"e2e-update-{uuid.uuid4().hex[:8]}"))
    assert (figure(admin, "Courses changing"), figure(admin, "Dropping below 100%")) == (1, finished)
    assert (figure(admin, "Gaining 100%"), figure(admin, "Completions reopened")) == (0, finished)
    expect(admin.get_by_text("sql-foundations", exact=True)).to_be_visible()
    certificates = admin.get_by_role("row").filter(has_text="Ada Learner").filter(has_text="SQL Foundations")
    expect(certificates).to_have_count(1)  # the demo learner's, listed as affected (never revoked)
    assert figure(admin, "Certificates affected") >= 1
    apply(admin)

    learner = signed_in(browser, app_url, LEARNER)
    try:
        learner.goto(f"{app_url}/courses/sql-foundations")
        expect(learner.get_by_text("5 of 6 lessons completed")).to_be_visible(timeout=SLOW)
        admin.goto(f"{app_url}/admin/courses/sql-foundations")
        expect(admin.get_by_text("6 lessons", exact=True)).to_be_visible(timeout=SLOW)
        assert figure(admin, "Completed") == 0
    finally:
        admin.goto(app_url + routes.ADMIN_CONTENT)
        expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
        preview(admin, sorted(PUBLISHED.glob("*.yaml")))  # put the published content back for the journeys that follow
        assert figure(admin, "Gaining 100%") == finished
        apply(admin)
    learner.goto(f"{app_url}/courses/sql-foundations")
    expect(learner.get_by_text("5 of 5 lessons completed")).to_be_visible(timeout=SLOW)
    admin.context.close()
    learner.context.close()
