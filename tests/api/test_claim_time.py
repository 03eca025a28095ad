"""An accepted claim's kept time is stored: later reads, the first completion and the certificate's date show it,
and a later recompute keeps it while the node stays complete."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.notices.certificates import certificates_of, issue_due, verify
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.api.conftest import Api, joined_on
from tests.clock import days_ago
from tests.conftest import ALICE
from tests.services.helpers import assert_stored_equals_recomputed

EVENTS = f"/learners/{ALICE}/events"
T = days_ago(30, 23, 58)  # the last lesson: 2 minutes before midnight (UTC), relative: never a future time
CLAIMED = T + timedelta(minutes=4)  # within ±5 minutes, and already the next day
DAY, NEXT_DAY = T.date(), CLAIMED.date()
AC_LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


@pytest.fixture(autouse=True)
def holder_in_utc(db: Database) -> None:
    """Certificates are dated in the holder's zone (SPEC §5): here UTC, so that 23:58 and 00:02 are two days."""
    with db.transaction() as conn:
        conn.execute(text("UPDATE learner SET time_zone = 'UTC' WHERE id = :id"), {"id": ALICE})


def send(api: Api, *events: dict[str, Any]) -> Any:
    response = api.post(EVENTS, {"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def lessons(slugs: list[str], last_at: datetime = T) -> list[dict[str, Any]]:
    """Every lesson an hour before `last_at`, the last one at `last_at`."""
    times = [last_at - timedelta(hours=1)] * (len(slugs) - 1) + [last_at]
    return [
        {"id": f"done-{slug}", "type": "lesson_completed", "lesson": slug, "occurred_at": at.isoformat()}
        for slug, at in zip(slugs, times, strict=True)
    ]


def claim(kind: str, slug: str, at: datetime, event_id: str = "claim-1") -> dict[str, Any]:
    return {"id": event_id, "type": f"{kind}_completed", kind: slug, "occurred_at": at.isoformat()}


def enrollment(api: Api, key: str, slug: str) -> dict[str, Any]:
    body = api.get(f"/learners/{ALICE}/progress").json()
    return next(e for e in body[f"{key}s"] if e[key] == slug)


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@pytest.fixture
def learner(api: Api, db: Database) -> Api:
    joined_on(db, ALICE, T - timedelta(days=60))
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"}).status_code == 201
    assert api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"}).status_code == 201
    return api


def test_a_kept_course_claim_is_the_stored_completion_time_and_the_certificate_date(learner: Api, db: Database) -> None:
    [*_, result] = send(learner, *lessons(["s1", "s2"]), claim("course", "course-b", CLAIMED))
    assert moment(result["completed_at"]) == CLAIMED and result["warnings"] == []
    stored = enrollment(learner, "course", "course-b")
    assert moment(stored["completed_at"]) == CLAIMED
    assert moment(stored["first_completed_at"]) == CLAIMED  # this was the first completion
    progress = learner.get(f"/learners/{ALICE}/courses/course-b/progress").json()
    assert moment(progress["completed_at"]) == CLAIMED
    [certificate] = [c for c in certificates_of(db, ALICE) if c.slug == "course-b"]
    assert certificate.completed_on == NEXT_DAY  # the claimed day, not the inferred one
    issue_due(db)
    found = verify(db, certificate.code)
    assert found is not None and found[1].completed_on == NEXT_DAY
    assert_stored_equals_recomputed(db)  # the claim, kept in the history, stands for the latest lesson's time


def test_a_claim_in_a_later_batch_still_moves_the_pending_certificate(learner: Api, db: Database) -> None:
    send(learner, *lessons(["s1", "s2"]))
    send(learner, claim("course", "course-b", CLAIMED))
    assert moment(enrollment(learner, "course", "course-b")["first_completed_at"]) == CLAIMED
    assert [c.completed_on for c in certificates_of(db, ALICE) if c.slug == "course-b"] == [NEXT_DAY]


def test_a_kept_pathway_claim_is_stored_too(learner: Api, db: Database) -> None:
    send(learner, *lessons([*AC_LESSONS, "s1", "s2", "e1"]), claim("pathway", "path", CLAIMED))
    stored = enrollment(learner, "pathway", "path")
    assert (moment(stored["completed_at"]), moment(stored["first_completed_at"])) == (CLAIMED, CLAIMED)
    progress = learner.get(f"/learners/{ALICE}/pathways/path/progress").json()
    assert moment(progress["completed_at"]) == CLAIMED
    assert [c.completed_on for c in certificates_of(db, ALICE) if c.kind == "pathway"] == [NEXT_DAY]


def test_a_claim_too_far_keeps_the_inferred_time(learner: Api, db: Database) -> None:
    [*_, result] = send(learner, *lessons(["s1", "s2"]), claim("course", "course-b", T + timedelta(minutes=6)))
    assert result["warnings"] and moment(result["completed_at"]) == T
    assert moment(enrollment(learner, "course", "course-b")["completed_at"]) == T
    assert [c.completed_on for c in certificates_of(db, ALICE) if c.slug == "course-b"] == [DAY]


def test_a_recompute_keeps_the_claimed_time_while_the_course_stays_complete(
    learner: Api, db: Database, tmp_path: Path
) -> None:
    send(learner, *lessons(["s1", "s2"]), claim("course", "course-b", CLAIMED))
    record_completion(db, ALICE, "e1")  # course-a (which shares s1, s2) and the pathway move
    report = recalculate(db, RecalcOptions(), tmp_path, "test")  # every stored row recomputed from the facts
    assert report.failed == 0
    assert moment(enrollment(learner, "course", "course-b")["completed_at"]) == CLAIMED
    assert_stored_equals_recomputed(db)


def test_an_undo_and_a_later_completion_take_the_new_inferred_time(learner: Api, db: Database) -> None:
    send(learner, *lessons(["s1", "s2"]), claim("course", "course-b", CLAIMED))
    revoke_completion(db, ALICE, "s2")
    assert enrollment(learner, "course", "course-b")["completed_at"] is None
    later = T + timedelta(hours=3)
    record_completion(db, ALICE, "s2", source="import", completed_at=later)
    stored = enrollment(learner, "course", "course-b")
    assert (moment(stored["completed_at"]), moment(stored["first_completed_at"])) == (later, CLAIMED)
    assert_stored_equals_recomputed(db)
