"""Every search is a read of personal data: one audit event, without its words.

The event says what was searched (messages or contacts), how many tokens the
query had and how many results it showed: never a word, a token or an id of a
result, so the audit log cannot be searched for what people looked for.
"""

from audit.recorder import record

FIELDS = {
    "messages": ["body", "contact.display_name"],
    "contacts": ["name", "email", "phone"],
}


def record_search(request, *, scope: str, page) -> None:
    record(
        "personal_data.read",
        request=request,
        target=("search", scope),
        metadata={"fields": FIELDS[scope], "count": len(page.results), "terms": page.terms},
    )
