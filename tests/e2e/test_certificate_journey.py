"""Journey: finish the last lesson, see the celebration and 'certificate ready', download it, verify it logged out."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from learnapp.domain import routes
from tests.e2e.helpers import TIMEOUT, enroll, sign_up

pytestmark = pytest.mark.e2e


def finish_sql_foundations(page: Page, app_url: str) -> None:
    """Enroll in SQL Foundations and mark its five lessons complete in the player, one after the other."""
    enroll(page, app_url, "sql-foundations", "SQL Foundations")
    page.get_by_role("link", name="Continue Learning").click()
    for number in range(5):
        page.get_by_role("button", name="Mark as Complete").click()
        expect(page.get_by_role("button", name="Completed")).to_be_visible(timeout=TIMEOUT)
        if number < 4:
            page.get_by_role("link", name="Next").click()
            expect(page.get_by_role("button", name="Mark as Complete")).to_be_visible(timeout=TIMEOUT)


def test_finishing_a_course_issues_a_certificate_that_downloads_and_verifies(
    app_url: str, page: Page, browser: Browser
) -> None:
    sign_up(page, app_url, name="Grace Hopper", tag="certificate")
    finish_sql_foundations(page, app_url)
    expect(page.get_by_text("You completed SQL Foundations!")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("link", name="Download certificate")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Your certificate is ready", exact=True)).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download certificate").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert "Grace Hopper" in pdf and "SQL Foundations" in pdf
    verify_path = page.get_by_role("link", name="Verify").get_attribute("href")
    assert verify_path and re.fullmatch(r"/verify/[A-Z2-7]{16}", verify_path)
    assert verify_path.rsplit("/", 1)[1] in pdf

    stranger = browser.new_context().new_page()
    stranger.goto(app_url + verify_path)
    expect(stranger.get_by_role("heading", name="Valid certificate")).to_be_visible(timeout=TIMEOUT)
    expect(stranger.get_by_text("Grace Hopper")).to_be_visible()
    expect(stranger.get_by_text("SQL Foundations")).to_be_visible()
    stranger.goto(app_url + "/verify/000000000000")
    expect(stranger.get_by_role("heading", name="No such certificate")).to_be_visible(timeout=TIMEOUT)
    download_attempt = stranger.request.get(app_url + f"/certificates/{verify_path.rsplit('/', 1)[1]}.pdf")
    assert download_attempt.status == 404  # only its owner downloads the PDF
    stranger.context.close()


def _zone_off_utc_date() -> str:
    """A zone whose date differs from UTC's right now (−11 h before 11:00 UTC, +14 h from 10:00 UTC)."""
    now = datetime.now(UTC)
    for name in ("Pacific/Pago_Pago", "Pacific/Kiritimati"):
        if now.astimezone(ZoneInfo(name)).date() != now.date():
            return name
    raise AssertionError("one of the two zones is always on another date than UTC")


def test_a_certificate_shows_the_day_of_completion_where_the_learner_lives(app_url: str, page: Page) -> None:
    sign_up(page, app_url, name="Zeno Zone", tag="certificate-zone")
    zone = _zone_off_utc_date()
    page.goto(app_url + routes.PROFILE)
    page.get_by_label("Time zone").fill(zone)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Profile saved")).to_be_visible(timeout=TIMEOUT)
    finish_sql_foundations(page, app_url)
    finished = datetime.now(UTC)
    local, utc = finished.astimezone(ZoneInfo(zone)).date(), finished.date()
    assert local != utc  # the check below tells the two apart
    expect(page.get_by_role("link", name="Verify")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Verify").click()
    expect(page.get_by_text(f"on {local.strftime('%-d %B %Y')}")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(f"on {utc.strftime('%-d %B %Y')}")).to_have_count(0)
    page.goto(app_url + routes.MY_LEARNING)
    expect(page.get_by_text(f"Completed {local.strftime('%-d %b %Y')}").first).to_be_visible(timeout=TIMEOUT)
