"""API: one error shape everywhere, {"error": {"code", "message", "details"}}, and the handlers that make it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from learnapp.metrics import ERRORS
from learnapp.services.content.files import ContentError
from learnapp.services.errors import Conflict, InvalidRequest, LearnappError, NotEnrolled, NotFound

log = logging.getLogger("learnapp.api")


class ApiError(LearnappError):
    """An error of the HTTP edge itself (auth, limits); service errors come from services.errors."""

    status = 400
    headers: dict[str, str] = {}


# The HTTP status of each kind of service error: statuses are the API's business, not the services'.
SERVICE_STATUSES: tuple[tuple[type[LearnappError], int], ...] = (
    (NotFound, 404),
    (NotEnrolled, 403),
    (Conflict, 409),
    (ContentError, 422),
    (InvalidRequest, 400),
)


def http_status(error: LearnappError) -> int:
    if isinstance(error, ApiError):
        return error.status
    return next((status for kind, status in SERVICE_STATUSES if isinstance(error, kind)), 400)


class Unauthorized(ApiError):
    code = "unauthorized"
    status = 401
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    code = "forbidden"
    status = 403


class PayloadTooLarge(ApiError):
    code = "payload_too_large"
    status = 413


class RateLimited(ApiError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}
_DESCRIPTIONS = {
    400: "Bad request: malformed JSON, or a request the rules refuse (the message says why)",
    401: "Missing, unknown, revoked or expired bearer token",
    403: "Not allowed: an admin endpoint with a learner's token, or a lesson of a course you are not enrolled in",
    404: "Unknown resource (another learner's data is unknown too)",
    409: "Conflict: a client event id reused for a different event, or a claim for a course or pathway the learner "
    "is not enrolled in",
    413: "Request body over the documented limit",
    422: "The request does not match the schema",
    429: "Too many requests for this account (all its tokens share one budget); retry after Retry-After seconds",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]} for status in statuses}


def error_response(status: int, code: str, message: str, details: Any = None, **headers: str) -> JSONResponse:
    ERRORS.labels(f"api_{code}").inc()
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers or None)


def register_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(LearnappError, _service_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, _unexpected)


async def _service_error(_request: Request, error: LearnappError) -> JSONResponse:
    headers = error.headers if isinstance(error, ApiError) else {}
    return error_response(http_status(error), error.code, error.message, error.details, **headers)


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [_problem(item) for item in error.errors()]
    if any(p["type"] == "json_invalid" for p in problems):
        return error_response(400, "malformed_json", "The request body is not valid JSON", problems)
    return error_response(422, "validation_error", "The request does not match the schema", problems)


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(error.status_code, "error")
    details = getattr(error, "details", None)
    return error_response(error.status_code, code, str(error.detail), details, **(error.headers or {}))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error serving a request", extra={"path": request.url.path, "error": type(error).__name__})
    return error_response(500, "internal", "Something went wrong on our side; it has been logged")


def _problem(item: Any) -> dict[str, Any]:
    """Where and what, without echoing the (possibly large or binary) input back."""
    return {"loc": list(item.get("loc", ())), "message": str(item.get("msg", "")), "type": str(item.get("type", ""))}
