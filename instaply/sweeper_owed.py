"""The sweeper's rules for what is owed to people: emails, announcements, an
evidence package (the rules for inbound texts and their media, replies,
data-subject requests and invitations are in instaply/sweeper.py).

Each kind of work leaves a row saying it is owed (a breach notice sent but not
emailed, an alert not notified, an objection whose email to the DPO never left)
and a mark once done; each rule lists the rows owed past the grace, oldest
first, as the ids its task takes. Each task locks its row and checks the mark,
so publishing one again for work done meanwhile sends nothing twice.

A rule returns a values_list of ids, or of id tuples for a task taking several;
rules that pair rows (an update with each notice, a change with each tenant)
read the few parents in Python and query the pairs parent by parent.
"""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q


def breach_notice_emails(now, before):
    """Breach notices sent whose email never left (breaches/emails.py)."""
    from breaches.models import BreachNotice

    return (
        BreachNotice.objects.dangerously_unscoped(reason="sweeper: notices not emailed")
        .filter(sent_at__lt=before, emailed_at__isnull=True)
        .order_by("sent_at")
        .values_list("pk", flat=True)
    )


def breach_update_emails(now, before):
    """(notice, update): an incident's update not yet emailed to a notice that was
    (a notice emailed after the update carried it, and marked it delivered)."""
    from breaches.models import IncidentUpdate, NoticeUpdateDelivery

    delivered = NoticeUpdateDelivery.objects.dangerously_unscoped(
        reason="sweeper: update deliveries"
    ).filter(notice_id=OuterRef("notice_id"), update_id=OuterRef("pk"))
    return (
        IncidentUpdate.objects.annotate(
            notice_id=F("incident__notices__pk"), emailed_at=F("incident__notices__emailed_at")
        )
        .filter(added_at__lt=before, emailed_at__isnull=False)
        .exclude(Exists(delivered))
        .order_by("added_at")
        .values_list("notice_id", "pk")
    )


def audit_packages(now, before):
    """Audit requests accepted whose evidence package was never started (a failed
    one waits for the platform's retry: compliance/audits/services.py)."""
    from compliance.models import AuditRequest

    return (
        AuditRequest.objects.dangerously_unscoped(reason="sweeper: packages to build")
        .filter(
            state=AuditRequest.State.ACCEPTED,
            package_state=AuditRequest.Package.NONE,
            accepted_at__lt=before,
        )
        .order_by("accepted_at")
        .values_list("pk", flat=True)
    )


def subprocessor_change_emails(now, before):
    """(change, tenant): a tenant that existed when the change was announced and
    whose owners were not emailed (the mark is SubProcessorChangeEmail)."""
    from compliance.models import SubProcessorChange, SubProcessorChangeEmail

    owed = []
    changes = SubProcessorChange.objects.filter(announced_at__lt=before).order_by("announced_at")
    for change_id, announced_at in changes.values_list("pk", "announced_at"):
        emailed = SubProcessorChangeEmail.objects.dangerously_unscoped(
            reason="sweeper: change emails sent"
        ).filter(change_id=change_id, emailed_at__isnull=False)
        owed += [(change_id, tenant) for tenant in _tenants_not_told(announced_at, emailed)]
    return owed


