"""Admin Deliveries page, in a browser: a failed email shows its reason; Retry sends it (to the served .eml folder)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from learnapp.domain import routes
from learnapp.domain.clock import utcnow
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database
from learnapp.services.mail.compose import compose
from tests.e2e.helpers import TIMEOUT, log_in
from tests.e2e.screens import shoot

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-D")


def failed_message(db: Database, subject_tag: str) -> None:
    """A message that has failed for good, as the worker leaves one the server refused three times."""
    now = utcnow()
    cause = f"e2e-failed:{subject_tag}"
    to = ("Bounced", f"{subject_tag}@example.com")
    message = compose("password_reset", to, cause, {"link": "http://x/"}, now)
    with db.transaction() as conn:
        mail_queue.queue(
            conn,
            {
                "cause_key": cause,
                "kind": "test",
                "learner_id": None,
                "to_address": f"{subject_tag}@example.com",
                "subject": str(message["Subject"]),
                "message_id": str(message["Message-ID"]),
                "raw": message.as_string(),
                "next_attempt_at": now + timedelta(days=365),  # not due: the worker leaves it alone
                "created_at": now,
            },
        )
        conn.execute(
            mail_queue.MESSAGE.update()
            .where(mail_queue.MESSAGE.c.cause_key == cause)
            .values(state="failed", attempts=3, last_error="PermanentFailure: 550 mailbox unavailable")
        )


def test_an_admin_sees_why_an_email_failed_and_retries_it(page: Page, app_url: str, app_db: Path | None) -> None:
    if app_db is None:
        pytest.skip("needs the served app's database to hold a failed message")
    db = Database(f"sqlite:///{app_db}")
    try:
        failed_message(db, "bounced-e2e")
    finally:
        db.dispose()
    log_in(page, app_url, "admin@example.com", "admin-demo-2026")
    page.goto(app_url + routes.ADMIN)
    page.get_by_role("link", name="Deliveries").click()
    page.wait_for_url(re.compile(r"/admin/deliveries"), timeout=TIMEOUT)
    row = page.get_by_role("row").filter(has_text="bounced-e2e@example.com")
    expect(row).to_contain_text("failed", timeout=TIMEOUT)
    expect(row).to_contain_text("550 mailbox unavailable")
    shoot(page, SHOTS, "deliveries")
    row.get_by_role("button", name=re.compile("^Retry")).click()
    expect(page.get_by_text("Queued again")).to_be_visible(timeout=TIMEOUT)
    deadline = time.monotonic() + 15  # the worker polls every second; the page shows what it read at Refresh
    while "sent" not in (row.inner_text() or "") and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh data").click()
        page.wait_for_timeout(500)
    expect(row).to_contain_text("sent")
    expect(row.get_by_role("button")).to_have_count(0)
    assert any("bounced-e2e" in path.read_text() for path in (app_db.parent / "mail").glob("*.eml"))
