"""Ids and search text from input never answer 500: every API route with an integer path parameter (found from
the app, so new routes are covered), the admin learner search, and the admin learner page's id."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from learnapp.api.app import create_api
from learnapp.domain.ids import MAX_ID, parse_id
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.learners import find_learners
from learnapp.services.errors import NotFound
from learnapp.services.notices.certificates import certificate_pdf, verify
from learnapp.ui.pages.admin_learner import requested_learner
from tests.api.conftest import Api, Tokens, assert_error
from tests.security.conftest import ALICE, Browser, Sessions

# Out of range for a 32-bit column (2**31), a 64-bit one (2**63) and any (10**30); zero, negative, not numbers.
# (Pydantic reads "1.0", "+1" and "1_000" as the integers they spell: in range, those are ordinary ids.)
BAD_IDS = ["-1", "0", str(2**31), str(2**63), str(10**30), "1e3", "abc", "%C2%B2", "%EF%BC%91", "%00", "%20"]
# Valid for the string parameters, so the integer one is what is tested.
SAMPLES = {"course": "ac-course", "pathway": "path", "lesson": "b1", "slug": "ac-course", "code": "ABC"}
BODIES = {
    "/enrollments": {"course": "ac-course"},
    "/completions": {"lesson": "b1"},
    "/events": {"events": [{"id": "e", "type": "lesson_viewed", "lesson": "b1", "seconds": 1}]},
}


def _params(dependant: Dependant) -> Iterator[tuple[str, Any]]:
    for param in dependant.path_params:
        yield param.name, param.field_info.annotation
    for sub in dependant.dependencies:
        yield from _params(sub)


def _routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers as they are
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)


def id_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, integer parameters) of every route of the app that takes an integer in its path."""
    found = []
    for path, route in _routes(create_api().routes):
        integers = tuple(sorted({name for name, kind in _params(route.dependant) if kind is int}))
        found += [(method, path, integers) for method in sorted(route.methods or ()) if integers]
    return found


ID_ROUTES = id_routes()


def test_the_routes_with_ids_are_found() -> None:
    paths = {path for _method, path, _names in ID_ROUTES}
    assert "/api/v1/tokens/{token_id}" in paths and "/api/v1/admin/learners/{learner_id}/progress" in paths
    assert sum(p.startswith("/api/v1/learners/{learner_id}/") for p in paths) >= 10


def url(path: str, integers: tuple[str, ...], value: str) -> str:
    for name in integers:
        path = path.replace("{" + name + "}", value)
    for name, sample in SAMPLES.items():
        path = path.replace("{" + name + "}", sample)
    assert "{" not in path, f"no sample for a parameter of {path}"
    return path


def call(browser: Browser, token: str, method: str, path: str) -> Any:
    body = next((b for suffix, b in BODIES.items() if path.endswith(suffix)), None)
    if method == "PATCH":  # the one PATCH (a webhook endpoint's enabled flag): a valid body, so the id is tested
        body = {"enabled": True}
    kwargs: dict[str, Any] = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
    return browser.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


@pytest.mark.parametrize(("method", "path", "integers"), ID_ROUTES)
def test_an_id_out_of_range_or_not_a_number_is_a_422_never_a_500(
    browser: Browser, tokens: Tokens, method: str, path: str, integers: tuple[str, ...]
) -> None:
    for value in BAD_IDS:
        response = call(browser, tokens.admin, method, url(path, integers, value))  # an admin passes every guard
        assert response.status_code in (404, 422), (value, response.status_code, response.text)
        assert_error(response, response.status_code, "validation_error" if response.status_code == 422 else "not_found")


