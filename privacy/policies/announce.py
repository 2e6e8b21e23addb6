"""Telling every tenant of a published version.

One task fans out (a page of tenant ids at a time), then one task per tenant:
it queues the tenant's service message when the tenant chose to send them (the
choice in force at that moment), then posts the in-app notice to the owners
and privacy officers (``Capability.PRIVACY_REQUESTS``) and emails each of them
in their language. The notice is the mark that the tenant was told: a task run
again finds it and sends nothing twice; a failed email rolls the notice back,
so the retry tells them.
"""

import zoneinfo

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from platform_staff.emails import email_message
from privacy.policies.models import PolicyServiceMessage, PolicyVersion
from tenants.models import Membership, Notice, Tenant
from tenants.permissions import Capability
from tenants.services.notices import notice_post

NOTICE_KIND = "policy_version.published"
READERS = Capability.PRIVACY_REQUESTS
TENANT_PAGE = 500


def has_service_message(version: PolicyVersion) -> bool:
    return bool(version.service_message_en and version.service_message_fr)


def effective_label(version: PolicyVersion) -> str:
    """The effective time as the platform states it: its own zone, named."""
    zone = zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE)
    return f"{version.effective_at.astimezone(zone):%Y-%m-%d %H:%M} ({settings.PRIVACY_TIME_ZONE})"


def _published(version_id) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(pk=version_id, published_at__isnull=False).first()


def version_announce(*, version_id, enqueue) -> int:
    """Calls ``enqueue(tenant_id)`` for every tenant, a page at a time; returns
    how many. Safe to run again: each tenant's task tells once."""
    if _published(version_id) is None:
        return 0
    count, after = 0, None
    while True:
        page = Tenant.objects.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        ids = list(page.values_list("pk", flat=True)[:TENANT_PAGE])
        for tenant_id in ids:
            enqueue(str(tenant_id))
        count += len(ids)
        if len(ids) < TENANT_PAGE:
            return count
        after = ids[-1]


def service_message_queue(*, version: PolicyVersion, tenant: Tenant) -> PolicyServiceMessage | None:
    """The tenant's service message for ``version``: created once, when the
    tenant sends them and the version has one; None otherwise."""
    existing = PolicyServiceMessage.objects.for_tenant(tenant).filter(version=version).first()
    if existing is not None:
        return existing
    if not tenant.send_policy_messages or not has_service_message(version):
        return None
    message, _ = PolicyServiceMessage.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, version=version
    )
    return message


def tenant_announce(*, version_id, tenant_id, send_later) -> bool:
    """Queues the tenant's service message (``send_later(id)`` after commit, until
    it is done), then tells its owners and privacy officers; False when they
    were told already."""
    version = _published(version_id)
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if version is None or tenant is None:
        return False
    with transaction.atomic():
        message = service_message_queue(version=version, tenant=tenant)
        if message is not None and message.state != PolicyServiceMessage.State.DONE:
            message_id = str(message.pk)
            transaction.on_commit(lambda: send_later(message_id))
    return tenant_tell(version=version, tenant_id=tenant.pk, sending=message is not None)


def _told(tenant: Tenant, version: PolicyVersion) -> bool:
    # Index notice_tenant_cap (tenant, capability, created_at), then the kind and version.
    return (
        Notice.objects.for_tenant(tenant)
        .filter(capability=str(READERS), kind=NOTICE_KIND, params__version_id=str(version.pk))
        .exists()
    )


def tenant_tell(*, version: PolicyVersion, tenant_id, sending: bool) -> bool:
    """The notice and the emails, once; False when the tenant was told already."""
    with transaction.atomic():
        # One teller per tenant at a time (a retried task waits, then finds the notice).
        tenant = Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).first()
        if tenant is None or _told(tenant, version):
            return False
        notice_post(
            tenant=tenant,
            capability=READERS,
            kind="policy_version.published",
            link=reverse("web:settings-policies"),
            params={
                "version_id": str(version.pk),
                "version": version.version,
                "effective": effective_label(version),
                "sending": sending,
            },
        )
        readers = [
            m
            for m in Membership.objects.for_tenant(tenant)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            if m.can(READERS)
        ]
        base = settings.PUBLIC_BASE_URL
        context = {
            "tenant": tenant,
            "version": version,
            "effective": effective_label(version),
            "sending": sending,
            "has_service_message": has_service_message(version),
            "policy_link": base
            + reverse("policies:public-version", kwargs={"version": version.version}),
            "settings_link": base + reverse("web:settings-policies"),
        }
        send_mass_mail(
            [email_message("published", m.user, context, folder="policies/email") for m in readers],
            fail_silently=False,
        )
    return True
