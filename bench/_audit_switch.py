"""Bench-only: a request sent with ``X-Bench-Audit: off`` records no audit event.

The baseline of the audit cost is then the very same endpoint, middleware and
server as the measured figure, minus the one call to the recorder. Both kinds
of request carry the header, so parsing it costs both alike. Every answer
carries the CPU time its thread spent on it (``X-Bench-CPU-ns``): unlike a
duration, it does not grow when other processes load the machine, and it
leaves out the wait for the durable commit, which holds no CPU.
"""

import contextvars
import time

HEADER = "HTTP_X_BENCH_AUDIT"
_off = contextvars.ContextVar("bench_audit_off", default=False)


class AuditSwitch:
    def __init__(self, get_response):
        from conversations.api import reads

        self.get_response = get_response
        if not getattr(reads.record, "bench_switch", False):
            recorder = reads.record

            def record(*args, **kwargs):
                return None if _off.get() else recorder(*args, **kwargs)

            record.bench_switch = True
            reads.record = record

    def __call__(self, request):
        began = time.thread_time_ns()
        token = _off.set(request.META.get(HEADER) == "off")
        try:
            response = self.get_response(request)
        finally:
            _off.reset(token)
        response["X-Bench-CPU-ns"] = str(time.thread_time_ns() - began)
        return response
