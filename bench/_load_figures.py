"""The bookkeeping of bench/load.py that needs no clock and no Django: where
saturation lies in a ramp, and whether the end-to-end counts agree.

Kept apart so that tests/test_load_bench.py can check it without a server.
"""

from dataclasses import dataclass

# One turn of the mix, in the order the clients take it: per 9 requests, 4 inbound
# texts, 2 inbox pages, 2 thread pages and 1 staff reply (the long-polls of the
# events feed are held open beside it, not part of the rotation).
MIX = ("webhook", "inbox", "webhook", "thread", "webhook", "reply", "inbox", "webhook", "thread")
KINDS = ("webhook", "inbox", "thread", "reply")


def share(kind: str) -> float:
    """The fraction of the mix's requests that are of ``kind``."""
    return MIX.count(kind) / len(MIX)


@dataclass(frozen=True)
class Step:
    """One level of the saturation ramp: closed-loop clients and what they got."""

    clients: int
    rate: float  # 2xx answers per second, all kinds
    errors: int
    p99: float  # seconds, all kinds


def saturation(steps: list[Step], *, growth: float = 0.05) -> tuple[Step, str]:
    """The best step of a ramp, and why the ramp stopped there.

    Throughput "stops growing" when a step adds less than ``growth`` to the best
    rate so far; a step with errors ends the ramp and is never the answer (its
    rate counts 2xx only, and the server was already refusing work).
    """
    if not steps:
        raise ValueError("no ramp step measured")
    best: Step | None = None
    for step in steps:
        if step.errors:
            if best is None:
                raise ValueError(f"errors from the first step ({step.clients} clients)")
            return best, f"errors appeared at {step.clients} clients"
        if best is not None and step.rate < best.rate * (1 + growth):
            better = step if step.rate > best.rate else best
            return better, f"throughput grew less than {growth:.0%} at {step.clients} clients"
        best = step
    return best, "the ramp ended while throughput still grew (a lower bound)"


@dataclass(frozen=True)
class CountCheck:
    texts_sent: int  # webhooks answered 2xx, each a distinct provider message id
    messages_stored: int  # inbound messages of the run's tenant
    events_seen: list[int]  # inbound message ids each long-poll saw in message.created
    replies_accepted: int  # replies answered 201
    replies_at_provider: int  # texts the provider simulator received from the shop

    @property
    def texts_agree(self) -> bool:
        return bool(self.events_seen) and all(
            seen == self.texts_sent == self.messages_stored for seen in self.events_seen
        )

    @property
    def replies_agree(self) -> bool:
        return self.replies_accepted == self.replies_at_provider

    @property
    def ok(self) -> bool:
        return self.texts_agree and self.replies_agree

    def lines(self) -> list[str]:
        seen = ", ".join(f"{n:,}" for n in self.events_seen) or "no long-poll"
        return [
            f"  texts sent in {self.texts_sent:,} = messages stored {self.messages_stored:,} = "
            f"live-feed events seen {seen}   {'agree' if self.texts_agree else 'DISAGREE'}",
            f"  replies accepted {self.replies_accepted:,} = texts at the provider "
            f"{self.replies_at_provider:,}   {'agree' if self.replies_agree else 'DISAGREE'}",
        ]
