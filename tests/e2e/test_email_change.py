"""Change email, in a browser: the profile asks, the new inbox's link confirms once; then only the new address logs
in and the other browser is signed out. The served app has no SMTP: its mail is the .eml folder beside its database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import PASSWORD, TIMEOUT, log_out, sign_up, submit_login, unique_email
from tests.e2e.mailbox import mail_to, parts
from tests.e2e.screens import shoot

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-M")


def test_a_learner_changes_the_email_from_the_profile_and_confirms_it_from_the_new_inbox(
    page: Page, browser: WatchedBrowser, app_url: str, app_db: Path | None
) -> None:
    if app_db is None:
        pytest.skip("needs the served app's mail folder")
    folder = app_db.parent / "mail"
    old = sign_up(page, app_url, name="Moving Learner", tag="moving")
    new = unique_email("moved")
    elsewhere = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    elsewhere.goto(app_url + routes.LOGIN)
    submit_login(elsewhere, old)

    page.goto(app_url + routes.PROFILE)
    expect(page.get_by_role("heading", name="Change email")).to_be_visible(timeout=TIMEOUT)
    page.locator("#new_email").fill(new)
    page.locator("#current_password").fill(PASSWORD)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_role("status")).to_contain_text("Check your new inbox", timeout=TIMEOUT)
    expect(page.locator("#email")).to_have_value(old)  # nothing changes before the new address confirms
    expect(page.get_by_role("heading", name="Change email")).to_be_in_viewport()  # scrolled to the answer
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "profile-change-sent-viewport.png"))
    shoot(page, SHOTS, "profile-change-sent")

    notice = mail_to(folder, old, "Someone asked to change your learnapp email")
    assert routes.CONFIRM_EMAIL not in "".join(parts(notice))
    text, html = parts(mail_to(folder, new, "Confirm your new learnapp email"))
    link = re.search(r"https?://\S+/confirm-email\?token=[\w-]+", text)
    assert link is not None and link.group(0) in html
    path = routes.CONFIRM_EMAIL + link.group(0).split(routes.CONFIRM_EMAIL, 1)[1]

    page.goto(f"{app_url}{path}")
    expect(page.get_by_role("heading", name="Confirm your new email")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(new)).to_be_visible()
    shoot(page, SHOTS, "confirm")
    page.get_by_role("button", name="Confirm new email").click()
    expect(page.get_by_role("heading", name="Email changed")).to_be_visible(timeout=TIMEOUT)
    shoot(page, SHOTS, "confirm-done")
    mail_to(folder, old, "Your learnapp email was changed")

    # This browser stays signed in and shows the new email at once; the other one is signed out.
    page.get_by_role("link", name="Go to your profile").click()
    expect(page.locator("#email")).to_have_value(new, timeout=TIMEOUT)
    elsewhere.goto(app_url + routes.PROFILE)
    elsewhere.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT)
    elsewhere.context.close()

    # Only the new address logs in now, and the used link says so.
    log_out(page)
    page.locator("#email").fill(old)
    page.locator("#password").fill(PASSWORD)
    page.locator("#auth-form").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is not right", timeout=TIMEOUT)
    page.goto(app_url + routes.LOGIN)
    submit_login(page, new)
    expect(page.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)
    page.goto(f"{app_url}{path}")
    expect(page.get_by_role("alert")).to_contain_text("expired or was already used", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Confirm new email")).to_have_count(0)
    shoot(page, SHOTS, "confirm-used")
