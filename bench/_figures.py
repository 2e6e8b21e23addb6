"""The bookkeeping of the benchmarks that needs no clock: what counts as an
answer, when a run must stop, when stored data can be reused.

Kept apart from the scripts (which set Django up when imported) so that
tests/test_bench_bookkeeping.py can check it without timing anything.
"""

import statistics
from dataclasses import dataclass, field


def is_success(status: int) -> bool:
    return 200 <= status < 300


def percentile(ordered: list[float], p: float) -> float:
    """The value below which a fraction ``p`` of the sorted samples lie (0 when none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


@dataclass
class Tally:
    """Answers of a load run: latencies of 2xx answers only, other statuses counted apart.

    A refused or failed request is often faster than a served one; counted in the
    rate or the percentiles, it would make a failing server look quick.
    """

    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    def add(self, status: int, seconds: float) -> bool:
        """Counts one answer; False when it is not a 2xx (the caller should stop)."""
        if is_success(status):
            self.latencies.append(seconds)
            return True
        self.errors[status] = self.errors.get(status, 0) + 1
        return False

    def merge(self, other: "Tally") -> "Tally":
        self.latencies += other.latencies
        for status, count in other.errors.items():
            self.errors[status] = self.errors.get(status, 0) + count
        return self

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self, elapsed: float) -> dict:
        ordered = sorted(self.latencies)
        return {
            "rate": len(ordered) / elapsed if elapsed > 0 else 0.0,
            "count": len(ordered),
            "errors": self.error_count,
            "error_statuses": dict(sorted(self.errors.items())),
            "p50": percentile(ordered, 0.50),
            "p99": percentile(ordered, 0.99),
        }


def describe_errors(errors: dict[int, int]) -> str:
    """ "3 x 500, 1 x 429" (a status of 0 is a connection error)."""
    return ", ".join(
        f"{count} x {status or 'connection error'}" for status, count in sorted(errors.items())
    )


class OutOfRequests(SystemExit):
    """The generator needed more distinct requests than it was given."""


def require_distinct(*, available: int, used: int, ran_out: bool) -> None:
    """Stops the run when a generator reused or lacked distinct requests: a repeated
    webhook is answered from the deduplication by provider message id, far cheaper
    than a new one, so a rate that includes repeats flatters."""
    if ran_out or used > available:
        raise OutOfRequests(
            f"the load generator ran out of distinct requests ({available:,} prepared, "
            f"{used:,} sent, and the phase was not over): raise --requests or shorten --seconds"
        )


@dataclass(frozen=True)
class SeedSize:
    conversations: int
    messages: int


def expected_seed(conversations: int, per_conversation: int, thread_length: int) -> SeedSize:
    """What a complete inbox seed holds: the newest conversation has the long thread."""
    if conversations <= 0:
        return SeedSize(0, 0)
    return SeedSize(conversations, (conversations - 1) * per_conversation + thread_length)


def seed_mismatch(*, expected: SeedSize, found: SeedSize) -> str | None:
    """Why a stored tenant cannot be reused as this seed, or None when it can."""
    if found == expected:
        return None
    return (
        f"holds {found.conversations:,} conversations and {found.messages:,} messages, "
        f"not {expected.conversations:,} and {expected.messages:,} (an interrupted seed?)"
    )


def ab_rounds(rounds: list[tuple[float, float]]) -> dict:
    """Medians over interleaved (baseline, measured) rounds of a rate.

    The cost is the median of each round's own cost, so a round slowed by another
    process weighs no more than one that was not; the rates are medians too.
    """
    if not rounds:
        raise ValueError("no rounds measured")
    costs = [1 - measured / baseline for baseline, measured in rounds]
    return {
        "baseline": statistics.median(b for b, _ in rounds),
        "measured": statistics.median(m for _, m in rounds),
        "cost": statistics.median(costs),
        "cost_min": min(costs),
        "cost_max": max(costs),
    }
