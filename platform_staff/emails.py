"""The emails of access grants: the request to the tenant's deciders, the
answer to the support person. Each is sent once (a retried task finds the
sent mark and stops), in the reader's language, with no tenant content."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from platform_staff.models import AccessGrant
from tenants.models import Membership
from tenants.permissions import Capability

ANSWERED = (AccessGrant.Status.APPROVED, AccessGrant.Status.DENIED, AccessGrant.Status.REVOKED)


def _grant_locked(grant_id):
    return (
        AccessGrant.objects.dangerously_unscoped(reason="task by id of a grant we wrote")
        .select_for_update()
        .select_related("tenant", "requested_by__user")
        .filter(pk=grant_id)
        .first()
    )


def email_message(
    template: str, user, context: dict, *, folder: str = "platform_staff/email"
) -> tuple[str, str, None, list[str]]:
    """One person's email from <folder>/<template>(_subject).txt, in their language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{folder}/{template}_subject.txt", context)
        body = render_to_string(f"{folder}/{template}.txt", context)
    return (" ".join(subject.split()), body, None, [user.email])


def access_request_email(*, grant_id) -> bool:
    """Tells every active owner and admin of the tenant; False when already sent."""
    with transaction.atomic():
        grant = _grant_locked(grant_id)
        if grant is None or grant.request_notified_at is not None:
            return False
        deciders = [
            m
            for m in Membership.objects.for_tenant(grant.tenant_id)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            if m.can(Capability.MAINTENANCE_GRANT)
        ]
        context = {
            "grant": grant,
            "requester": grant.requested_by.user,
            "link": settings.PUBLIC_BASE_URL + reverse("web:platform-access"),
        }
        send_mass_mail(
            [email_message("access_requested", m.user, context) for m in deciders],
            fail_silently=False,
        )
        grant.request_notified_at = timezone.now()
        grant.save(update_fields=["request_notified_at"])
    return True


def access_decision_email(*, grant_id) -> bool:
    """Tells the support person the answer (approved, denied, then revoked), each once."""
    with transaction.atomic():
        grant = _grant_locked(grant_id)
        answered = (
            AccessGrant.Status.APPROVED,
            AccessGrant.Status.DENIED,
            AccessGrant.Status.REVOKED,
        )
        if grant is None or grant.status not in answered or grant.notified_status == grant.status:
            return False
        requester = grant.requested_by.user
        # The request's own console page: its state, and its scope while live.
        link = settings.PUBLIC_BASE_URL + reverse("platform:grant", kwargs={"grant_id": grant.pk})
        context = {"grant": grant, "link": link}
        send_mass_mail([email_message("access_decided", requester, context)], fail_silently=False)
        grant.notified_status = grant.status
        grant.save(update_fields=["notified_status"])
    return True
