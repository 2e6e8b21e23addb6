"""Emails owed to members (assigned a conversation, mentioned in a note).

The house pattern of invitation emails: the row is written queued in the
transaction of the change, its task takes the id after commit, locks the row,
checks it is still owed and still allowed (the member active, able to read the
conversation, still wanting these emails, still its assignee) and marks it sent
only after the mail server took it. A task run twice sends once; one lost is
published again by the sweeper (instaply/sweeper_owed.py).

What an email says: who (a colleague's name), which workspace, and a link to
the conversation behind the sign-in. Never the customer's name, number or
words, nor the note's text (docs/notifications.md).
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from instaply import rls
from instaply.publish import publish_after_commit
from notifications.access import may_read_conversation
from notifications.models import EmailNotice
from platform_staff.emails import email_message

FOLDER = "notifications/email"


def email_notice_queue(*, kind, member, conversation, actor, mention=None) -> EmailNotice:
    """Inside the caller's transaction: the row now, its task after commit."""
    notice = EmailNotice(
        tenant_id=conversation.tenant_id,
        kind=kind,
        member=member,
        conversation=conversation,
        mention=mention,
        actor=actor,
    )
    notice.save(force_insert=True)
    from notifications.tasks import send_email_notice

    publish_after_commit(send_email_notice, notice.pk)
    return notice


def _skip_reason(notice: EmailNotice) -> str:
    from notifications.selectors import preference_of

    member, conversation = notice.member, notice.conversation
    if not member.is_active:
        return "member_inactive"
    if not may_read_conversation(member, conversation):
        return "no_access"
    preference = preference_of(member=member)
    if notice.kind == EmailNotice.Kind.ASSIGNED:
        if not preference.email_on_assignment:
            return "preference_off"
        if conversation.assignee_id != member.pk:
            return "reassigned"
    elif not preference.email_on_mention:
        return "preference_off"
    return ""


def email_notice_send(*, notice_id) -> bool:
    """Sends one owed email; False when there is nothing (more) to send. A mail
    server failure raises (OSError): the row stays queued for the retry."""
    with transaction.atomic():
        notice = (
            EmailNotice.objects.dangerously_unscoped(
                reason="task by id of an email queued by a tenant-checked service"
            )
            .select_for_update(of=("self",))
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.status != EmailNotice.Status.QUEUED:
            return False
        rls.adopt(notice.tenant_id)
        notice = (
            EmailNotice.objects.for_tenant(notice.tenant_id)
            .select_related("member__user", "member__tenant", "conversation", "actor__user")
            .get(pk=notice.pk)
        )
        reason = _skip_reason(notice)
        if reason:
            notice.status, notice.skip_reason = EmailNotice.Status.SKIPPED, reason
            notice.save(update_fields=["status", "skip_reason"])
            return False
        link = settings.PUBLIC_BASE_URL + reverse(
            "web:conversation", kwargs={"conversation_id": notice.conversation_id}
        )
        context = {
            "actor": notice.actor.user.get_full_name() if notice.actor else "",
            "workspace": notice.member.tenant.name,
            "link": link,
        }
        send_mass_mail(
            [email_message(notice.kind, notice.member.user, context, folder=FOLDER)],
            fail_silently=False,
        )
        notice.status, notice.sent_at = EmailNotice.Status.SENT, timezone.now()
        notice.save(update_fields=["status", "sent_at"])
    return True


def email_notices_owed(now, before):
    """The sweeper's rule: emails still queued since before ``before``."""
    return (
        EmailNotice.objects.dangerously_unscoped(reason="sweeper: notification emails owed")
        .filter(status=EmailNotice.Status.QUEUED, queued_at__lt=before)
        .order_by("queued_at")
        .values_list("pk", flat=True)
    )
