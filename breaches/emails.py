"""The emails of breach notices: the notice itself and each follow-up update to
the tenant's owners and privacy members, in each reader's language.

Each is sent once: the task locks the notice, finds the sent mark (the
notice's ``emailed_at``, an update's ``NoticeUpdateDelivery``) and stops. An
email carries what the tenant's own notification to its authority needs
(GDPR Art. 33(3)) in the platform's words and codes, never anyone's personal
content; the link leads to the notice behind the sign-in.
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from breaches.labels_notices import facts
from breaches.models import BreachNotice, IncidentUpdate, NoticeUpdateDelivery
from breaches.services.notices import notice_link
from platform_staff.emails import email_message
from tenants.models import Membership
from tenants.permissions import Capability

FOLDER = "breaches/email"


def _locked(notice_id) -> BreachNotice | None:
    return (
        BreachNotice.objects.dangerously_unscoped(reason="task by id of a notice we wrote")
        .select_for_update(of=("self",))
        .select_related("incident", "tenant")
        .filter(pk=notice_id)
        .first()
    )


def recipients_now(notice: BreachNotice) -> list[Membership]:
    """The people the notice was sent to who are still active and still entitled:
    a member who joined later is not among them, a revoked one no longer is."""
    members = (
        Membership.objects.for_tenant(notice.tenant_id)
        .filter(pk__in=notice.recipients or [], revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("created_at")
    )
    return [m for m in members if m.can(Capability.BREACH_ACKNOWLEDGE)]


def _context(notice: BreachNotice, **extra) -> dict:
    return {
        "notice": notice,
        "incident": notice.incident,
        "tenant": notice.tenant,
        "facts": facts(notice.incident),
        "processor": settings.PROCESSOR_NAME,
        "link": settings.PUBLIC_BASE_URL + notice_link(notice),
        **extra,
    }


def notice_email(*, notice_id) -> bool:
    """Emails a sent notice, with every update so far; False when nothing to send."""
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice is None or notice.sent_at is None or notice.emailed_at is not None:
            return False
        updates = list(IncidentUpdate.objects.filter(incident=notice.incident).order_by("number"))
        context = _context(notice, updates=updates)
        people = recipients_now(notice)
        send_mass_mail(
            [email_message("notice", m.user, context, folder=FOLDER) for m in people],
            fail_silently=False,
        )
        # The updates it carried are delivered: no separate email for them.
        for update in updates:
            NoticeUpdateDelivery.objects.for_tenant(notice.tenant_id).get_or_create(
                tenant_id=notice.tenant_id, notice=notice, update=update
            )
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True


def update_email(*, notice_id, update_id) -> bool:
    """Emails one update to the notice's recipients, once; False when nothing to
    send (the notice's own email is not out yet and will carry it, or it was sent)."""
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice is None or notice.sent_at is None or notice.emailed_at is None:
            return False
        update = IncidentUpdate.objects.filter(pk=update_id, incident=notice.incident).first()
        if update is None:
            return False
        delivered = NoticeUpdateDelivery.objects.for_tenant(notice.tenant_id).filter(
            notice=notice, update=update
        )
        if delivered.exists():
            return False
        people = recipients_now(notice)
        context = _context(notice, update=update)
        send_mass_mail(
            [email_message("update", m.user, context, folder=FOLDER) for m in people],
            fail_silently=False,
        )
        try:
            with transaction.atomic():
                NoticeUpdateDelivery.objects.create(
                    tenant_id=notice.tenant_id, notice=notice, update=update
                )
        except IntegrityError:
            return False
        record(
            actions.BREACH_NOTICE_UPDATE_SENT,
            tenant=notice.tenant_id,
            actor=Actor.system("breach_notices"),
            target=("breach_notice", notice.pk),
            metadata={
                "incident": str(notice.incident_id),
                "reference": notice.incident.reference,
                "number": update.number,
                "recipients": len(people),
            },
        )
    return True
