"""One audit event per API request that reads personal data."""

from audit.recorder import record


def record_personal_read(request, *, target: tuple[str, object], fields: list[str], count: int = 1):
    record(
        "personal_data.read",
        request=request,
        target=target,
        metadata={"fields": fields, "count": count},
    )
