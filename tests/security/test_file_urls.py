"""Download URLs: a certificate PDF for its owner or an admin only, "my data" for me only, admin files for admins.

The file routes authenticate with the session cookie; a guessed or shared URL alone gives nothing.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from learnapp.api.app import create_api
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import end_session
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.runs import runs_folder
from tests.security.conftest import ALICE, BOB, BobsData, Browser, Sessions, Tokens

ADMIN_FILES = "/admin-files/"


def assert_not_a_pdf(response: httpx.Response, status: int = 404) -> None:
    assert response.status_code == status, response.text
    assert not response.content.startswith(b"%PDF") and "pdf" not in response.headers.get("content-type", "")
    assert "content-disposition" not in response.headers
    assert response.json()["error"]["code"] == "not_found"


def test_bobs_certificate_pdf_goes_to_bob_and_an_admin_only(
    browser: Browser, sessions: Sessions, bobs_data: BobsData
) -> None:
    url = f"/certificates/{bobs_data.certificate_code}.pdf"
    for owner in (sessions.bob, sessions.admin):  # the control: the URL works for those allowed
        response = browser.signed_in(owner).get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert_not_a_pdf(browser.signed_in(sessions.alice).get(url))
    assert_not_a_pdf(browser.signed_in(None).get(url))
    assert_not_a_pdf(browser.signed_in("forged-session-value").get(url))


def test_spelling_the_code_differently_does_not_open_bobs_certificate(
    browser: Browser, sessions: Sessions, bobs_data: BobsData
) -> None:
    code = bobs_data.certificate_code
    alice = browser.signed_in(sessions.alice)
    for spelled in (code.lower(), f" {code}", f"{code}%20", code.swapcase(), f"{code}.pdf"):
        response = alice.get(f"/certificates/{spelled}.pdf")
        assert response.status_code in (404, 422) and not response.content.startswith(b"%PDF"), spelled
    assert browser.signed_in(sessions.bob).get(f"/certificates/{code.lower()}.pdf").status_code == 200


def test_the_certificate_route_ignores_bearer_tokens_and_smuggled_ids(
    browser: Browser, sessions: Sessions, tokens: Tokens, bobs_data: BobsData
) -> None:
    url = f"/certificates/{bobs_data.certificate_code}.pdf"
    assert_not_a_pdf(browser.get(url, headers={"Authorization": f"Bearer {tokens.bob}"}))
    alice = browser.signed_in(sessions.alice)
    assert_not_a_pdf(alice.get(url, params={"learner_id": BOB, "learner": BOB, "as": "bob@example.com"}))
    assert_not_a_pdf(alice.get(url, headers={"X-Learner-Id": str(BOB)}))


def test_a_certificate_of_an_ended_session_is_refused(
    db: Database, browser: Browser, sessions: Sessions, bobs_data: BobsData
) -> None:
    url = f"/certificates/{bobs_data.certificate_code}.pdf"
    end_session(db, sessions.bob)
    assert_not_a_pdf(browser.signed_in(sessions.bob).get(url))


@pytest.fixture
def alices_data(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    record_completion(db, ALICE, "e1")


def test_my_data_export_is_only_mine_whatever_i_pass(
    browser: Browser, sessions: Sessions, bobs_data: BobsData, alices_data: None
) -> None:
    alice = browser.signed_in(sessions.alice)
    plain = alice.get("/me/export.json")
    assert plain.status_code == 200 and plain.json()["learner"]["email"] == "alice@example.com"
    assert {c["lesson"] for c in plain.json()["completions"]} == {"e1"}
    smuggled = alice.get(
        "/me/export.json",
        params={"learner_id": BOB, "learner": BOB, "id": BOB, "email": "bob@example.com"},
        headers={"X-Learner-Id": str(BOB)},
    )
    assert smuggled.status_code == 200 and json.loads(smuggled.content) == json.loads(plain.content)
    assert "bob" not in smuggled.text.lower() and bobs_data.certificate_code not in smuggled.text
    # The control: Bob's own export does hold what Alice must not see.
    bobs = browser.signed_in(sessions.bob).get("/me/export.json")
    assert bobs.status_code == 200 and bobs.json()["learner"]["email"] == "bob@example.com"
    assert {c["lesson"] for c in bobs.json()["completions"]} == {"b1", "s1", "s2"}


@pytest.mark.parametrize("who", ["nobody", "forged", "ended", "bearer"])
def test_my_data_export_needs_a_live_session(
    db: Database, browser: Browser, sessions: Sessions, tokens: Tokens, bobs_data: BobsData, who: str
) -> None:
    if who == "ended":
        end_session(db, sessions.bob)
    client = browser.signed_in({"nobody": None, "forged": "x" * 43, "ended": sessions.bob, "bearer": None}[who])
    headers = {"Authorization": f"Bearer {tokens.bob}"} if who == "bearer" else {}
    response = client.get("/me/export.json", headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert "bob" not in response.text.lower()


def route_paths(routes: list[Any]) -> list[str]:
    """Paths of an app's routes, looking into included routers (FastAPI keeps them nested)."""
    paths = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        paths += route_paths(nested.routes) if nested is not None else [getattr(route, "path", "")]
    return paths


def admin_file_urls(db: Database) -> list[str]:
    """Every admin download route of the app, with the fixture course in place of its slug and, for run files, the
    rows report of a (dry) legacy import of Bob's progress."""
    source = runs_folder(db).parent / "bob.json"
    source.write_text(json.dumps([{"email": "bob@example.com", "pathway": "path", "module": "m-shared"}]))
    run = import_progress(db, source, "ops", dry_run=True, keep_good=True, runs_dir=runs_folder(db)).run_id
    found = [
        p.replace("{slug}", "course-b").replace("{run_id}", str(run)).replace("{name}", "rows.csv")
        for p in route_paths(create_api().router.routes)
        if p.startswith(ADMIN_FILES)
    ]
    assert found, "no admin file route found: did the prefix change?"
    return found


def test_admin_files_refuse_learners_and_strangers(
    db: Database, browser: Browser, sessions: Sessions, tokens: Tokens, bobs_data: BobsData
) -> None:
    for url in admin_file_urls(db):
        marker = "m-shared" if url.endswith("catalog.yaml") else "bob@example.com"  # the catalog holds no learner
        granted = browser.signed_in(sessions.admin).get(url)  # the control: an admin gets the file
        assert granted.status_code == 200 and marker in granted.text, url
        for session in (sessions.alice, sessions.bob, None, "forged-session-value"):
            refused = browser.signed_in(session).get(url, params={"role": "admin", "admin": "1"})
            assert refused.status_code in (401, 403, 404), (url, refused.status_code)
            assert marker not in refused.text and "csv" not in refused.headers.get("content-type", "")
            assert "yaml" not in refused.headers.get("content-type", "")
        with_token = browser.get(url, headers={"Authorization": f"Bearer {tokens.admin}"})
        assert with_token.status_code in (401, 403, 404) and marker not in with_token.text
