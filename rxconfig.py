"""Reflex configuration: one app, telemetry off, CORS limited to the app's own origin."""

import os
import sys

import reflex as rx

port = int(os.environ.get("LEARNAPP_PORT", "3000"))
origin = os.environ.get("LEARNAPP_ORIGIN", f"http://localhost:{port}")
# Reflex refuses a frontend port with --backend-only (the load and crash tests serve API and websocket only).
backend_only = "--backend-only" in sys.argv

config = rx.Config(
    app_name="learnapp",
    telemetry_enabled=False,
    frontend_port=None if backend_only else port,
    backend_port=port,
    cors_allowed_origins=[origin, f"http://127.0.0.1:{port}"],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
