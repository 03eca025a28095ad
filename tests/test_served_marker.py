"""The e2e guard finds a test that serves the app or starts a browser, also through a nested helper or a fixture."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.e2e.server import served_app
from tests.served_marker import serves, unmarked_serving


def journey() -> None:
    with served_app(cast(Any, None)):
        pass


def nested() -> None:
    def inner() -> None:
        served_app(cast(Any, None))

    inner()


def in_process() -> None:
    assert sum([1, 2]) == 3


class Item(SimpleNamespace):
    def get_closest_marker(self, name: str) -> Any:
        return self.marks.get(name)


def item(function: Any, fixtures: tuple[Any, ...] = (), marks: dict[str, Any] | None = None) -> Any:
    defs = {f.__name__: [SimpleNamespace(func=f)] for f in fixtures}
    return Item(
        nodeid=function.__name__,
        function=function,
        _fixtureinfo=SimpleNamespace(name2fixturedefs=defs),
        marks=marks or {},
    )


def test_a_test_serving_directly_or_through_a_nested_helper_or_a_fixture_is_found() -> None:
    assert serves(item(journey)) and serves(item(nested)) and serves(item(in_process, (journey,)))
    assert not serves(item(in_process)) and not serves(item(in_process, (in_process,)))


def test_only_unmarked_serving_tests_are_reported() -> None:
    items = [item(journey), item(nested, marks={"e2e": pytest.mark.e2e}), item(in_process)]
    assert unmarked_serving(items) == ["journey"]
