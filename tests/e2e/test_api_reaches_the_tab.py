"""Journey: a completion reported over the REST API shows up in the learner's open tab within a second."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from learnapp.settings import ROOT
from tests.e2e.helpers import LESSONS, LIVE, enroll, expect_checked, expect_progress, expect_unchecked, open_lesson
from tests.e2e.helpers import sign_up as sign_up_learner

pytestmark = pytest.mark.e2e


def api_token(db: Path, email: str) -> str:
    env = {**os.environ, "LEARNAPP_DATABASE_URL": f"sqlite:///{db}"}
    created = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "learnapp"), "token", "create", "--email", email, "--name", "e2e"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def test_a_completion_sent_to_the_api_updates_the_open_tab(app_url: str, app_db: Path | None, page: Page) -> None:
    if app_db is None:
        pytest.skip("needs the database of the app under test to create an API token")
    email = sign_up_learner(page, app_url, tag="api")
    enroll(page, app_url)
    first, second = LESSONS[0], LESSONS[1]
    open_lesson(page, app_url, first)
    expect_unchecked(page, second)
    headers = {"Authorization": f"Bearer {api_token(app_db, email)}"}
    me = httpx.get(f"{app_url}/api/v1/me", headers=headers, timeout=5).json()
    response = httpx.post(
        f"{app_url}/api/v1/learners/{me['id']}/completions", json={"lesson": second.slug}, headers=headers, timeout=5
    )
    assert response.status_code == 201
    expect_checked(page, second, timeout=LIVE)
    expect_progress(page, 1, timeout=LIVE)
