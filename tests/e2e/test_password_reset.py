"""Forgot password, in a browser: the emailed link sets a new password once; old password, old sessions and the
used link stop working. The served app has no SMTP configured, so its mail is the .eml folder beside its database."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import TIMEOUT, log_out, sign_up, submit_login
from tests.e2e.test_accessibility import AXE_OPTIONS

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-E")
NEW_PASSWORD = "a-new-password-2026"


def mail_to(folder: Path, email: str, timeout: float = 15.0) -> EmailMessage:
    """The message to `email` the app's mail worker writes (it polls every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in str(message["To"]):
                return message  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} in {folder} after {timeout} s")


def shoot(page: Page, name: str) -> None:
    """Screenshots at 1280 and 390 px, each width checked by axe-core: no violation."""
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        assert not violations, f"{name} at {width} px: {[(v['id'], v['help']) for v in violations]}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_learner_resets_a_forgotten_password_from_the_emailed_link(
    page: Page, browser: WatchedBrowser, app_url: str, app_db: Path | None
) -> None:
    if app_db is None:
        pytest.skip("needs the served app's mail folder")
    email = sign_up(page, app_url, name="Forgetful Learner", tag="reset")  # this browser stays signed in

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{app_url}/login")
    shoot(visitor, "login")
    visitor.get_by_role("link", name="Forgot password?").click()
    visitor.wait_for_url(re.compile(r"/forgot-password"), timeout=TIMEOUT)
    expect(visitor.get_by_role("heading", name="Forgot your password?")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, "forgot")
    visitor.locator("#email").fill(email)
    visitor.get_by_role("button", name="Send me a link").click()
    expect(visitor.get_by_role("status")).to_contain_text("If an account uses that email", timeout=TIMEOUT)
    shoot(visitor, "forgot-sent")

    message = mail_to(app_db.parent / "mail", email)
    assert message["Subject"] == "Reset your learnapp password"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https?://\S+/reset-password\?token=[\w-]+", text)
    assert link is not None and link.group(0) in html
    path = link.group(0).split("/reset-password", 1)[1]

    visitor.goto(f"{app_url}/reset-password{path}")
    expect(visitor.get_by_role("heading", name="Choose a new password")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, "reset")
    visitor.locator("#password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Set new password").click()
    expect(visitor.get_by_role("heading", name="Password changed")).to_be_visible(timeout=TIMEOUT)
    shoot(visitor, "reset-done")
    visitor.get_by_role("link", name="Log in with your new password").click()
    visitor.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT)
    submit_login(visitor, email, NEW_PASSWORD)
    expect(visitor.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)
    visitor.goto(f"{app_url}/profile")
    expect(visitor.get_by_role("heading", name="Email", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(visitor.get_by_role("switch", name="Milestones (25%, 50%, 75% of a course)")).not_to_be_checked()
    expect(visitor.get_by_role("switch", name="A reminder after 7 days without studying")).to_be_checked()
    visitor.get_by_role("heading", name="Email", exact=True).scroll_into_view_if_needed()
    shoot(visitor, "profile-email")
    log_out(visitor)

    # The old password no longer works, nor does the used link.
    visitor.goto(f"{app_url}/login")
    visitor.locator("#email").fill(email)
    visitor.locator("#password").fill("e2e-password-2026")
    visitor.locator("#auth-form").get_by_role("button", name="Log in").click()
    expect(visitor.get_by_role("alert")).to_contain_text("Email or password is not right", timeout=TIMEOUT)
    visitor.goto(f"{app_url}/reset-password{path}")
    expect(visitor.get_by_role("alert")).to_contain_text("expired or was already used", timeout=TIMEOUT)
    expect(visitor.locator("#password")).to_have_count(0)
    shoot(visitor, "reset-used")

    # The browser that was signed in before the reset is signed out.
    page.goto(f"{app_url}/profile")
    page.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT)
    visitor.context.close()
