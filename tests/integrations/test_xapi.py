"""xAPI to the real Ralph LRS: one valid statement per cause (verbs, objects, context, times), retried, backfilled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnapp.cli import main
from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.outbox import events_of
from learnapp.persistence.xapi import counts
from learnapp.services.integrations.xapi import run_round
from tests.api.conftest import Api
from tests.conftest import ALICE
from tests.integrations.lrs import PASSWORD, RALPH, USER, Ralph

pytestmark = [
    pytest.mark.skipif(not RALPH.exists(), reason="the Ralph LRS is not installed: `make test` installs it"),
    pytest.mark.slow,  # starts the Ralph LRS: `make test` runs it, `make test-fast` does not
]
ORIGIN = "http://localhost:3000"
COMPLETED, REGISTERED = "http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/registered"


@pytest.fixture
def ralph(tmp_path: Path, settings_env: pytest.MonkeyPatch, db_url: str) -> Iterator[Ralph]:
    lrs = Ralph(tmp_path / "ralph")
    for name, value in (("URL", lrs.url), ("USER", USER), ("PASSWORD", PASSWORD)):
        settings_env.setenv(f"LEARNAPP_XAPI_{name}", value)
    settings_env.setenv("LEARNAPP_DATABASE_URL", db_url)  # the CLI's database is the test's
    yield lrs
    lrs.stop()


def by_object(statements: list[dict]) -> dict[tuple[str, str], dict]:
    return {(s["verb"]["display"]["en-US"], s["object"]["id"].removeprefix(ORIGIN)): s for s in statements}


def test_a_course_completed_through_the_api_reaches_ralph_once_per_cause(
    db: Database, learner_api: Api, ralph: Ralph
) -> None:
    assert learner_api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"}).status_code == 201
    for lesson in ("s1", "s2"):
        assert learner_api.post(f"/learners/{ALICE}/completions", {"lesson": lesson}).status_code == 201
    start = utcnow()
    run_round(db, start)  # the LRS is not up yet: the statements wait with their retry time
    with db.engine.connect() as conn:
        assert counts(conn) == {"pending": 4}
    ralph.start()
    for minutes in (10, 60, 120):  # retries fall due; a second round finds nothing left to send
        run_round(db, start + timedelta(minutes=minutes))
    with db.engine.connect() as conn:
        assert counts(conn) == {"sent": 4}
        events = {e.event_id: e for e in events_of(conn)}

    statements = ralph.statements()
    assert len(statements) == 4 and {s["id"] for s in statements} <= set(events)
    found = by_object(statements)
    assert set(found) == {
        ("registered", "/courses/course-b"),
        ("completed", "/lessons/s1"),
        ("completed", "/lessons/s2"),
        ("completed", "/courses/course-b"),
    }
    lesson = found[("completed", "/lessons/s1")]
    assert lesson["verb"]["id"] == COMPLETED and lesson["result"] == {"completion": True}
    assert lesson["actor"] == {"objectType": "Agent", "account": {"homePage": ORIGIN, "name": str(ALICE)}}
    assert lesson["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    context = lesson["context"]["contextActivities"]
    assert [a["id"] for a in context["parent"]] == [f"{ORIGIN}/modules/m-shared"]
    assert {a["id"].removeprefix(ORIGIN) for a in context["grouping"]} == {
        "/courses/course-a",
        "/courses/course-b",
        "/pathways/path",
    }
    registered = found[("registered", "/courses/course-b")]
    assert registered["verb"]["id"] == REGISTERED and "result" not in registered
    for statement in statements:  # the time of the change, not of the delivery
        assert abs(_parse(statement["timestamp"]) - events[statement["id"]].occurred_at) < timedelta(milliseconds=1)
        assert "mbox" not in statement["actor"]
    course = found[("completed", "/courses/course-b")]
    assert course["result"]["completion"] is True
    assert [a["id"] for a in course["context"]["contextActivities"]["grouping"]] == [f"{ORIGIN}/pathways/path"]

    # A backfill to the same LRS sends every statement again: same ids, same bodies, nothing duplicated.
    result = CliRunner().invoke(main, ["xapi", "backfill"])
    assert result.exit_code == 0, result.output
    assert "4 queued again, 4 accepted" in result.output
    assert len(ralph.statements()) == 4


def test_a_pathway_enrollment_registers_the_pathway_and_its_courses_and_backfill_since_a_date(
    db: Database, learner_api: Api, ralph: Ralph, tmp_path: Path
) -> None:
    assert learner_api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"}).status_code == 201
    ralph.start()
    run_round(db)
    found = by_object(ralph.statements())
    assert set(found) == {
        ("registered", "/pathways/path"),
        ("registered", "/courses/ac-course"),
        ("registered", "/courses/course-a"),
        ("registered", "/courses/course-b"),
    }
    assert found[("registered", "/pathways/path")]["object"]["definition"]["type"].endswith("curriculum")
    # A new, empty LRS: backfill --since tomorrow sends nothing, --since today sends all four.
    ralph.stop()
    fresh = Ralph(tmp_path / "fresh", port=ralph.port).start()
    try:
        tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
        assert CliRunner().invoke(main, ["xapi", "backfill", "--since", tomorrow]).exit_code == 0
        assert fresh.statements() == []
        today = utcnow().date().isoformat()
        assert CliRunner().invoke(main, ["xapi", "backfill", "--since", today]).exit_code == 0
        assert len(fresh.statements()) == 4
        bad = CliRunner().invoke(main, ["xapi", "backfill", "--since", "yesterday"])
        assert bad.exit_code == 1 and "not a date" in bad.output
    finally:
        fresh.stop()


def _parse(text: str):  # noqa: ANN202 - a datetime
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_time_in_a_lesson_is_an_experienced_statement_with_its_duration(
    db: Database, learner_api: Api, ralph: Ralph
) -> None:
    assert learner_api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"}).status_code == 201
    viewed = {"events": [{"id": "v-1", "type": "lesson_viewed", "lesson": "s1", "seconds": 240}]}
    assert learner_api.post(f"/learners/{ALICE}/events", viewed).status_code == 200
    with db.engine.connect() as conn:
        versions = [(e.topic, e.version) for e in events_of(conn, ALICE)]
    assert versions == [("enrollment.created", 1), ("lesson.viewed", 1)]  # noted at the version, not a change
    ralph.start()
    run_round(db, utcnow())
    found = by_object(ralph.statements())  # Ralph validated it (a bad statement is a 422)
    experienced = found[("experienced", "/lessons/s1")]
    assert experienced["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"
    assert experienced["result"] == {"duration": "PT240S"}
    assert [a["id"] for a in experienced["context"]["contextActivities"]["parent"]] == [f"{ORIGIN}/modules/m-shared"]
