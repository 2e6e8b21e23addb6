"""Counts and percentiles of cycles: the arithmetic of the reports, no database.

Percentiles are by nearest rank: the p-th percentile of n times is the
ceil(p·n/100)-th smallest. It is always a time some customer actually had
("half of them waited at most this"), and two sets of times merge exactly.
"""

from dataclasses import dataclass, field

MEDIAN, P90 = 50, 90


def percentile(ordered: list[int], percent: int) -> int | None:
    """The nearest-rank percentile of ``ordered`` (sorted ascending), None if empty."""
    if not ordered:
        return None
    rank = -(-percent * len(ordered) // 100)  # ceil, in integers
    return ordered[max(rank, 1) - 1]


@dataclass
class Figures:
    """What one row of a report says: counts, and the times behind the percentiles."""

    opened: int = 0
    reopened: int = 0
    closed: int = 0
    first_responses: list[int] = field(default_factory=list)  # seconds
    resolutions: list[int] = field(default_factory=list)  # seconds

    def time_of(self, kind: str, percent: int) -> int | None:
        times = self.first_responses if kind == "first_response" else self.resolutions
        times.sort()
        return percentile(times, percent)

    @property
    def first_response_median(self):
        return self.time_of("first_response", MEDIAN)

    @property
    def first_response_p90(self):
        return self.time_of("first_response", P90)

    @property
    def resolution_median(self):
        return self.time_of("resolution", MEDIAN)

    @property
    def resolution_p90(self):
        return self.time_of("resolution", P90)

    @property
    def answered(self) -> int:
        return len(self.first_responses)


def seconds_between(start, end) -> int:
    return max(0, int((end - start).total_seconds()))
