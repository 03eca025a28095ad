"""Every page address the routes builders make is a page the app registers, and every registered page has a builder."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from learnapp.domain import routes
from learnapp.settings import ROOT

pytestmark = pytest.mark.slow  # imports the whole app in a process of its own (~5 s)

LIST_PAGES = "import json, learnapp.learnapp as m; print(json.dumps(sorted(m.app._unevaluated_pages)))"

BUILT = {
    routes.HOME,
    routes.LOGIN,
    routes.SIGNUP,
    routes.FORGOT_PASSWORD,
    routes.RESET_PASSWORD,
    routes.CONFIRM_EMAIL,
    routes.MY_LEARNING,
    routes.PROFILE,
    routes.ADMIN,
    routes.ADMIN_CONTENT,
    routes.ADMIN_DELIVERIES,
    routes.ADMIN_OPERATIONS,
    routes.ADMIN_WEBHOOKS,
    routes.course("python-basics"),
    routes.lesson("python-basics", "py-install"),
    routes.pathway("data-path"),
    routes.node("course", "sql-foundations"),
    routes.node("pathway", "data-path"),
    routes.admin_node("course", "python-basics"),
    routes.admin_node("pathway", "data-path"),
    routes.admin_learner(42),
    routes.verify("ABCD-2345"),
}


def _registered() -> list[str]:
    listed = subprocess.run([sys.executable, "-c", LIST_PAGES], cwd=ROOT, capture_output=True, text=True, check=True)
    return [page if page.startswith("/") else "/" + page for page in json.loads(listed.stdout.splitlines()[-1])]


def _pattern(page: str) -> re.Pattern[str]:
    """A registered page as Reflex matches it: a `[name]` segment stands for any one segment."""
    page = "/" if page in ("/index", "/") else page
    return re.compile("^" + re.sub(r"\\\[[^/]+?\\\]", "[^/]+", re.escape(page)) + "$")


def test_every_built_address_is_exactly_one_registered_page_and_every_page_has_a_builder() -> None:
    registered = [page for page in _registered() if page not in ("/404",)]
    patterns = {page: _pattern(page) for page in registered}
    for address in BUILT:
        path = address.split("?", 1)[0]
        matching = [page for page, pattern in patterns.items() if pattern.match(path)]
        assert len(matching) == 1, f"{address} matches {matching or 'no registered page'}"
    unbuilt = [page for page, pattern in patterns.items() if not any(pattern.match(a) for a in BUILT)]
    assert not unbuilt, f"pages registered without a builder here: {unbuilt}"
    assert routes.login_then(routes.lesson("a b", "c")) == "/login?next=/courses/a%20b/lessons/c"
