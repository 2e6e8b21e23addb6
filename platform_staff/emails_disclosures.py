"""The email that tells a tenant's owners of a disclosure to an authority.

Sent once (a retried task finds the sent mark and stops), in each owner's
language. It says that there is an entry and when the disclosure happened,
and links to the register: the authority, legal basis and scope stay behind
the sign-in and second factor, out of mailboxes.
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from platform_staff.emails import email_message
from platform_staff.models import Disclosure
from tenants.models import Membership
from tenants.permissions import Capability


def disclosure_informed_email(*, disclosure_id) -> bool:
    """Tells every active owner; False when not told yet or already sent."""
    with transaction.atomic():
        disclosure = (
            Disclosure.objects.dangerously_unscoped(reason="task by id of a disclosure we wrote")
            .select_for_update()
            .select_related("tenant")
            .filter(pk=disclosure_id)
            .first()
        )
        if (
            disclosure is None
            or not disclosure.tenant_informed
            or disclosure.tenant_emailed_at is not None
        ):
            return False
        owners = [
            m
            for m in Membership.objects.for_tenant(disclosure.tenant_id)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            if m.can(Capability.DISCLOSURES_READ)
        ]
        context = {
            "disclosure": disclosure,
            "link": settings.PUBLIC_BASE_URL + reverse("web:disclosures"),
        }
        send_mass_mail(
            [email_message("disclosure_informed", m.user, context) for m in owners],
            fail_silently=False,
        )
        disclosure.tenant_emailed_at = timezone.now()
        disclosure.save(update_fields=["tenant_emailed_at"])
    return True
