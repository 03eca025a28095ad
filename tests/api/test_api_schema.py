"""Schemathesis against the served OpenAPI document, in process: no 5xx, and every response matches the document."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from limits import RateLimitItemPerMinute
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learnapp.api.app import create_api
from learnapp.api.v1 import limits
from learnapp.persistence.db import Database
from learnapp.services.engine.enrollment import enroll_pathway
from tests.api.conftest import Tokens
from tests.conftest import ALICE

pytestmark = pytest.mark.slow  # Schemathesis over the whole API: `make test` runs it, `make test-fast` does not

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
REAL = {"learner_id": ALICE, "course": "ac-course", "pathway": "path", "lesson": "b1"}
REAL_BODIES: dict[str, Any] = {
    "/completions": {"lesson": "b1"},
    "/enrollments": {"course": "ac-course"},
    "/events": {
        "events": [
            {"id": "view", "type": "lesson_viewed", "lesson": "b1", "seconds": 30},
            {"id": "done", "type": "lesson_completed", "lesson": "s1"},
            {"id": "done-2", "type": "lesson_completed", "lesson": "s2"},
            {"id": "claim", "type": "course_completed", "course": "course-b", "occurred_at": "2020-01-01T00:00:00Z"},
        ]
    },
}
EXAMPLES = 30  # per operation, valid and invalid data mixed: the whole run stays well under a minute


def operations(db: Database) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_api(db))
    found = [result.ok() for result in schema.get_all_operations()]
    # Revoking the token the run calls with would only turn the rest of the run into 401s.
    return [op for op in found if not (op.method.upper() == "DELETE" and op.path.startswith("/api/v1/tokens"))]


def fuzz(operation: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    names = {parameter.name for parameter in operation.path_parameters}
    # Random ids and slugs mostly meet 404s: some cases aim at things that exist, with real bodies too.
    real = {name: value for name, value in REAL.items() if name in names}
    body = next((value for suffix, value in REAL_BODIES.items() if operation.path.endswith(suffix)), None)
    pinned = {"body": body} if body is not None and operation.method.upper() == "POST" else {}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers, path_parameters=real),
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers, path_parameters=real, **pinned),
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=headers),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.mark.parametrize("who", ["alice", "admin"])
def test_no_server_error_and_no_response_outside_the_schema(
    db: Database, tokens: Tokens, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    monkeypatch.setattr(limits, "RATE_LIMIT", RateLimitItemPerMinute(1_000_000))
    enroll_pathway(db, ALICE, "path")  # so that valid lessons and courses reach the success paths too
    found = operations(db)
    assert len(found) >= 17
    for operation in found:
        fuzz(operation, getattr(tokens, who))
