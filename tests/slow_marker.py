"""The `slow` marker: `make test` runs every test, `make test-fast` leaves out those marked slow (and the e2e ones).

Slow: property-based tests (every Hypothesis test is marked here at collection, so a new one needs no marker) and,
marked in their modules, those that start processes or servers or run a stateful machine or Schemathesis.
"""

from __future__ import annotations

import pytest


def is_property_test(item: pytest.Item) -> bool:
    function = getattr(item, "obj", None)
    return bool(getattr(function, "is_hypothesis_test", False))


def mark_slow(items: list[pytest.Item]) -> None:
    for item in items:
        if is_property_test(item) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
