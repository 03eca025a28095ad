"""Operation run report downloads over HTTP: an admin's cookie gets a run's file; anyone else, any other name, 404."""

from __future__ import annotations

import json

from learnapp.persistence.db import Database
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.services.operations.runs import runs_folder
from tests.api.test_admin_files import get
from tests.conftest import ADMIN, ALICE


def test_an_admin_downloads_a_runs_report_and_nobody_else_does(db: Database) -> None:
    run = recalculate(db, RecalcOptions(), runs_folder(db), "ops").run_id
    url = f"/admin-files/runs/{run}/summary.json"
    response = get(db, url, ADMIN)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert f'filename="run-{run}-summary.json"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store" and json.loads(response.text)["run_id"] == run
    for learner in (ALICE, None):
        refused = get(db, url, learner)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
        assert get(db, f"/admin-files/runs/x{run}/summary.json", learner).status_code == 404  # never a 422


def test_only_the_files_of_the_run_folder_by_name(db: Database) -> None:
    run = recalculate(db, RecalcOptions(), runs_folder(db), "ops").run_id
    for path in (
        f"/admin-files/runs/{run}/..%2F..%2Flearnapp.db",
        f"/admin-files/runs/{run}/%2e%2e",
        f"/admin-files/runs/{run}/nope.json",
        f"/admin-files/runs/{run + 1}/summary.json",
        "/admin-files/runs/１/summary.json",  # a digit, but not an ASCII one
        "/admin-files/runs/99999999999999999999/summary.json",
    ):
        response = get(db, path, ADMIN)
        assert response.status_code == 404 and "run_id" not in response.text, path
