"""A Reflex app as served (state manager, token manager), without a server, for the live channel's tests."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex_base.registry import RegistrationContext


@pytest.fixture(scope="session")
def tab_app() -> rx.App:
    """One app per test process, registered in a fork of the current context (Reflex allows one app per context)."""
    fork = RegistrationContext.ensure_context().fork()
    token = RegistrationContext.set(fork)
    try:
        app = rx.App()
        app._enable_state()  # what serving does first: the state manager and the socket bookkeeping
    finally:
        RegistrationContext.reset(token)
    return app
