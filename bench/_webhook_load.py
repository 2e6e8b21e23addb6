"""Load generators of bench/webhook_bench.py: pre-signed POSTs on keep-alive connections.

Both count only 2xx answers in the rate and the percentiles, stop at the first
other answer (a run with errors gives no figure), and, when every request must
be new, fail when they run out of distinct ones: a repeated webhook is answered
by the deduplication on its provider message id, far cheaper than a new one.
"""

import http.client
import json
import multiprocessing
import queue as queues
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _figures import Tally, describe_errors, require_distinct


class LoadErrors(SystemExit):
    """Some answers were not 2xx: the phase's figures are not kept."""


def _python_client(port, path, requests, start, step, deadline, wrap, failed, results):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    tally, index, ran_out = Tally(), start, False
    while deadline is None or time.perf_counter() < deadline:
        if failed.is_set():
            break
        if index >= len(requests) and not wrap:
            ran_out = deadline is not None  # without a deadline, sending them all is the plan
            break
        body, headers = requests[index % len(requests)]
        began = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        if not tally.add(status, time.perf_counter() - began):
            failed.set()
        index += step
    connection.close()
    results.append((tally, (index - start) // step, ran_out))


def _python_process(port, path, requests, offset, stride, threads, seconds, wrap, failed, queue):
    deadline = time.perf_counter() + seconds if seconds else None
    results: list = []
    workers = [
        threading.Thread(
            target=_python_client,
            args=(port, path, requests, offset + t * stride, stride * threads)
            + (deadline, wrap, failed, results),
        )
        for t in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = Tally()
    for tally, _, _ in results:
        total.merge(tally)
    queue.put((total, sum(sent for _, sent, _ in results), any(out for _, _, out in results)))


def python_load(port, path, requests, concurrency, seconds, processes=2, distinct=True) -> dict:
    """Keep-alive connections: `concurrency` in all, over a few processes (one
    interpreter's lock would cap the rate); each takes its own requests.
    ``processes=0`` runs the clients as threads of this process: a test runner
    holds threads, and forking it can leave the child waiting on a lock forever."""
    threads = concurrency // max(1, min(processes, concurrency))
    began, cpu_before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    if processes == 0:
        results, failed = queues.SimpleQueue(), threading.Event()
        _python_process(port, path, requests, 0, 1, threads, seconds, not distinct, failed, results)
        gathered = [results.get()]
    else:
        gathered = _forked(
            port, path, requests, min(processes, concurrency), threads, seconds, distinct
        )
    elapsed = time.perf_counter() - began
    total = Tally()
    for tally, _, _ in gathered:
        total.merge(tally)
    _refuse_errors(path, total.errors)
    if distinct:
        sent = sum(s for _, s, _ in gathered)
        require_distinct(
            available=len(requests), used=sent, ran_out=any(out for _, _, out in gathered)
        )
    return total.summary(elapsed) | {"generator_cpu": _cpu_since(cpu_before) / elapsed}


def _forked(port, path, requests, processes, threads, seconds, distinct) -> list:
    context = multiprocessing.get_context("fork")
    results, failed = context.Queue(), context.Event()
    children = [
        context.Process(
            target=_python_process,
            args=(port, path, requests, p, processes, threads, seconds, not distinct)
            + (failed, results),
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    gathered = [results.get() for _ in children]
    for child in children:
        child.join()
    return gathered


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


def wrk_load(port, path, requests, concurrency, seconds, threads=2, distinct=True) -> dict:
    """wrk with a Lua script; a run with any non-2xx answer or socket error is
    refused, so its latency percentiles (wrk's, over all answers) are of 2xx only."""
    with tempfile.TemporaryDirectory() as directory:
        lines, script = Path(directory) / "requests.tsv", Path(directory) / "bench.lua"
        lines.write_text(
            "".join(
                f"{h['X-Twilio-Signature']}\t{h['I-Twilio-Idempotency-Token']}\t{body}\n"
                for body, h in requests
            )
        )
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
