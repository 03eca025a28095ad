"""Each journey signs in on a fresh rate-limit budget: the served app counts per the address its browser names."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import current_client_address

pytestmark = pytest.mark.e2e


def log_in(app_url: str, address: str, email: str) -> str:
    response = httpx.post(
        f"{app_url}/auth/login",
        data={"email": email, "password": "not-the-password", "next": "/"},
        headers={"X-Forwarded-For": address},
        timeout=10,
    )
    assert response.status_code == 303
    return httpx.URL(response.headers["location"]).params["error"]


def test_a_spent_budget_is_this_tests_address_only(app_url: str) -> None:
    email = "budget@example.com"
    mine = current_client_address()
    answers = [log_in(app_url, mine, email) for _ in range(11)]  # the limit: 10 a minute per address and email
    assert answers[0] == "Email or password is not right." and answers[-1].startswith("Too many attempts")
    # The next test's browser names another address: its budget is whole (before, every test was 127.0.0.1).
    assert log_in(app_url, "10.98.0.1", email) == "Email or password is not right."
