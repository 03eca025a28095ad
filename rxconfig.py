"""Reflex configuration: one app, telemetry off, CORS limited to the app's own origin."""

import os

import reflex as rx

port = int(os.environ.get("LEARNAPP_PORT", "3000"))
origin = os.environ.get("LEARNAPP_ORIGIN", f"http://localhost:{port}")

config = rx.Config(
    app_name="learnapp",
    telemetry_enabled=False,
    frontend_port=port,
    backend_port=port,
    cors_allowed_origins=[origin, f"http://127.0.0.1:{port}"],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
