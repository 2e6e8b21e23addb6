"""Approximate numbers of data subjects and records an incident concerns, per
tenant (GDPR Art. 33(3)(a)): counts from the database, never who or what.

The rule (docs/breaches.md, "Counts"):

- The window is the scope's ``start``/``end`` when it states one; otherwise
  everything that existed when the platform became aware (``aware_at``).
  A row "existed in the window" if it was created before its end and not erased
  (contacts) or revoked (memberships) before its start.
- End-user data (message content, contact names or details, notes,
  special-category data), or end-users / minors as subjects:
  - ``audit`` scope, and the matching events of that tenant name contacts,
    conversations, messages or notes as their targets: subjects are the
    distinct contacts behind those targets, records the distinct targets.
    What was touched is known, so it is what is counted.
  - otherwise: subjects are the contacts that existed in the window (only the
    minors among them when minors are the only subject category); records are
    the messages (message content, special-category data), the notes (notes)
    and the contacts themselves (names, details) that existed in the window.
- Staff accounts, login data, or the tenant's staff as subjects: the
  memberships that existed in the window count as subjects, and as records for
  staff accounts; login data adds the sign-in events in the window.
- Audit records: the tenant's audit events in the window add to the records.

Every figure is one grouped ``COUNT`` per table over all affected tenants,
served by the tenant-leading indexes; no row is loaded.
"""

import datetime as dt

from django.db import connection
from django.db.models import Count, F, Q, UUIDField, Value
from django.db.models.functions import Cast, Replace

from audit import actions
from audit.models import AuditEvent
from breaches.models import DataCategory, SubjectCategory
from breaches.scope import audit_events_in_scope, scope_window
from conversations.models import Contact, Conversation, Message, Note
from conversations.models.contacts import AgeStatus
from tenants.models import Membership

END_USER_DATA = {
    DataCategory.MESSAGE_CONTENT,
    DataCategory.CONTACT_IDENTITY,
    DataCategory.CONTACT_DETAILS,
    DataCategory.NOTES,
    DataCategory.SPECIAL_CATEGORY,
}
STAFF_DATA = {DataCategory.STAFF_ACCOUNTS, DataCategory.LOGIN_DATA}
MINORS = (AgeStatus.MINOR_AUTHORISED, AgeStatus.MINOR_UNAUTHORISED, AgeStatus.UNDER_15)
CONTENT_TARGETS = ("contact", "conversation", "message", "note")
LOGIN_ACTIONS = (actions.AUTH_LOGIN_SUCCEEDED, actions.AUTH_LOGIN_FAILED)


def _grouped(queryset, field: str = "id", *, distinct: bool = False) -> dict:
    rows = queryset.values("tenant_id").annotate(n=Count(field, distinct=distinct))
    return {row["tenant_id"]: row["n"] for row in rows.order_by()}


def _target_uuid():
    """The audit event's target id as the type of the primary keys it names."""
    if connection.vendor == "postgresql":
        return Cast("target_id", UUIDField())
    # SQLite stores UUIDs as 32 hex digits; the audit log writes them dashed.
    return Replace(F("target_id"), Value("-"), Value(""))


def _targeted(events, ids) -> tuple[dict, dict]:
    """(subjects, records) per tenant from the content targets of audit events."""
    touched = events.filter(tenant_id__in=ids, target_kind__in=CONTENT_TARGETS)
    records = _grouped(touched, "target_id", distinct=True)
    if not records:
        return {}, {}

    def targets(kind: str):
        return touched.filter(target_kind=kind).annotate(uid=_target_uuid()).values("uid")

    conversations = Conversation.objects.dangerously_unscoped(
        reason="breach counts: the contacts behind the conversations an incident touched"
    ).filter(pk__in=targets("conversation"))
    messages = Message.objects.dangerously_unscoped(
        reason="breach counts: the contacts behind the messages an incident touched"
    ).filter(pk__in=targets("message"))
    notes = Note.objects.dangerously_unscoped(
        reason="breach counts: the contacts behind the notes an incident touched"
    ).filter(pk__in=targets("note"))
    contacts = Contact.objects.dangerously_unscoped(
        reason="breach counts: distinct contacts an incident touched, per tenant, counted"
    ).filter(
        Q(pk__in=targets("contact"))
        | Q(pk__in=conversations.values("contact_id"))
        | Q(pk__in=messages.values("contact_id"))
        | Q(pk__in=notes.values("contact_id")),
        tenant_id__in=list(records),
    )
    return _grouped(contacts), records


