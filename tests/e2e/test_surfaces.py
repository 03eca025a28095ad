"""Surfaces without a journey of their own: pathway page, profile, My Learning's filters, chart and achievements,
the player's sidebar collapse, the admin pathway page, shared-module credit and what Start over also resets.

One served app for the module (the session's); learners are prepared through the services on the app's own
database where clicking through dozens of lessons would test nothing new. Screenshots go to LEARNAPP_SHOTS.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import find_account
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.e2e.helpers import LESSONS, TIMEOUT, enroll, log_in, open_lesson, sign_up

pytestmark = pytest.mark.e2e

PATHWAY, PATHWAY_TITLE = "python-developer", "Python Developer"
SHARED_TITLES = ("Your First pytest Test", "Fixtures", "Parametrized Tests")
CERTIFICATE = 30_000  # ms: the app's worker renders the PDF off the click path
SLOW = 20_000  # ms: admin aggregates


@pytest.fixture(scope="module")
def app_database(app_db: Path | None) -> Iterator[Database]:
    if app_db is None:
        pytest.skip("needs the served app's database to prepare a learner's history")
    database = Database(f"sqlite:///{app_db}")
    yield database
    database.dispose()


def learner_id(database: Database, email: str) -> int:
    account = find_account(database, email)
    assert account is not None
    return account.id


def complete_all(database: Database, learner: int, course_slugs: list[str]) -> None:
    """Every countable lesson of these courses, through the service the API and the player use."""
    with database.snapshot() as conn:
        catalog = current_catalog(conn)
    for slug in course_slugs:
        course = catalog.course(slug)
        assert course is not None
        for lesson in course.lessons:
            if lesson.countable:
                record_completion(database, learner, lesson.slug, source="api")


TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at desktop and phone width, when LEARNAPP_SHOTS names a folder."""
    folder = os.environ.get("LEARNAPP_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 900}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(TWO_FRAMES)  # the new width laid out and painted
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


def test_pathway_page_enrolls_shows_progress_and_the_pathway_certificate(
    page: Page, app_url: str, app_database: Database
) -> None:
    email = sign_up(page, app_url, name="Pat Pathway", tag="pathway")
    page.goto(app_url + routes.pathway(PATHWAY))
    expect(page.get_by_role("heading", name=PATHWAY_TITLE, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"^3 courses · \d+ lessons$"))).to_be_visible()
    for number, title in enumerate(("Python Basics", "Python for Data", "Python for the Web"), start=1):
        expect(page.get_by_text(f"Course {number}", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_role("progressbar", name="Pathway progress")).to_have_attribute(
        "aria-valuenow", "0", timeout=TIMEOUT
    )
    expect(page.get_by_text("0 of 3 courses completed", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Continue Learning")).to_have_attribute(
        "href", re.compile(r"/courses/python-basics/lessons/")
    )

    complete_all(app_database, learner_id(app_database, email), ["python-basics", "python-data", "python-web"])
    page.reload()
    expect(page.get_by_text("3 of 3 courses completed", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("progressbar", name="Pathway progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("link", name="Review pathway")).to_be_visible()
    # The worker issues it while the page is open: it arrives without a reload.
    expect(page.get_by_text("Your certificate is ready", exact=True)).to_be_visible(timeout=CERTIFICATE)
    download = page.get_by_role("link", name="Download certificate")
    expect(download).to_have_attribute("href", re.compile(r"^/certificates/[A-Z2-7]{16}\.pdf$"))
    code = (download.get_attribute("href") or "").split("/")[-1].removesuffix(".pdf")
    pdf = page.request.get(f"{app_url}/certificates/{code}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    shoot(page, "pathway-certificate")

    page.goto(app_url + routes.MY_LEARNING)
    row = page.locator(".pathway-row")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row.get_by_role("link", name=PATHWAY_TITLE)).to_be_visible()
    expect(row.get_by_text("3 of 3 courses completed")).to_be_visible()
    expect(row.get_by_role("link", name="Download certificate")).to_have_attribute("href", f"/certificates/{code}.pdf")
    expect(row.get_by_text(re.compile(r"^Completed \d{1,2} [A-Z][a-z]{2} \d{4}$"))).to_be_visible()
    shoot(page, "my-learning-pathway")


def test_my_learning_filters_chart_achievements_and_plural_words(
    page: Page, app_url: str, app_database: Database
) -> None:
    email = sign_up(page, app_url, name="Mia Learner", tag="mylearning")
    me = learner_id(app_database, email)
    enroll_course(app_database, me, "sql-foundations")
    enroll_course(app_database, me, "python-basics")
    complete_all(app_database, me, ["sql-foundations"])
    record_completion(app_database, me, LESSONS[0].slug, source="api")

    page.goto(app_url + routes.MY_LEARNING)
    expect(page.get_by_role("heading", name="My Learning", level=1)).to_be_visible(timeout=TIMEOUT)
    streak = page.locator(".rt-Card").filter(has=page.get_by_text("Current streak", exact=True))
    expect(streak.get_by_text("1 day", exact=True)).to_be_visible(timeout=TIMEOUT)  # never "1 days"
    expect(page.get_by_text("1 days")).to_have_count(0)
    # The weekly chart: twelve weeks, this week's bar drawn (6 lessons).
    chart = page.locator(".rt-Card").filter(has=page.get_by_role("heading", name="Activity (last 12 weeks)"))
    expect(chart.locator("svg.recharts-surface")).to_be_visible()
    expect(chart.locator(".recharts-bar-rectangle path")).to_have_count(1)
    # Achievements: earned ones are solid, the rest outlined.
    badges = page.locator(".rt-Card").filter(has=page.get_by_role("heading", name="Achievements"))
    for earned in ("First step", "Course finisher"):
        expect(badges.locator(".rt-Badge", has_text=earned)).to_have_class(re.compile(r"rt-variant-solid"))
    for later in ("Ten down", "Centurion"):
        expect(badges.locator(".rt-Badge", has_text=later)).to_have_class(re.compile(r"rt-variant-outline"))

    sql = page.get_by_role("link", name="SQL Foundations", exact=True)
    basics = page.get_by_role("link", name="Python Basics", exact=True)
    expect(sql).to_be_visible()
    expect(basics).to_be_visible()
    page.get_by_role("radio", name="Completed").click()
    expect(basics).to_have_count(0, timeout=TIMEOUT)
    expect(sql).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Completed \d{1,2} [A-Z][a-z]{2} \d{4}$"))).to_be_visible()
    page.get_by_role("radio", name="In progress").click()
    expect(sql).to_have_count(0, timeout=TIMEOUT)
    expect(basics).to_be_visible()
    page.get_by_role("radio", name="All").click()
    expect(sql).to_be_visible(timeout=TIMEOUT)
    expect(basics).to_be_visible()
    shoot(page, "my-learning")


def test_profile_page_saves_name_and_time_zone(page: Page, app_url: str) -> None:
    sign_up(page, app_url, name="Zoe Zone", tag="profile")
    page.goto(app_url + routes.PROFILE)
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Zoe Zone", timeout=TIMEOUT)
    page.get_by_label("Name", exact=True).fill("Zoe Q. Zone")
    page.get_by_label("Time zone").fill("Asia/Kolkata")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Profile saved")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Zoe Q. Zone")
    # At once: saving updates the session check of the last moments (sessions.account_changed), so a reload right
    # away shows the stored values, not the account read a moment before.
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Zoe Q. Zone", timeout=TIMEOUT)
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("Unknown time zone 'Mars/Olympus_Mons'"))).to_be_visible(timeout=TIMEOUT)
    page.reload()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata", timeout=TIMEOUT)


def test_the_player_sidebar_collapses_and_remembers_it(page: Page, app_url: str) -> None:
    sign_up(page, app_url, name="Sid Sidebar", tag="sidebar")
    enroll(page, app_url)
    open_lesson(page, app_url, LESSONS[0])
    outline_link = page.get_by_role("link", name=LESSONS[1].title)
    expect(outline_link).to_be_visible()
    page.get_by_role("button", name="Hide outline").click()
    expect(outline_link).to_be_hidden(timeout=TIMEOUT)
    open_lesson(page, app_url, LESSONS[1])  # a fresh load: the choice is remembered
    expect(page.get_by_role("button", name="Show outline")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("link", name=LESSONS[2].title)).to_be_hidden()
    page.get_by_role("button", name="Show outline").click()
    expect(page.get_by_role("link", name=LESSONS[2].title)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Hide outline")).to_be_visible()


def test_admin_pathway_page_shows_its_charts_and_course_funnel(page: Page, app_url: str) -> None:
    log_in(page, app_url, "admin@example.com", "admin-demo-2026")
    page.goto(app_url + routes.admin_node("pathway", PATHWAY))
    expect(page.get_by_role("heading", name=PATHWAY_TITLE, level=1)).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"data as of \d\d:\d\d:\d\d"))).to_be_visible()
    for title in ("Progress", "Time to complete", "Courses of this pathway", "Lesson funnel", "Completions per day"):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(page.locator("svg.recharts-surface")).to_have_count(5)
    for course in ("Python Basics", "Python for Data", "Python for the Web"):
        expect(page.get_by_role("cell", name=course, exact=True).first).to_be_visible()
    shoot(page, "admin-pathway")


