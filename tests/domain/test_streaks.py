"""SPEC §4 My Learning: current and longest streak of consecutive local days with a completion."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.domain.streaks import Streaks, streaks

TODAY = date(2025, 3, 15)


def day(offset: int) -> date:
    """`offset` days before TODAY."""
    return TODAY - timedelta(days=offset)


def test_no_days_means_no_streak():
    assert streaks([], TODAY) == Streaks(current=0, longest=0)


def test_single_completion_today_is_a_streak_of_one():
    assert streaks([TODAY], TODAY) == Streaks(current=1, longest=1)


def test_consecutive_days_form_one_streak():
    assert streaks([day(4), day(3), day(2), day(1), day(0)], TODAY) == Streaks(current=5, longest=5)


def test_gap_breaks_the_streak():
    # day(2) is missing: the run restarts at day(1).
    assert streaks([day(4), day(3), day(1), day(0)], TODAY) == Streaks(current=2, longest=2)


def test_current_streak_alive_when_last_day_is_today():
    assert streaks([day(2), day(1), day(0)], TODAY).current == 3


def test_current_streak_alive_when_last_day_is_yesterday():
    assert streaks([day(3), day(2), day(1)], TODAY).current == 3


def test_current_streak_is_zero_when_last_day_is_before_yesterday():
    result = streaks([day(4), day(3), day(2)], TODAY)
    assert result.current == 0
    assert result.longest == 3


def test_longest_streak_can_exceed_current():
    history = [day(20), day(19), day(18), day(17), day(1), day(0)]
    assert streaks(history, TODAY) == Streaks(current=2, longest=4)


def test_current_streak_can_be_the_longest():
    history = [day(10), day(9), day(2), day(1), day(0)]
    assert streaks(history, TODAY) == Streaks(current=3, longest=3)


def test_duplicate_days_count_once():
    history = [day(1), day(1), day(1), day(0), day(0)]
    assert streaks(history, TODAY) == Streaks(current=2, longest=2)


def test_days_in_any_order_give_the_same_streaks():
    history = [day(0), day(5), day(1), day(4), day(2)]
    assert streaks(history, TODAY) == Streaks(current=3, longest=3)


def test_streak_spans_month_and_year_boundaries():
    history = [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2)]
    assert streaks(history, date(2025, 1, 2)) == Streaks(current=4, longest=4)
    leap = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    assert streaks(leap, date(2024, 3, 2)) == Streaks(current=3, longest=3)


def test_streaks_accept_any_iterable_of_days():
    assert streaks(iter([day(1), day(0)]), TODAY) == Streaks(current=2, longest=2)


def _oracle(days: set[date], today: date) -> Streaks:
    """Brute force: walk back from today (or yesterday) for current; try every start for longest."""
    start = today if today in days else today - timedelta(days=1)
    current = 0
    while start - timedelta(days=current) in days:
        current += 1
    longest = 0
    for first in days:
        if first - timedelta(days=1) in days:
            continue
        length = 0
        while first + timedelta(days=length) in days:
            length += 1
        longest = max(longest, length)
    return Streaks(current=current, longest=longest)


@settings(max_examples=250, deadline=None)
@given(offsets=st.lists(st.integers(min_value=0, max_value=40), max_size=30))
def test_streaks_match_a_brute_force_count(offsets):
    history = [day(offset) for offset in offsets]
    result = streaks(history, TODAY)
    assert result == _oracle(set(history), TODAY)
    assert 0 <= result.current <= result.longest <= len(set(history))
