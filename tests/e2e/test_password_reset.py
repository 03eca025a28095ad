"""Forgot password, in a browser: the emailed link sets a new password once; old password, old sessions and the
used link stop working. The served app has no SMTP configured, so its mail is the .eml folder beside its database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import TIMEOUT, log_out, sign_up, submit_login
from tests.e2e.mailbox import mail_to
from tests.e2e.screens import shoot

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-E")
NEW_PASSWORD = "a-new-password-2026"


def test_a_learner_resets_a_forgotten_password_from_the_emailed_link(
    page: Page, browser: WatchedBrowser, app_url: str, app_db: Path | None
) -> None:
    if app_db is None:
        pytest.skip("needs the served app's mail folder")
    email = sign_up(page, app_url, name="Forgetful Learner", tag="reset")  # this browser stays signed in

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(app_url + routes.LOGIN)
    shoot(visitor, SHOTS, "login")
    visitor.get_by_role("link", name="Forgot password?").click()
    visitor.wait_for_url(re.compile(r"/forgot-password"), timeout=TIMEOUT)
    expect(visitor.get_by_role("heading", name="Forgot your password?")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, SHOTS, "forgot")
    visitor.locator("#email").fill(email)
    visitor.get_by_role("button", name="Send me a link").click()
    expect(visitor.get_by_role("status")).to_contain_text("If an account uses that email", timeout=TIMEOUT)
    shoot(visitor, SHOTS, "forgot-sent")

    message = mail_to(app_db.parent / "mail", email)
    assert message["Subject"] == "Reset your learnapp password"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https?://\S+/reset-password\?token=[\w-]+", text)
    assert link is not None and link.group(0) in html
    path = link.group(0).split(routes.RESET_PASSWORD, 1)[1]

    visitor.goto(f"{app_url}/reset-password{path}")
    expect(visitor.get_by_role("heading", name="Choose a new password")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, SHOTS, "reset")
    visitor.locator("#password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Set new password").click()
    expect(visitor.get_by_role("heading", name="Password changed")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, SHOTS, "reset-done")
    visitor.get_by_role("link", name="Log in with your new password").click()
    visitor.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT)
    submit_login(visitor, email, NEW_PASSWORD)
    expect(visitor.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)
    visitor.goto(app_url + routes.PROFILE)
    expect(visitor.get_by_role("heading", name="Email", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(visitor.get_by_role("switch", name="Milestones (25%, 50%, 75% of a course)")).not_to_be_checked()
    expect(visitor.get_by_role("switch", name="A reminder after 7 days without studying")).to_be_checked()
    visitor.get_by_role("heading", name="Email", exact=True).scroll_into_view_if_needed()
    shoot(visitor, SHOTS, "profile-email")
    log_out(visitor)

    # The old password no longer works, nor does the used link.
    visitor.goto(app_url + routes.LOGIN)
    visitor.locator("#email").fill(email)
    visitor.locator("#password").fill("e2e-password-2026")
    visitor.locator("#auth-form").get_by_role("button", name="Log in").click()
    expect(visitor.get_by_role("alert")).to_contain_text("Email or password is not right", timeout=TIMEOUT)
    visitor.goto(f"{app_url}/reset-password{path}")
    expect(visitor.get_by_role("alert")).to_contain_text("expired or was already used", timeout=TIMEOUT)
    expect(visitor.locator("#password")).to_have_count(0)
    shoot(visitor, SHOTS, "reset-used")

    # The browser that was signed in before the reset is signed out.
    page.goto(app_url + routes.PROFILE)
    page.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT)
    visitor.context.close()
