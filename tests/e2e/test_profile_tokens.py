"""Profile page, API tokens: a token made with an expiry lists it; past 20 active tokens the page says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import find_account
from learnapp.services.accounts.tokens import MAX_LIVE, create_token, list_tokens
from tests.e2e.helpers import TIMEOUT, sign_up

pytestmark = pytest.mark.e2e


def tokens_card(page: Page) -> Locator:
    return page.locator(".rt-Card").filter(has=page.get_by_role("heading", name="API tokens"))


def create_in_page(page: Page, name: str, expiry: str) -> None:
    card = tokens_card(page)
    card.get_by_label("Token name").fill(name)
    card.get_by_role("combobox", name="Token expiry").click()
    page.get_by_role("option", name=expiry).click()
    card.get_by_role("button", name="Create token").click()


def test_a_token_with_an_expiry_and_the_cap_on_the_profile_page(page: Page, app_url: str, app_db: Path | None) -> None:
    if app_db is None:
        pytest.skip("needs the served app's database to prepare 19 more tokens")
    email = sign_up(page, app_url, name="Token Owner", tag="tokens")
    page.goto(app_url + routes.PROFILE)
    create_in_page(page, "nightly export", "Expires in 90 days")
    expect(page.get_by_label("New API token")).to_be_visible(timeout=TIMEOUT)
    item = tokens_card(page).get_by_role("listitem").filter(has_text="nightly export")
    expect(item).to_contain_text("expires in 3 months", timeout=TIMEOUT)
    expect(item).to_contain_text("never used")

    db = Database(f"sqlite:///{app_db}")
    try:
        account = find_account(db, email)
        assert account is not None
        [made] = list_tokens(db, account.id)
        assert made.expires_at is not None and (made.expires_at - made.created_at).days == 90
        for number in range(MAX_LIVE - 1):
            create_token(db, account.id, f"script {number}")
        page.reload()
        expect(tokens_card(page)).to_contain_text(f"{MAX_LIVE} of {MAX_LIVE} active tokens", timeout=TIMEOUT)
        create_in_page(page, "one too many", "Never expires")
        refusal = tokens_card(page).get_by_role("alert")
        expect(refusal).to_contain_text(f"already has {MAX_LIVE} active tokens", timeout=TIMEOUT)
        assert len(list_tokens(db, account.id)) == MAX_LIVE
    finally:
        db.dispose()
