"""Journey: a course finished in the browser reaches a real Learning Record Store (Ralph) as xAPI statements."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import COURSE, LESSONS, complete_lessons, enroll, sign_up
from tests.e2e.server import served_app
from tests.integrations.lrs import PASSWORD, RALPH, USER, Ralph

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not RALPH.exists(), reason="the Ralph LRS is not installed: `make test` installs it"),
]
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@dataclass(frozen=True)
class LrsApp:
    url: str
    ralph: Ralph
    db: Path

    def learner_id(self, email: str) -> str:
        with sqlite3.connect(self.db) as conn:
            return str(conn.execute("SELECT id FROM learner WHERE email = ?", (email,)).fetchone()[0])


@pytest.fixture(scope="module")
def lrs_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LrsApp]:
    folder = tmp_path_factory.mktemp("xapi-journey")
    ralph = Ralph(folder / "ralph")
    ralph.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LEARNAPP_TRUSTED_PROXIES", "127.0.0.1,::1")  # each browser names its own client address
            for name, value in (("URL", ralph.url), ("USER", USER), ("PASSWORD", PASSWORD)):
                patch.setenv(f"LEARNAPP_XAPI_{name}", value)
            with served_app(folder) as url:
                yield LrsApp(url, ralph, folder / "e2e.db")
    finally:
        ralph.stop()


def statements_of(ralph: Ralph, actor: str, want: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """One learner's statements in the LRS once the app's worker has sent at least `want` (the demo data's too)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [s for s in ralph.statements() if s["actor"].get("account", {}).get("name") == actor]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_course_finished_in_the_browser_arrives_at_the_lrs_once_per_cause(lrs_app: LrsApp, page: Page) -> None:
    email = sign_up(page, lrs_app.url, tag="xapi")
    enroll(page, lrs_app.url)
    complete_lessons(page, lrs_app.url, list(LESSONS))
    # Registered, every lesson completed, the course completed (time in lessons may add "experienced" ones).
    found = statements_of(lrs_app.ralph, lrs_app.learner_id(email), want=len(LESSONS) + 2)
    by_verb: dict[str, list[str]] = {}
    for statement in found:
        by_verb.setdefault(statement["verb"]["display"]["en-US"], []).append(statement["object"]["id"])
    origin = lrs_app.url
    assert by_verb["registered"] == [f"{origin}/courses/{COURSE}"]
    completed = sorted(by_verb["completed"])
    assert completed == sorted(
        [f"{origin}/lessons/{lesson.slug}" for lesson in LESSONS] + [f"{origin}/courses/{COURSE}"]
    )
    assert len({s["id"] for s in found}) == len(found)  # one statement per cause, none twice
    course = next(
        s for s in found if s["object"]["id"] == f"{origin}/courses/{COURSE}" and s["verb"]["id"] == COMPLETED
    )
    assert course["result"] == {"completion": True}
    assert course["actor"]["account"]["homePage"] == origin and "mbox" not in course["actor"]
