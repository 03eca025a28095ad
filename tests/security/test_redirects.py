"""One rule for every redirect taken from input: a same-origin path, or the default page (routes and states)."""

from __future__ import annotations

import pytest

from learnapp.domain import routes
from learnapp.domain.redirects import DEFAULT_AFTER_SIGN_IN, safe_redirect
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from tests.security.conftest import Browser

REFUSED = [
    "javascript:document.body.innerHTML='X'",
    "JavaScript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "\x00javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http://evil.example",
    "HTTPS://evil.example",
    "/%2F/evil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    " /my-learning",
    "/my learning",
    "/courses/x\n",
    "/courses/\x7f",
    "evil.example",
    "my-learning",
    "",
    None,
]

KEPT = [
    "/",
    routes.MY_LEARNING,
    "/courses/python-basics",
    "/courses/python-basics/lessons/py-install?from=bell#top",
    "/courses/caf%C3%A9",
    "/profile?tab=tokens",
]


@pytest.mark.parametrize("target", REFUSED)
def test_anything_but_a_same_origin_path_goes_to_the_default_page(target: str | None) -> None:
    assert safe_redirect(target) == DEFAULT_AFTER_SIGN_IN
    assert safe_redirect(target, "/") == "/"


@pytest.mark.parametrize("target", KEPT)
def test_a_same_origin_path_is_kept(target: str) -> None:
    assert safe_redirect(target) == target


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "//evil.example", "/\\evil.example", "https://evil.example/"]
)
def test_the_login_route_redirects_only_inside_the_app(db: Database, browser: Browser, target: str) -> None:
    create_learner(db, "eve@example.com", "Eve", "correct-horse-1")
    response = browser.post(
        "/auth/login",
        data={"email": "eve@example.com", "password": "correct-horse-1", "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == DEFAULT_AFTER_SIGN_IN


@pytest.mark.parametrize("target", ["javascript:alert(1)", "//evil.example", "https://evil.example/"])
def test_a_refused_login_sends_back_a_safe_next(browser: Browser, target: str) -> None:
    response = browser.post(
        "/auth/login", data={"email": "nobody@example.com", "password": "x", "next": target}, follow_redirects=False
    )
    location = response.headers["location"]
    assert location.startswith("/login?") and "evil" not in location and "javascript" not in location