def test_shared_module_credit_is_named_and_start_over_lists_what_it_resets(
    page: Page, app_url: str, app_database: Database
) -> None:
    email = sign_up(page, app_url, name="Sam Shared", tag="shared")
    me = learner_id(app_database, email)
    enroll(page, app_url, "python-data", "Python for Data")
    with app_database.snapshot() as conn:
        module = next(m for m in current_catalog(conn).courses if m.slug == "python-data").modules[-1]
    assert module.slug == "py-testing-essentials"
    for lesson in module.lessons[:2]:
        record_completion(app_database, me, lesson.slug, source="api")
    enroll(page, app_url, "python-web", "Python for the Web")  # after: the credit came from Python for Data
    page.reload()
    for title in SHARED_TITLES[:2]:
        row = page.get_by_role("link", name=title)
        expect(row.get_by_label("Completed", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(row.get_by_text("Done in Python for Data", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=SHARED_TITLES[2]).get_by_text("Done in", exact=False)).to_have_count(0)
    expect(
        page.get_by_text(re.compile(r"Shared with Python for Data: a lesson done here counts there too"))
    ).to_be_visible()
    shoot(page, "course-done-in")

    page.get_by_role("button", name="Start over").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_text("Python for Data: 2 completed lessons of Testing with pytest")).to_be_visible(
        timeout=TIMEOUT
    )
    shoot(page, "start-over-dialog")
    dialog.get_by_role("button", name="Start over").click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    page.goto(f"{app_url}/courses/python-data")
    expect(page.get_by_text(re.compile(r"^0 of \d+ lessons completed$"))).to_be_visible(timeout=TIMEOUT)
