"""API layer: the JSON HTTP API under /api/v1 (FastAPI, mounted inside the Reflex app)."""
