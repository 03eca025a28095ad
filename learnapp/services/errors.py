"""Services: the errors a use case raises, each with a stable code for the API and the UI (the API picks the status)."""

from __future__ import annotations

from typing import Any


class LearnappError(Exception):
    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(LearnappError):
    code = "not_found"


class NotEnrolled(LearnappError):
    code = "not_enrolled"


class InvalidRequest(LearnappError):
    code = "invalid"


class Conflict(LearnappError):
    code = "conflict"
