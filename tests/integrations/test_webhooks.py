"""Webhooks against a real receiver on loopback: signed, once per id, in version order, retried, given up, SSRF-safe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.outbox import events_of
from learnapp.persistence.tables import Notification
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.integrations.webhook_delivery import MAX_ATTEMPTS, run_round
from tests.api.conftest import Api, assert_error
from tests.conftest import ADMIN, ALICE, BOB
from tests.integrations.receiver import Receiver

ALL = ["lesson.completed", "lesson.uncompleted", "course.completed", "enrollment.created", "progress.reset"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.stop()


def add(api: Api, url: str, events: list[str]) -> dict:
    response = api.post("/admin/webhooks", {"url": url, "events": events})
    assert response.status_code == 201, response.text
    return response.json()


def drain(db: Database, start: datetime, rounds: int = 40, step: timedelta = timedelta(hours=1)) -> datetime:
    """Worker rounds on a clock that moves on by `step` each round (retries fall due without waiting)."""
    now = start
    for _ in range(rounds):
        run_round(db, now)
        now += step
    return now


def study(db: Database, learner: int) -> None:
    enroll_course(db, learner, "ac-course")
    for lesson in ("b1", "b2", "b3", "c1"):
        record_completion(db, learner, lesson)
    revoke_completion(db, learner, "b2")
    record_completion(db, learner, "b2")


def test_receiver_down_then_up_gets_every_event_once_signed_and_in_version_order(
    db: Database, admin_api: Api, receiver: Receiver, loopback_allowed: None
) -> None:
    created = add(admin_api, receiver.url, ALL)
    receiver.secret = created["secret"]
    assert created["secret"].startswith("whsec_") and "secret" not in admin_api.get("/admin/webhooks").json()[0]
    study(db, ALICE)
    study(db, BOB)
    start = utcnow()
    run_round(db, start)  # down: connection refused, each learner's first delivery backs off; the rest wait
    log = admin_api.get(f"/admin/webhooks/{created['id']}/deliveries").json()
    tried = [d for d in log if d["attempts"]]
    assert {d["learner_id"] for d in tried} == {ALICE, BOB} and len(tried) == 2
    assert all(d["status"] == "pending" and d["response_code"] is None and "Connect" in d["last_error"] for d in tried)
    for lesson in ("c2", "c3"):  # clicks go on while the receiver is down
        record_completion(db, ALICE, lesson)
    reset_course(db, BOB, "ac-course")
    run_round(db, start + timedelta(seconds=1))
    receiver.start()
    drain(db, start + timedelta(minutes=10))

    assert receiver.bad_signatures == 0
    expected = {e.event_id: e for e in events_of(db.engine.connect()) if e.topic in ALL}
    got = [r.webhook_id for r in receiver.received]
    assert sorted(got) == sorted(expected) and len(receiver.attempts) == len(got)  # once per id, none twice
    for learner in (ALICE, BOB):
        versions = [r.body["data"]["version"] for r in receiver.received if r.body["data"]["learner_id"] == learner]
        assert versions == sorted(versions) and len(versions) > 5
    first = receiver.received[0]
    event = expected[first.webhook_id]
    assert first.body["type"] == event.topic and first.body["data"] == event.payload
    assert first.body["timestamp"].endswith("Z")
    log = admin_api.get(f"/admin/webhooks/{created['id']}/deliveries").json()
    assert {d["status"] for d in log} == {"delivered"} and all(d["response_code"] == 204 for d in log)
    assert all(d["latency_ms"] is not None for d in log)
    assert admin_api.get(f"/admin/webhooks/{created['id']}").json()["failures"] == 0


def test_only_the_wanted_types_are_posted(
    db: Database, admin_api: Api, receiver: Receiver, loopback_allowed: None
) -> None:
    receiver.secret = add(admin_api, receiver.url, ["course.completed"])["secret"]
    receiver.start()
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    drain(db, utcnow(), rounds=2)
    assert receiver.received == []
    record_completion(db, ALICE, "s2")
    drain(db, utcnow(), rounds=2)
    assert [r.body["type"] for r in receiver.received] == ["course.completed"]
    assert receiver.received[0].body["data"]["slug"] == "course-b"


def test_an_endpoint_failing_for_a_day_is_disabled_the_admin_told_and_resend_works(
    db: Database, admin_api: Api, receiver: Receiver, loopback_allowed: None
) -> None:
    created = add(admin_api, receiver.url, ["enrollment.created"])
    receiver.secret, receiver.status = created["secret"], 500
    receiver.start()
    enroll_course(db, ALICE, "course-b")
    start = utcnow()
    run_round(db, start)
    assert admin_api.get(f"/admin/webhooks/{created['id']}").json()["enabled"] is True
    drain(db, start + timedelta(seconds=10), rounds=12, step=timedelta(hours=12))
    endpoint = admin_api.get(f"/admin/webhooks/{created['id']}").json()
    assert endpoint["enabled"] is False and "about a day" in endpoint["disabled_reason"]
    assert endpoint["failures"] == MAX_ATTEMPTS and endpoint["deliveries"] == {"failed": 1}
    [delivery] = admin_api.get(f"/admin/webhooks/{created['id']}/deliveries").json()
    assert delivery["attempts"] == MAX_ATTEMPTS == len(receiver.attempts) and delivery["response_code"] == 500
    with db.engine.connect() as conn:
        notices = conn.execute(select(Notification.learner_id, Notification.title)).all()
    assert [(who, "disabled" in title) for who, title in notices if "Webhook" in title] == [(ADMIN, True)]

    # A disabled endpoint gets no new deliveries; enabled again and resent, the event arrives.
    enroll_course(db, BOB, "course-b")
    run_round(db)
    receiver.status = 204
    assert admin_api.request("PATCH", f"/admin/webhooks/{created['id']}", json={"enabled": True}).status_code == 200
    assert admin_api.post(f"/admin/webhooks/{created['id']}/deliveries/{delivery['id']}/resend").status_code == 202
    drain(db, utcnow(), rounds=2)
    assert [r.body["data"]["learner_id"] for r in receiver.received] == [ALICE]


def test_redirects_are_not_followed(db: Database, admin_api: Api, receiver: Receiver, loopback_allowed: None) -> None:
    elsewhere = Receiver().start()
    try:
        created = add(admin_api, receiver.url, ["enrollment.created"])
        receiver.secret, elsewhere.secret = created["secret"], created["secret"]
        receiver.status, receiver.location = 307, elsewhere.url
        receiver.start()
        enroll_course(db, ALICE, "course-b")
        run_round(db)
        [delivery] = admin_api.get(f"/admin/webhooks/{created['id']}/deliveries").json()
        assert delivery["response_code"] == 307 and delivery["status"] == "pending"
        assert len(receiver.attempts) == 1 and elsewhere.attempts == []
    finally:
        elsewhere.stop()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",  # loopback, without the setting
        "https://10.1.2.3/hook",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",  # a private IPv4 address written as IPv6
        "https://localhost/hook",  # a name that resolves to loopback
        "ftp://example.org/hook",
        "https://user:pw@example.org/hook",
        "not a url",
    ],
)
def test_urls_into_the_operators_network_are_refused(db: Database, admin_api: Api, url: str) -> None:
    assert_error(admin_api.post("/admin/webhooks", {"url": url, "events": ALL}), 400, "webhook_url_refused")
    assert admin_api.get("/admin/webhooks").json() == []


def test_plain_http_only_with_a_local_origin(db: Database, admin_api: Api, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "true")
    settings_env.setenv("LEARNAPP_ORIGIN", "https://learn.example.org")
    error = assert_error(
        admin_api.post("/admin/webhooks", {"url": "http://127.0.0.1:9/h", "events": ALL}), 400, "webhook_url_refused"
    )
    assert "https" in error["message"]


def test_the_address_is_checked_again_at_delivery(
    db: Database, admin_api: Api, receiver: Receiver, settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "true")
    created = add(admin_api, receiver.url, ["enrollment.created"])
    receiver.secret = created["secret"]
    receiver.start()
    settings_env.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "false")
    from learnapp.settings import get_settings

    get_settings.cache_clear()
    enroll_course(db, ALICE, "course-b")
    run_round(db)
    [delivery] = admin_api.get(f"/admin/webhooks/{created['id']}/deliveries").json()
    assert "loopback" in delivery["last_error"] and receiver.attempts == []


def test_admin_only_one_error_shape_and_documented(db: Database, admin_api: Api, learner_api: Api) -> None:
    assert_error(learner_api.get("/admin/webhooks"), 403, "forbidden")
    assert_error(admin_api.as_(None).get("/admin/webhooks"), 401, "unauthorized")
    assert_error(admin_api.get("/admin/webhooks/99"), 404, "not_found")
    assert_error(admin_api.delete("/admin/webhooks/99"), 404, "not_found")
    assert_error(admin_api.post("/admin/webhooks/99/deliveries/1/resend"), 404, "not_found")
    assert_error(
        admin_api.post("/admin/webhooks", {"url": "https://example.org", "events": ["nope"]}), 422, "validation_error"
    )
    assert_error(
        admin_api.post("/admin/webhooks", {"url": "https://example.org", "events": []}), 422, "validation_error"
    )
    spec = admin_api.get("/openapi.json").json()
    assert set(spec["webhooks"]) == set(ALL) | {"pathway.completed", "certificate.issued"}
    assert "/api/v1/admin/webhooks/{endpoint_id}/deliveries" in spec["paths"]


def test_delete_removes_the_endpoint_and_its_log(db: Database, admin_api: Api, loopback_allowed: None) -> None:
    created = add(admin_api, "http://127.0.0.1:9/h", ["enrollment.created"])
    enroll_course(db, ALICE, "course-b")
    run_round(db)
    assert admin_api.delete(f"/admin/webhooks/{created['id']}").status_code == 204
    assert admin_api.get("/admin/webhooks").json() == []
    assert_error(admin_api.get(f"/admin/webhooks/{created['id']}/deliveries"), 404, "not_found")
