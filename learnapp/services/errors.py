"""Services: the errors a use case raises, each with a stable code for the API and the UI."""

from __future__ import annotations

from typing import Any


class LearnappError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(LearnappError):
    code = "not_found"
    status = 404


class NotEnrolled(LearnappError):
    code = "not_enrolled"
    status = 403


class InvalidRequest(LearnappError):
    code = "invalid"
    status = 400


class Conflict(LearnappError):
    code = "conflict"
    status = 409
