"""The emails of audit requests: to the platform's DPOs when a tenant files,
accepts or cancels; to the tenant's owners when the platform proposes another
date, accepts, or the evidence package is ready. Each is sent once (the task
finds its mark in ``notified`` and stops), in each reader's language; the DPO's
email names the workspace by its code, the owners' holds no content."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from compliance.audits.selectors import audit_request_owners
from compliance.models import AuditRequest
from platform_staff.emails import email_message
from privacy.dsr.reminders import dpos

FOLDER = "compliance/audits/email"
AUDIENCES = ("dpo", "owners")


def audit_request_email(*, request_id, step: str, audience: str, key: str) -> bool:
    """False when there is nothing to send (unknown request, or sent already)."""
    if audience not in AUDIENCES:
        raise ValueError(f"Unknown audience {audience!r}.")
    mark = f"{audience}:{step}:{key}"
    with transaction.atomic():
        audit = (
            AuditRequest.objects.dangerously_unscoped(reason="task by id of our own row")
            .select_for_update(of=("self",))
            .select_related("tenant")
            .filter(pk=request_id)
            .first()
        )
        if audit is None or mark in audit.notified:
            return False
        if audience == "dpo":
            people = [person.user for person in dpos()]
            path = reverse("platform:audit-request", kwargs={"request_id": audit.pk})
        else:
            people = [member.user for member in audit_request_owners(audit.tenant_id)]
            path = reverse("web:audits") + f"#audit-{audit.pk}"
        context = {
            "audit": audit,
            "step": step,
            "tenant": audit.tenant,
            "link": settings.PUBLIC_BASE_URL + path,
        }
        send_mass_mail(
            [email_message(f"to_{audience}", user, context, folder=FOLDER) for user in people],
            fail_silently=False,
        )
        audit.notified = [*audit.notified, mark]
        audit.save(update_fields=["notified"])
    return True
