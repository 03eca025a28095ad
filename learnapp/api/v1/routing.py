"""API: the catch-all under /api/v1: an unknown path is a JSON 404, any other method a JSON 405 with the right Allow."""

from __future__ import annotations

from collections.abc import Iterable
from re import Pattern

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Route, compile_path
from starlette.types import Receive, Scope, Send

from learnapp.api.v1.errors import error_response
from learnapp.api.v1.limits import PREFIX

Known = list[tuple[Pattern[str], set[str]]]


class PathConvertor(Convertor[str]):
    """Starlette's `path` stops at a newline, and every Mount matches with it: behind Reflex's two mounts ("" at the
    top, and ours around its app), a path with %0A in it (a slug with a newline) never reached the API and got the
    web app's text/plain 404. Registered before Reflex builds its mounts (this module loads with the app)."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("path", PathConvertor())


def add_fallback(api: FastAPI, parts: Iterable[APIRouter]) -> None:
    """Add last: answers every method on every other path under the prefix (and the prefix itself).

    It takes all methods, so it wins over a route that matches the path but not the method: that route alone
    would answer 405 with only its own method in Allow (OPTIONS on a GET and POST path said `Allow: GET`). On the
    app itself, not an included router: an included one would only take the methods it lists.
    """
    known = [
        (compile_path(PREFIX + route.path)[0], route.methods or set())
        for part in parts
        for route in part.routes
        if isinstance(route, APIRoute)
    ]
    endpoint = _Fallback(known)
    api.router.routes.append(Route(PREFIX + "/{path:path}", endpoint, methods=None, include_in_schema=False))
    api.router.routes.append(Route(PREFIX, endpoint, methods=None, include_in_schema=False))


def allowed_methods(known: Known, app_routes: Iterable[object], path: str) -> list[str]:
    """The methods some route answers at this path: the API's own and the app's top-level ones (openapi.json)."""
    top = [(r.path_regex, r.methods or set()) for r in app_routes if isinstance(r, Route) and r.methods]
    return sorted({m for regex, methods in known + top if regex.fullmatch(path) for m in methods})


class _Fallback:
    """An ASGI app, not a function: Starlette gives a function endpoint without methods GET only."""

    def __init__(self, known: Known) -> None:
        self.known = known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        path = request.url.path
        allowed = allowed_methods(self.known, request.app.router.routes, path)
        if allowed:
            message = f"{request.method} is not allowed here; use {', '.join(allowed)}"
            response = error_response(
                405, "method_not_allowed", message, {"allowed": allowed}, Allow=", ".join(allowed)
            )
        else:
            response = error_response(404, "not_found", f"No endpoint at {path}")
        await response(scope, receive, send)
