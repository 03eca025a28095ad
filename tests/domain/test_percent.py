"""SPEC §3.5: percent is floor(100 × completed / total), 100 only when complete, 0 when empty."""

import pytest

from learnapp.domain.progress import EMPTY, Counts


@pytest.mark.parametrize(
    ("completed", "total", "expected"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 66), (1, 2, 50), (1, 7, 14), (6, 7, 85), (1, 200, 0), (2, 200, 1), (99, 100, 99)],
)
def test_percent_is_floor_of_100_times_completed_over_total(completed, total, expected):
    assert Counts(completed, total, False).percent == expected


def test_percent_never_rounds_up():
    # 2 of 3 is 66.67%: floor, not round.
    assert Counts(2, 3, False).percent == 66


@pytest.mark.parametrize("total", [101, 150, 200, 999, 1000, 12345])
def test_one_lesson_short_never_reads_100_percent(total):
    assert Counts(total - 1, total, False).percent == 99


def test_percent_reads_100_when_complete():
    assert Counts(5, 5, True).percent == 100


def test_percent_reads_100_only_when_complete():
    # Everything counted is done but the node is not complete (e.g. an empty module): 99, never 100.
    assert Counts(5, 5, False).percent == 99


def test_empty_node_reads_0_percent():
    assert Counts(0, 0, False).percent == 0
    assert EMPTY.percent == 0
    assert EMPTY.complete is False


def test_nothing_done_reads_0_percent():
    assert Counts(0, 10, False).percent == 0
