"""Bench-only: a request sent with ``X-Bench-Audit: off`` records no audit event.

The baseline of the audit cost is then the very same endpoint, middleware and
server as the measured figure, minus the one call to the recorder. Both kinds
of request carry the header, so parsing it costs both alike.
"""

import contextvars

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
        token = _off.set(request.META.get(HEADER) == "off")
        try:
            return self.get_response(request)
        finally:
            _off.reset(token)
