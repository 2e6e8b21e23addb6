"""The arithmetic: nearest-rank percentiles on known data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.figures import Figures, percentile


@pytest.mark.parametrize(
    "times, median, p90",
    [
        ([], None, None),
        ([42], 42, 42),
        ([10, 20], 10, 20),
        ([30, 10, 20], 20, 30),
        (list(range(1, 11)), 5, 9),
        (list(range(1, 101)), 50, 90),
        ([60] * 9 + [3600], 60, 60),
        ([60] * 8 + [3600] * 2, 60, 3600),
    ],
)
def test_median_and_p90_by_nearest_rank(times, median, p90):
    figures = Figures(first_responses=list(times), resolutions=list(reversed(times)))
    assert figures.first_response_median == median
    assert figures.first_response_p90 == p90
    assert figures.resolution_median == median
    assert figures.resolution_p90 == p90


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=200))
def test_a_percentile_is_a_time_that_occurred_with_enough_at_or_below_it(times):
    ordered = sorted(times)
    for percent in (50, 90):
        value = percentile(ordered, percent)
        assert value in times
        at_or_below = sum(1 for t in times if t <= value)
        below = sum(1 for t in times if t < value)
        assert at_or_below * 100 >= percent * len(times)  # enough at or below it
        assert below * 100 < percent * len(times)  # and it is the smallest such time
