"""Reflex configuration: one app, telemetry off, CORS limited to the app's own origin."""

import os
import sys

import reflex as rx

from learnapp.settings import allowed_origins, get_settings

# LEARNAPP_PORT and LEARNAPP_ORIGIN, read the way the app reads them: the sign-in forms accept the same origins.
port = get_settings().port
# Reflex refuses a frontend port with --backend-only (the load and crash tests serve API and websocket only).
backend_only = "--backend-only" in sys.argv
# One process keeps tab state in memory (Reflex's default writes every state change to disk); with
# REFLEX_REDIS_URL set, Reflex picks its Redis state manager only if the mode is left unset.
scaled_out = bool(os.environ.get("REFLEX_REDIS_URL"))
state_manager = {} if scaled_out else {"state_manager_mode": rx.constants.StateManagerMode.MEMORY}
if scaled_out:
    # A tab's socket stays on one worker: that worker may keep the tab's state in memory between its events
    # (Reflex's opportunistic lock) instead of reading and writing Redis on every click. Another worker that
    # needs the state (a push from another tab of the learner) breaks the lease and gets it from Redis.
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")

config = rx.Config(
    app_name="learnapp",
    telemetry_enabled=False,
    # Reflex's sticky badge covers page content (admin tables, the phone layout); a self-hosted app may hide it.
    show_built_with_reflex=False,
    frontend_port=None if backend_only else port,
    backend_port=port,
    cors_allowed_origins=list(allowed_origins()),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    **state_manager,
)
