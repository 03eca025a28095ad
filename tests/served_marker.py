"""Collection guard: a test that serves the app or starts a browser must be marked `e2e` (not e2e: none starts)."""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any

import pytest

# Names a test or one of its fixtures calls to serve the app (tests/e2e/server.py) or to start Chromium.
SERVING = frozenset({"served_app", "start_server", "start_on_free_port", "sync_playwright", "async_playwright"})


def _names(code: CodeType) -> set[str]:
    """Global names a function uses, its nested functions' included."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found |= _names(const)
    return found


def _code(func: Callable[..., Any]) -> CodeType | None:
    func = getattr(func, "__wrapped__", func)
    return getattr(func, "__code__", None)


def serves(item: pytest.Item) -> bool:
    """Whether the test or any fixture it uses (directly or through others) serves the app or starts a browser."""
    info = getattr(item, "_fixtureinfo", None)
    funcs = [getattr(item, "function", None)]
    if info is not None:
        funcs += [d.func for defs in info.name2fixturedefs.values() for d in defs]
    codes = [code for func in funcs if func is not None and (code := _code(func)) is not None]
    return any(_names(code) & SERVING for code in codes)


def unmarked_serving(items: list[pytest.Item]) -> list[str]:
    return [item.nodeid for item in items if item.get_closest_marker("e2e") is None and serves(item)]


def refuse_unmarked_serving(items: list[pytest.Item]) -> None:
    """The guard, run at collection by tests/conftest.py."""
    missing = unmarked_serving(items)
    if missing:
        raise pytest.UsageError(
            "these tests serve the app or start a browser but are not marked e2e "
            "(add `pytestmark = pytest.mark.e2e` to their module):\n  " + "\n  ".join(missing)
        )
