"""The email telling the tenant's owners and privacy officers that a request
was completed or rejected. Sent once (a retried task finds the mark and
stops), in each reader's language, with no identifier of the subject: the
link leads to the request in the workspace's settings."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from privacy.dsr.models import DataSubjectRequest
from tenants.models import Membership
from tenants.permissions import Capability

OUTCOMES = (DataSubjectRequest.State.COMPLETED, DataSubjectRequest.State.REJECTED)


def _message(user, context: dict) -> tuple[str, str, None, list[str]]:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("dsr/email/outcome_subject.txt", context)
        body = render_to_string("dsr/email/outcome.txt", context)
    return (" ".join(subject.split()), body, None, [user.email])


def outcome_email(*, dsr_id) -> bool:
    """False when there is nothing to send (not closed that way, or already sent)."""
    with transaction.atomic():
        dsr = (
            DataSubjectRequest.objects.dangerously_unscoped(reason="task by id of our own row")
            .select_for_update()
            .filter(pk=dsr_id)
            .first()
        )
        if dsr is None or dsr.state not in OUTCOMES or dsr.outcome_notified_at is not None:
            return False
        readers = [
            m
            for m in Membership.objects.for_tenant(dsr.tenant_id)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .select_related("user", "tenant")
            if m.can(Capability.PRIVACY_REQUESTS)
        ]
        context = {
            "dsr": dsr,
            "tenant": readers[0].tenant if readers else None,
            "link": settings.PUBLIC_BASE_URL + reverse("web:privacy-request", args=[dsr.pk]),
        }
        send_mass_mail([_message(m.user, context) for m in readers], fail_silently=False)
        dsr.outcome_notified_at = timezone.now()
        dsr.save(update_fields=["outcome_notified_at"])
    return True
