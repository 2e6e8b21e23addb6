"""The emails of sub-processor changes: each tenant's owners and privacy members
hear of an announced change; the platform's DPO hears of each objection.

Each is sent once (a retried task finds the sent mark and stops), in the
reader's language. They say what changes and when, and link to the pages: the
tenant's reason for objecting stays in the console, out of mailboxes.
"""

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from compliance.models import SubProcessorChange, SubProcessorChangeEmail, SubProcessorObjection
from platform_staff.emails import email_message
from tenants.models import Membership, Tenant
from tenants.permissions import Capability

FOLDER = "compliance/subprocessors/email"


def change_announced_email(*, change_id, tenant_id) -> bool:
    """Tells ``tenant_id``'s owners and privacy members; False when already sent."""
    change = (
        SubProcessorChange.objects.select_related("subprocessor", "replaces")
        .filter(pk=change_id)
        .first()
    )
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if change is None or tenant is None:
        return False
    with transaction.atomic():
        mark, _ = SubProcessorChangeEmail.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, change=change
        )
        mark = (
            SubProcessorChangeEmail.objects.for_tenant(tenant).select_for_update().get(pk=mark.pk)
        )
        if mark.emailed_at is not None:
            return False
        readers = [
            m
            for m in Membership.objects.for_tenant(tenant)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            if m.can(Capability.SUBPROCESSOR_OBJECT)
        ]
        context = {
            "change": change,
            "tenant": tenant,
            "link": settings.PUBLIC_BASE_URL + reverse("web:subprocessors"),
        }
        send_mass_mail(
            [email_message("change_announced", m.user, context, folder=FOLDER) for m in readers],
            fail_silently=False,
        )
        mark.emailed_at = timezone.now()
        mark.save(update_fields=["emailed_at"])
    return True


def objection_raised_email(*, objection_id) -> bool:
    """Tells the platform's DPO (PROCESSOR_DPO_EMAIL); False when already sent or withdrawn."""
    with transaction.atomic():
        objection = (
            SubProcessorObjection.objects.dangerously_unscoped(
                reason="task by id of an objection we wrote; the DPO hears of it"
            )
            .select_for_update()
            .select_related("tenant", "change__subprocessor")
            .filter(pk=objection_id)
            .first()
        )
        if objection is None or objection.withdrawn_at or objection.dpo_emailed_at:
            return False
        link = settings.PUBLIC_BASE_URL + reverse(
            "platform:subprocessor-change", kwargs={"change_id": objection.change_id}
        )
        context = {"objection": objection, "change": objection.change, "link": link}
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"{FOLDER}/objection_raised_subject.txt", context)
            body = render_to_string(f"{FOLDER}/objection_raised.txt", context)
        send_mail(
            " ".join(subject.split()),
            body,
            None,
            [settings.PROCESSOR_DPO_EMAIL],
            fail_silently=False,
        )
        objection.dpo_emailed_at = timezone.now()
        objection.save(update_fields=["dpo_emailed_at"])
    return True
