"""Schemathesis (`--checks all`) against the app served for real, with a learner's and an admin's token."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnapp.api.v1 import limits
from learnapp.settings import ROOT, get_settings
from tests.e2e.server import Setup, served_app

# 400 is this API's documented answer to a schema-valid request a rule refuses (a preview lesson, a future time, an
# incomplete claim): the document cannot state those rules, so a valid-looking request may meet them. The rest is
# stricter than Schemathesis' default (no 3xx, 401, 429 or 5xx for valid data).
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "403", "404", "409"]
"""
EXAMPLES = 25  # per operation and phase: both runs together stay well under 3 minutes on 2 cores
RUN_TIMEOUT = 150


@pytest.fixture
def settings_from_env() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_production_limit_is_120_and_the_test_setting_only_raises_it_on_a_local_origin(
    settings_from_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert limits.configured_rate_limit().amount == 120
    monkeypatch.setenv("LEARNAPP_TEST_API_RATE_PER_MINUTE", "100000")
    get_settings.cache_clear()
    assert limits.configured_rate_limit().amount == 100000
    monkeypatch.setenv("LEARNAPP_TEST_API_RATE_PER_MINUTE", "5")  # never lowers it
    get_settings.cache_clear()
    assert limits.configured_rate_limit().amount == 120
    monkeypatch.setenv("LEARNAPP_TEST_API_RATE_PER_MINUTE", "100000")
    monkeypatch.setenv("LEARNAPP_ORIGIN", "https://learn.example.com")  # a deployment ignores it
    get_settings.cache_clear()
    assert limits.configured_rate_limit().amount == 120


def token_for(database_url: str, email: str) -> str:
    learnapp = str(ROOT / ".venv" / "bin" / "learnapp")
    env = {**os.environ, "LEARNAPP_DATABASE_URL": database_url}
    done = subprocess.run(
        [learnapp, "token", "create", "--email", email, "--name", "schemathesis"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return re.findall(r"^la_\S+$", done.stdout, re.MULTILINE)[-1]


def schemathesis(url: str, token: str, config: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(ROOT / ".venv" / "bin" / "schemathesis"),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--workers",
        "1",
        "--seed",
        "20261201",
        # Revoking the token the run calls with would turn the rest of the run into 401s.
        "--exclude-path-regex",
        "^/api/v1/tokens/",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=config.parent)


@pytest.mark.e2e
def test_schemathesis_finds_no_failure_with_a_learners_and_an_admins_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The served app's own environment (server_env copies ours): the test-only raise of the per-account limit.
    monkeypatch.setenv("LEARNAPP_TEST_API_RATE_PER_MINUTE", "1000000")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    with served_app(tmp_path, Setup(backend_only=True)) as url:
        for email in ("learner@example.com", "admin@example.com"):
            run = schemathesis(url, token_for(database_url, email), config)
            report = run.stdout[-6000:] + run.stderr[-2000:]
            assert run.returncode == 0, f"{email}:\n{report}"
            assert re.search(r"\d+ generated, \d+ passed", run.stdout), report
            tested = re.search(r"Tested: (\d+)", run.stdout)
            assert tested and int(tested[1]) >= 20, report  # every operation but revoking a token
