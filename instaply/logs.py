"""Log records carry the request id and never let a value forge a new line."""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# The request being served, so that audit events written by services deep below
# a view still carry its client IP and user agent.
current_request_var: contextvars.ContextVar = contextvars.ContextVar(
    "current_request", default=None
)


def neutralise(value: object) -> str:
    """Escapes CR and LF so a user-supplied value cannot start a forged log line."""
    return str(value).replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class SingleLineFormatter(logging.Formatter):
    """Formats the message, then escapes line breaks (tracebacks stay multi-line)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging API)
        record.message = neutralise(record.message)
        return super().formatMessage(record)
