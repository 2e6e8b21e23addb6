"""The load generator of bench/webhook_bench.py: wrk sending pre-signed POSTs on
keep-alive connections, as behind the deployment's TLS proxy (X-Forwarded-Proto).

It counts only 2xx answers in the rate and the percentiles, stops at the first
other answer (a run with errors gives no figure), and, when every request must
be new, fails when it runs out of distinct ones: a repeated webhook is answered
by the deduplication on its provider message id, far cheaper than a new one.
A generator in Python was used before; on two CPUs it took a CPU of its own
from the server and flattered the slower side, so wrk (Debian's package,
installed by the bench when missing) is the only one.
"""

import json
import resource
import subprocess
import tempfile
from pathlib import Path

from _figures import describe_errors, require_distinct


class LoadErrors(SystemExit):
    """Some answers were not 2xx: the phase's figures are not kept."""


WRK_SCRIPT = """
local requests, index = {}, 0
local threads = {}
function setup(thread)
  thread:set("id", counter or 0)
  counter = (counter or 0) + 1
  table.insert(threads, thread)
end
function init(args)
  local count, n = tonumber(args[2]), 0
  wrapped, non2xx, first_status = 0, 0, 0
  for line in io.lines(args[1]) do
    if n % count == id then
      local signature, token, body = line:match("([^\\t]*)\\t([^\\t]*)\\t(.*)")
      table.insert(requests, wrk.format("POST", args[3], {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
        ["I-Twilio-Idempotency-Token"] = token,
        ["X-Forwarded-Proto"] = "https",
      }, body))
    end
    n = n + 1
  end
end
function request()
  index = index + 1
  if index > #requests then
    index = 1
    wrapped = wrapped + 1
  end
  return requests[index]
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_status == 0 then first_status = status end
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local wrapped, non2xx, first_status = 0, 0, 0
  for _, thread in ipairs(threads) do
    wrapped = wrapped + thread:get("wrapped")
    non2xx = non2xx + thread:get("non2xx")
    if first_status == 0 then first_status = thread:get("first_status") end
  end
  local socket = summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout
  io.write(string.format('{"requests": %d, "seconds": %f, "non2xx": %d, "first_status": %d, ' ..
    '"socket_errors": %d, "wrapped": %d, "p50": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, non2xx, first_status, socket, wrapped,
    latency:percentile(50) / 1e6, latency:percentile(99) / 1e6))
end
"""


def write_requests(path: Path, requests) -> None:
    """One signed request a line: signature, idempotency token, form body."""
    path.write_text(
        "".join(
            f"{h['X-Twilio-Signature']}\t{h['I-Twilio-Idempotency-Token']}\t{body}\n"
            for body, h in requests
        )
    )


def wrk_load(port, path, requests, concurrency, seconds, threads=2, distinct=True) -> dict:
    """wrk with a Lua script; a run with any non-2xx answer or socket error is
    refused, so its latency percentiles (wrk's, over all answers) are of 2xx only."""
    with tempfile.TemporaryDirectory() as directory:
        lines, script = Path(directory) / "requests.tsv", Path(directory) / "bench.lua"
        write_requests(lines, requests)
        script.write_text(WRK_SCRIPT)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s"]
            + ["-s", str(script), f"http://127.0.0.1:{port}", "--", str(lines), str(threads), path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    errors = {figures["first_status"]: figures["non2xx"]} if figures["non2xx"] else {}
    if figures["socket_errors"]:
        errors[0] = figures["socket_errors"]
    _refuse_errors(path, errors)
    if distinct:
        require_distinct(
            available=len(requests), used=figures["requests"], ran_out=figures["wrapped"] > 0
        )
    return {
        "rate": figures["requests"] / figures["seconds"],
        "count": figures["requests"],
        "errors": 0,
        "error_statuses": {},
        "p50": figures["p50"],
        "p99": figures["p99"],
        "generator_cpu": _cpu_since(cpu_before) / figures["seconds"],
    }


def _refuse_errors(path: str, errors: dict[int, int]) -> None:
    if errors:
        raise LoadErrors(
            f"{path} answered {describe_errors(errors)}: the run stops, no figure is kept "
            "(rates and percentiles count 2xx answers only)"
        )


def _cpu_since(before) -> float:
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
