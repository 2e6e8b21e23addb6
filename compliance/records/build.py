"""One tenant's record of processing, generated from live configuration.

The record is codes, counts and the tenant's own names, never an end-user's
data; the pages put words on the codes in the reader's language
(compliance/records/labels.py). Everything that changes without a change of
configuration (the time it was built, how far the audit chain reached) sits
under ``as_of``, which the snapshot hash leaves out: an unchanged
configuration gives an unchanged record.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count

from breaches.models import DataCategory, SubjectCategory
from channels_sms.models import PhoneNumber
from compliance.records.analytics import analytics_processing
from compliance.records.security import security_measures
from compliance.usage import subprocessors_in_use
from conversations.models import Widget
from privacy.retention.selectors import retention_policy_for
from tenants.models import Membership, Role, Tenant

SCHEMA = 1
# Top-level keys that are not configuration: out of the hash and of ``changed``.
VOLATILE = ("as_of",)
REPRESENTATIVE_ROLES = (Role.OWNER, Role.PRIVACY)


def record_of_processing(tenant: Tenant, *, now: dt.datetime) -> dict:
    """The record, JSON-serialisable, with keys in a stable order."""
    security, checked = security_measures(tenant, now=now)
    widgets = list(Widget.objects.for_tenant(tenant).filter(active=True).order_by("created_at"))
    used = sorted(subprocessors_in_use(tenant, at=now), key=lambda s: s.code)
    return {
        "schema": SCHEMA,
        "processor": _processor(),
        "controller": _controller(tenant),
        "processing": _processing(tenant, widgets),
        "data_subjects": _data_subjects(),
        "data_categories": _data_categories(widgets),
        "subprocessors": _subprocessors(used),
        "transfers": _transfers(used),
        "retention": _retention(tenant),
        "security": security,
        "as_of": {"generated_at": now.isoformat(), "audit_chain": checked},
    }


def _processor() -> dict:
    return {
        "name": settings.PROCESSOR_NAME,
        "address": settings.PROCESSOR_ADDRESS,
        "dpo": {"name": settings.PROCESSOR_DPO_NAME, "email": settings.PROCESSOR_DPO_EMAIL},
    }


def _controller(tenant: Tenant) -> dict:
    # Owners and privacy members speak for the controller: they receive breach
    # notices and sub-processor changes, and file its requests.
    members = (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=REPRESENTATIVE_ROLES, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__email")
    )
    return {
        "id": str(tenant.pk),
        "name": tenant.name,
        "data_region": tenant.data_region,
        "representatives": [
            {"role": m.role, "name": m.user.get_full_name(), "email": m.user.email} for m in members
        ],
    }


def _sms_numbers(tenant: Tenant) -> dict[str, int]:
    rows = (
        PhoneNumber.objects.for_tenant(tenant)
        .filter(active=True, deactivated_at__isnull=True)
        .values("provider")
        .annotate(numbers=Count("id"))
        .order_by("provider")
    )
    return {row["provider"]: row["numbers"] for row in rows}


def _processing(tenant: Tenant, widgets: list[Widget]) -> list[dict]:
    """What the platform does for the tenant, one entry per activity (codes)."""
    entries = [{"code": "conversations"}]
    for provider, numbers in _sms_numbers(tenant).items():
        entries.append({"code": "sms", "provider": provider, "numbers": numbers})
    if widgets:
        fields = sorted({field for w in widgets for field in (w.pre_chat_fields or [])})
        entries.append({"code": "web_widget", "widgets": len(widgets), "pre_chat_fields": fields})
    special = [w for w in widgets if w.special_category_consent]
    if special:
        versions = sorted({w.special_category_text_version for w in special})
        entries.append(
            {"code": "special_category_consent", "widgets": len(special), "versions": versions}
        )
    entries.append(
        {
            "code": "minors",
            "child_age": settings.MINOR_AGE_CHILD,
            "adult_age": settings.MINOR_AGE_ADULT,
            "age_gate_widgets": sum(1 for w in widgets if w.age_gate),
        }
    )
    if tenant.send_policy_messages:
        entries.append({"code": "policy_service_messages"})
    entries += [
        {"code": "retention"},
        {"code": "data_subject_requests"},
        {"code": "staff_accounts"},
        {"code": "audit_log"},
    ]
    return entries + analytics_processing(tenant)


def _data_subjects() -> list[str]:
    # Any end-user may be a minor (the minors rules apply to every tenant).
    subjects = (SubjectCategory.END_USERS, SubjectCategory.MINORS, SubjectCategory.TENANT_STAFF)
    return [str(s) for s in subjects]


def _data_categories(widgets: list[Widget]) -> list[str]:
    categories = [
        DataCategory.MESSAGE_CONTENT,
        DataCategory.CONTACT_IDENTITY,
        DataCategory.CONTACT_DETAILS,
        DataCategory.NOTES,
    ]
    if any(w.special_category_consent for w in widgets):
        categories.append(DataCategory.SPECIAL_CATEGORY)
    categories += [
        DataCategory.STAFF_ACCOUNTS,
        DataCategory.LOGIN_DATA,
        DataCategory.AUDIT_RECORDS,
    ]
    return [str(c) for c in categories]


def _subprocessors(used: list) -> list[dict]:
    return [
        {
            "code": s.code,
            "name": s.name,
            "purpose": {"en": s.purpose_en, "fr": s.purpose_fr},
            "data_categories": list(s.data_categories),
            "country": s.country,
            "safeguard": s.safeguard,
            "since": s.since.isoformat(),
        }
        for s in used
    ]


def _transfers(used: list) -> list[dict]:
    """The sub-processors that take data outside the EU/EEA, with their safeguard."""
    return [
        {"code": s.code, "name": s.name, "country": s.country, "safeguard": s.safeguard}
        for s in used
        if s.transfer
    ]


def _retention(tenant: Tenant) -> dict:
    policy = retention_policy_for(tenant)
    return {
        "chosen_by_tenant": not policy._state.adding,
        "inactive_days": policy.inactive_days,
        "closed_days": policy.closed_days,
        # The platform's own rows about people, kept for fixed periods.
        "platform": {
            "webhook_records_days": settings.RETENTION_WEBHOOK_DAYS,
            "incomplete_sms_parts_days": settings.RETENTION_CONCAT_PARTS_DAYS,
            "send_attempts_days": settings.RETENTION_SEND_ATTEMPT_DAYS,
            "visitor_sessions_days": settings.RETENTION_VISITOR_SESSION_DAYS,
            "audit_events_days": settings.AUDIT_RETENTION_DAYS,
            "login_data_days": settings.LOGIN_DATA_RETENTION_DAYS,
            "backups_days": settings.BACKUP_RETENTION_DAYS,
        },
    }