@pytest.mark.parametrize(("method", "path", "integers"), ID_ROUTES)
def test_the_largest_id_in_range_reaches_the_database_and_is_a_404(
    browser: Browser, tokens: Tokens, method: str, path: str, integers: tuple[str, ...]
) -> None:
    for token in (tokens.admin, tokens.alice):
        response = call(browser, token, method, url(path, integers, str(MAX_ID)))
        if response.status_code != 403:  # Alice's token on an admin route: refused before any id is read
            assert_error(response, 404, "not_found")
    own = call(browser, tokens.alice, "GET", f"/api/v1/learners/{ALICE}/progress")
    assert own.status_code == 200  # the same routes do answer a real id


def path_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, every path parameter) of every route of the app that takes anything in its path."""
    found = []
    for path, route in _routes(create_api().routes):
        names = tuple(sorted({name for name, _kind in _params(route.dependant)} - {"path"}))
        found += [(method, path, names) for method in sorted(route.methods or ()) if names]
    return found


@pytest.mark.parametrize(("method", "path", "names"), path_routes())
def test_a_nul_or_a_huge_number_in_any_path_parameter_is_never_a_500(
    browser: Browser, tokens: Tokens, sessions: Sessions, method: str, path: str, names: tuple[str, ...]
) -> None:
    """PostgreSQL refuses a NUL in text and a number past its column: neither may reach it from a path."""
    client = browser.signed_in(sessions.admin)  # the file routes read the cookie, the API the token
    for value in ("%00", "a%00b", str(10**30), "%C2%B2", "x" * 300):
        target = path
        for name in names:
            target = target.replace("{" + name + "}", value)
        response = call(client, tokens.admin, method, target)
        assert response.status_code < 500, (target, response.status_code, response.text)


def test_certificate_codes_from_input_never_reach_the_database_unless_they_can_be_codes(db: Database) -> None:
    for code in ("\x00", "A\x00B", "x" * 300, "²", "../etc"):
        assert verify(db, code) is None
        with pytest.raises(NotFound):
            certificate_pdf(db, code, ALICE, True)


def test_an_event_id_must_be_printable(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    for event_id in ("a\x00b", "line\nbreak", "\x7f"):
        event = {"id": event_id, "type": "lesson_viewed", "lesson": "b1", "seconds": 1}
        assert_error(api.post(f"/learners/{ALICE}/events", {"events": [event]}), 422, "validation_error")


@pytest.mark.parametrize("text", ["²", "³1", "１２", str(10**30), str(2**63), str(2**31), "-1", "0", "a\x00b"])
def test_admin_search_for_odd_text_finds_nobody_instead_of_failing(db: Database, text: str) -> None:
    assert find_learners(db, text) == []


def test_admin_search_ignores_a_nul_and_wildcards(db: Database) -> None:
    everyone = find_learners(db, "")
    assert find_learners(db, "\x00") == everyone == find_learners(db, "%") == find_learners(db, "_") != []


def test_admin_search_still_finds_by_id_name_and_email(db: Database) -> None:
    other = create_learner(db, "someone@example.com", "Number 2147483647", "password-123")
    assert [r.id for r in find_learners(db, " 0001 ")] == [ALICE]  # by id (no name or email holds 0001)
    assert [r.id for r in find_learners(db, "2147483647")] == [other.id]  # by name: no learner has that id
    assert [r.id for r in find_learners(db, "99999999999")] == []  # 11 digits: text only, never an id lookup
    assert [r.id for r in find_learners(db, "SOMEONE@")] == [other.id]


@pytest.mark.parametrize(
    ("raw", "wanted"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ID), MAX_ID),
        ("", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("²", None),
        ("１", None),  # a full-width one is a digit to Python, not an id
        ("1e3", None),
        ("1.0", None),
        (str(MAX_ID + 1), None),
        (str(2**63), None),
        (str(10**30), None),
        ("9" * 5000, None),
        ("abc", None),
        ("1\x00", None),
    ],
)
def test_the_admin_learner_page_reads_only_an_id_in_range(raw: str, wanted: int | None) -> None:
    assert requested_learner(raw) == wanted == parse_id(raw)