def _tenants_not_told(announced_at, told):
    """The tenants that existed at ``announced_at`` and are not among the
    ``tenant_id`` of ``told`` (the rows that mark a tenant as told)."""
    from tenants.models import Tenant

    return (
        Tenant.objects.filter(created_at__lt=announced_at)
        .exclude(pk__in=told.values("tenant_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def subprocessor_objection_emails(now, before):
    """Objections raised (and not withdrawn) whose email to the DPO never left."""
    from compliance.models import SubProcessorObjection

    return (
        SubProcessorObjection.objects.dangerously_unscoped(reason="sweeper: objections")
        .filter(raised_at__lt=before, withdrawn_at__isnull=True, dpo_emailed_at__isnull=True)
        .order_by("raised_at")
        .values_list("pk", flat=True)
    )


def security_alert_emails(now, before):
    """Security alerts raised whose email to platform security never left."""
    from audit.models import SecurityAlert

    return (
        SecurityAlert.objects.dangerously_unscoped(reason="sweeper: alerts not notified")
        .filter(created_at__lt=before, notified_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def policy_announcements(now, before):
    """(version, tenant): a tenant that existed when the version was published and
    has no notice of it (the notice is the mark: privacy/policies/announce.py)."""
    from privacy.policies.announce import NOTICE_KIND
    from privacy.policies.models import PolicyVersion
    from tenants.models import Notice

    owed = []
    versions = PolicyVersion.objects.filter(published_at__lt=before).order_by("published_at")
    for version_id, published_at in versions.values_list("pk", "published_at"):
        told = Notice.objects.dangerously_unscoped(reason="sweeper: tenants told").filter(
            kind=NOTICE_KIND, params__version_id=str(version_id)
        )
        owed += [(version_id, tenant) for tenant in _tenants_not_told(published_at, told)]
    return owed


def policy_service_messages(now, before):
    """Tenants' service messages about a version, not done: never started, or
    stopped mid-way (a worker killed). A second run alongside a live one takes
    turns with it batch by batch under the row lock and writes to nobody twice
    (privacy/policies/sending.py)."""
    from privacy.policies.models import PolicyServiceMessage

    return (
        PolicyServiceMessage.objects.dangerously_unscoped(reason="sweeper: service messages")
        .exclude(state=PolicyServiceMessage.State.DONE)
        .filter(created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def access_request_emails(now, before):
    """Access grants requested whose email to the tenant's admins never left."""
    from platform_staff.models import AccessGrant

    return (
        AccessGrant.objects.dangerously_unscoped(reason="sweeper: grant requests")
        .filter(requested_at__lt=before, request_notified_at__isnull=True)
        .order_by("requested_at")
        .values_list("pk", flat=True)
    )


def access_decision_emails(now, before):
    """Access grants answered (approved, denied, then revoked) whose answer the
    support person was not emailed: the mark is the status last told."""
    from platform_staff.models import AccessGrant

    status = AccessGrant.Status
    answered = Q(status=status.REVOKED, revoked_at__lt=before) | Q(
        status__in=(status.APPROVED, status.DENIED), decided_at__lt=before
    )
    return (
        AccessGrant.objects.dangerously_unscoped(reason="sweeper: grant answers")
        .filter(answered)
        .exclude(notified_status=F("status"))
        .order_by("decided_at")
        .values_list("pk", flat=True)
    )


def disclosure_emails(now, before):
    """Disclosures the tenant was informed of whose email to its owners never left."""
    from platform_staff.models import Disclosure

    return (
        Disclosure.objects.dangerously_unscoped(reason="sweeper: disclosures")
        .filter(tenant_informed_at__lt=before, tenant_emailed_at__isnull=True)
        .order_by("tenant_informed_at")
        .values_list("pk", flat=True)
    )


def attachment_thumbnails(now, before):
    """Images stored in the last day whose thumbnail was never made
    (attachments/services.py). The day bounds the retries of an image Pillow
    cannot read: the thread then links the file without its thumbnail."""
    from attachments.models import Attachment

    return (
        Attachment.objects.dangerously_unscoped(reason="sweeper: thumbnails not made")
        .filter(
            state=Attachment.State.STORED,
            content_type__startswith="image/",
            thumbnail="",
            created_at__lt=before,
            created_at__gte=now - dt.timedelta(days=1),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def notification_emails(now, before):
    """Assignment and mention emails still owed (notifications/services/emails.py)."""
    from notifications.services.emails import email_notices_owed

    return email_notices_owed(now, before)


# (name, the waiting rows, the task's import path), in the sweeper's order.
RULES = (
    ("breach_notice_emails", breach_notice_emails, "breaches.tasks.email_notice"),
    ("breach_update_emails", breach_update_emails, "breaches.tasks.email_update"),
    ("audit_packages", audit_packages, "compliance.tasks.build_audit_package"),
    (
        "subprocessor_change_emails",
        subprocessor_change_emails,
        "compliance.tasks.notify_subprocessor_change",
    ),
    (
        "subprocessor_objection_emails",
        subprocessor_objection_emails,
        "compliance.tasks.notify_subprocessor_objection",
    ),
    ("security_alert_emails", security_alert_emails, "audit.tasks.notify_alert"),
    ("policy_announcements", policy_announcements, "privacy.policies.tasks.announce_to_tenant"),
    (
        "policy_service_messages",
        policy_service_messages,
        "privacy.policies.tasks.send_service_messages",
    ),
    ("access_request_emails", access_request_emails, "platform_staff.tasks.notify_access_request"),
    (
        "access_decision_emails",
        access_decision_emails,
        "platform_staff.tasks.notify_access_decision",
    ),
    ("disclosure_emails", disclosure_emails, "platform_staff.tasks.notify_disclosure"),
    ("attachment_thumbnails", attachment_thumbnails, "attachments.tasks.make_thumbnail"),
    ("notification_emails", notification_emails, "notifications.tasks.send_email_notice"),
)