def _existing(model, ids, start, end, *, gone: str | None = None):
    rows = model.objects.dangerously_unscoped(
        reason="breach counts: rows per affected tenant that existed in the window, counted"
    ).filter(tenant_id__in=ids, created_at__lte=end)
    if gone:
        rows = rows.filter(Q(**{f"{gone}__isnull": True}) | Q(**{f"{gone}__gte": start or end}))
    return rows


def _add(total: dict, part: dict) -> None:
    for tenant_id, n in part.items():
        total[tenant_id] = total.get(tenant_id, 0) + n


def _end_user_counts(ids, data, subjects_wanted, start, end) -> tuple[dict, dict]:
    contacts = _existing(Contact, ids, start, end, gone="erased_at")
    if subjects_wanted == {SubjectCategory.MINORS}:
        subjects = _grouped(contacts.filter(age_status__in=MINORS))
    else:
        subjects = _grouped(contacts)
    records: dict = {}
    if data & {DataCategory.MESSAGE_CONTENT, DataCategory.SPECIAL_CATEGORY}:
        _add(records, _grouped(_existing(Message, ids, start, end)))
    if DataCategory.NOTES in data:
        _add(records, _grouped(_existing(Note, ids, start, end)))
    if data & {DataCategory.CONTACT_IDENTITY, DataCategory.CONTACT_DETAILS}:
        _add(
            records, subjects if subjects_wanted == {SubjectCategory.MINORS} else _grouped(contacts)
        )
    return subjects, records


def _audit_rows(ids, start, end):
    rows = AuditEvent.objects.dangerously_unscoped(
        reason="breach counts: a tenant's audit events in the window, counted"
    ).filter(tenant_id__in=ids, created_at__lte=end)
    return rows.filter(created_at__gte=start) if start else rows


def counts_for(
    *, scope: dict, tenant_ids, data_categories, subject_categories, aware_at: dt.datetime
) -> dict:
    """{tenant id: (subjects, records)} for each of ``tenant_ids`` (see the module's rule)."""
    ids = list(tenant_ids)
    data = set(data_categories)
    wanted = set(subject_categories)
    start, end = scope_window(scope)
    end = end or aware_at
    subjects: dict = {}
    records: dict = {}
    if data & END_USER_DATA or wanted & {SubjectCategory.END_USERS, SubjectCategory.MINORS}:
        remaining = ids
        if scope["kind"] == "audit":
            touched_subjects, touched_records = _targeted(audit_events_in_scope(scope), ids)
            _add(subjects, touched_subjects)
            _add(records, touched_records)
            remaining = [tenant_id for tenant_id in ids if tenant_id not in touched_records]
        if remaining:
            part_subjects, part_records = _end_user_counts(
                remaining,
                data,
                wanted & {SubjectCategory.END_USERS, SubjectCategory.MINORS},
                start,
                end,
            )
            _add(subjects, part_subjects)
            _add(records, part_records)
    if data & STAFF_DATA or SubjectCategory.TENANT_STAFF in wanted:
        members = _grouped(_existing(Membership, ids, start, end, gone="revoked_at"))
        _add(subjects, members)
        if DataCategory.STAFF_ACCOUNTS in data:
            _add(records, members)
        if DataCategory.LOGIN_DATA in data:
            _add(records, _grouped(_audit_rows(ids, start, end).filter(action__in=LOGIN_ACTIONS)))
    if DataCategory.AUDIT_RECORDS in data:
        _add(records, _grouped(_audit_rows(ids, start, end)))
    return {tenant_id: (subjects.get(tenant_id, 0), records.get(tenant_id, 0)) for tenant_id in ids}
