"""Integration fixtures: the API as the admin, the settings a loopback receiver needs, a clock for the workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from learnapp.persistence.db import Database
from learnapp.services.accounts.tokens import create_token
from learnapp.settings import get_settings
from tests.api.conftest import Api
from tests.app_pool import api_app
from tests.conftest import ADMIN, ALICE


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set LEARNAPP_* variables for one test; the settings are read again and restored after."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def loopback_allowed(settings_env: pytest.MonkeyPatch) -> None:
    """The test receivers listen on 127.0.0.1: allowed only with this setting (and http only with a local origin)."""
    settings_env.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()


@pytest.fixture
def admin_api(db: Database) -> Api:
    return Api(api_app(db), create_token(db, ADMIN, "integrations").secret)


@pytest.fixture
def learner_api(db: Database, admin_api: Api) -> Api:
    return admin_api.as_(create_token(db, ALICE, "alice").secret)
