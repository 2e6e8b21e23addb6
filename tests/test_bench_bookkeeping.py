"""The benchmarks' bookkeeping, checked without timing anything: what counts as
an answer, when a load run must stop, when a seeded tenant can be reused."""

import http.server
import shutil
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from _figures import (  # noqa: E402
    OutOfRequests,
    SeedSize,
    Tally,
    ab_rounds,
    describe_errors,
    expected_seed,
    require_distinct,
    seed_mismatch,
)
from _webhook_load import LoadErrors, wrk_load  # noqa: E402


def test_only_2xx_answers_count_in_the_rate_and_the_percentiles():
    tally = Tally()
    assert tally.add(200, 0.010)
    assert tally.add(204, 0.030)
    assert not tally.add(500, 0.001)  # a fast failure must not make the server look quick
    assert not tally.add(429, 0.001)
    assert not tally.add(302, 0.001)
    summary = tally.summary(elapsed=2.0)
    assert summary["count"] == 2 and summary["rate"] == 1.0
    assert summary["p50"] == 0.030 and summary["p99"] == 0.030
    assert summary["errors"] == 3
    assert summary["error_statuses"] == {302: 1, 429: 1, 500: 1}


def test_tallies_merge_and_errors_read_plainly():
    merged = Tally().merge(Tally([0.1], {500: 2})).merge(Tally([0.2], {500: 1, 0: 1}))
    assert merged.latencies == [0.1, 0.2] and merged.errors == {500: 3, 0: 1}
    assert describe_errors(merged.errors) == "1 x connection error, 3 x 500"


def test_a_generator_that_ran_out_of_distinct_requests_fails_loudly():
    require_distinct(available=100, used=100, ran_out=False)
    with pytest.raises(OutOfRequests, match="ran out of distinct requests"):
        require_distinct(available=100, used=100, ran_out=True)
    with pytest.raises(OutOfRequests, match="raise --requests"):
        require_distinct(available=100, used=101, ran_out=False)


def test_a_complete_seed_is_reused_and_a_half_seeded_one_is_named():
    expected = expected_seed(20000, 10, 60)
    assert expected == SeedSize(conversations=20000, messages=19999 * 10 + 60)
    assert seed_mismatch(expected=expected, found=SeedSize(20000, 200050)) is None
    problem = seed_mismatch(expected=expected, found=SeedSize(3500, 35000))
    assert "3,500 conversations and 35,000 messages" in problem
    assert "not 20,000 and 200,050" in problem
    # The right number of conversations but messages missing is no full seed either.
    assert seed_mismatch(expected=expected, found=SeedSize(20000, 199000)) is not None
    assert expected_seed(0, 10, 60) == SeedSize(0, 0)


def test_alternating_rounds_give_the_median_of_each_rounds_own_cost():
    rounds = [(100.0, 90.0), (50.0, 45.0), (200.0, 100.0), (120.0, 108.0)]
    figures = ab_rounds(rounds)
    assert figures["cost"] == pytest.approx(0.10)  # the 50 % round does not drag it
    assert figures["baseline"] == 110.0 and figures["measured"] == 95.0
    assert (figures["cost_min"], figures["cost_max"]) == (pytest.approx(0.1), 0.5)
    with pytest.raises(ValueError):
        ab_rounds([])


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture
def answering():
    """A loopback HTTP server answering POSTs with the statuses it is given, in turn."""
    statuses: list[int] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's API)
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def start(*answers: int) -> int:
        statuses[:] = answers
        return server.server_address[1]

    yield start
    server.shutdown()
    server.server_close()


REQUESTS = [
    (f"MessageSid=SM{n}", {"X-Twilio-Signature": "sig", "I-Twilio-Idempotency-Token": f"t{n}"})
    for n in range(40)
]
needs_wrk = pytest.mark.skipif(not shutil.which("wrk"), reason="the webhook bench loads with wrk")


@needs_wrk
def test_the_webhook_load_stops_at_the_first_non_2xx_answer(answering):
    port = answering(200, 200, 500, 200)
    with pytest.raises(LoadErrors, match="500"):
        wrk_load(port, "/hook", REQUESTS, concurrency=2, seconds=1, distinct=False)


@needs_wrk
def test_the_webhook_load_refuses_to_run_past_its_distinct_requests(answering):
    port = answering(200)
    # Forty requests cannot fill a second: the clients run out long before.
    with pytest.raises(OutOfRequests):
        wrk_load(port, "/hook", REQUESTS, concurrency=2, seconds=1)
    # Repeats allowed (the baseline): the same forty, sent again and again.
    figures = wrk_load(port, "/hook", REQUESTS, concurrency=2, seconds=1, distinct=False)
    assert figures["count"] > len(REQUESTS) and figures["errors"] == 0
