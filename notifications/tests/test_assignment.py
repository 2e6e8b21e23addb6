"""The email on assignment, and assign on reply (a tenant setting, on by default)."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from conversations.services.inbox import conversation_assign
from conversations.services.messages import message_reply
from instaply import rls
from instaply.sweeper_owed import notification_emails
from notifications.models import EmailNotice
from notifications.services.emails import email_notice_send
from notifications.services.preferences import preference_set
from tenants.models import Role, Tenant

pytestmark = pytest.mark.django_db


def _send(*, notice_id) -> bool:
    """The task's work as the task runs it: in a unit of work, so the tenant it
    adopts ends with it (called bare, it would stay for the next test's fixtures)."""
    with rls.unit_of_work():
        return email_notice_send(notice_id=notice_id)


@pytest.fixture
def assign(conversation, django_capture_on_commit_callbacks):
    def run(actor, assignee):
        with django_capture_on_commit_callbacks(execute=True):
            return conversation_assign(actor=actor, conversation=conversation, assignee=assignee)

    return run


def test_someone_else_assigning_emails_the_assignee_a_link(team, conversation, assign, settings):
    settings.PUBLIC_BASE_URL = "https://app.example"
    agent = team.members[Role.AGENT]
    assign(team.owner, agent)
    [email] = mail.outbox
    assert email.to == [agent.user.email]
    assert "Olivia Owner assigned you a conversation" in email.body
    assert f"https://app.example/c/{conversation.pk}/" in email.body
    assert "Zoé" not in email.body and "cake" not in email.body
    # Run again (a task delivered twice): nothing more is sent.
    notice = EmailNotice.objects.get()
    assert _send(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_no_email_to_oneself_nor_against_the_preference(team, conversation, assign):
    agent, admin = team.members[Role.AGENT], team.members[Role.ADMIN]
    assign(agent, agent)
    preference_set(member=admin, email_on_assignment=False)
    assign(team.owner, admin)
    assert mail.outbox == []
    assert not EmailNotice.objects.exists()


def test_an_email_whose_conversation_changed_hands_meanwhile_is_skipped(team, conversation):
    agent, admin = team.members[Role.AGENT], team.members[Role.ADMIN]
    conversation_assign(actor=team.owner, conversation=conversation, assignee=agent)  # not sent
    conversation_assign(actor=team.owner, conversation=conversation, assignee=admin)
    first, second = EmailNotice.objects.order_by("queued_at", "id")
    assert _send(notice_id=first.pk) is False
    first.refresh_from_db()
    assert (first.status, first.skip_reason) == ("skipped", "reassigned")
    assert _send(notice_id=second.pk) is True
    assert [m.to for m in mail.outbox] == [[admin.user.email]]


def test_a_lost_task_is_swept_and_a_mail_server_failure_keeps_it_owed(
    team, conversation, monkeypatch
):
    import datetime as dt

    from django.utils import timezone

    conversation_assign(actor=team.owner, conversation=conversation, assignee=team.owner)
    conversation_assign(
        actor=team.members[Role.ADMIN], conversation=conversation, assignee=team.owner
    )
    notice = EmailNotice.objects.get()
    later = timezone.now() + dt.timedelta(minutes=5)
    assert list(notification_emails(later, later)) == [notice.pk]

    def refused(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("notifications.services.emails.send_mass_mail", refused)
    with pytest.raises(OSError):
        _send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "queued"


def test_replying_to_an_unassigned_conversation_takes_it(team, conversation):
    agent = team.members[Role.AGENT]
    message_reply(actor=agent, conversation=conversation, body="On it!")
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    event = AuditEvent.objects.get(action="conversation.assigned")
    assert event.metadata["assignee_id"] == str(agent.pk)
    # Already assigned: a colleague's reply leaves it with its assignee.
    message_reply(actor=team.owner, conversation=conversation, body="Me too")
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert mail.outbox == []  # assigning oneself by replying emails nobody


def test_a_tenant_that_turned_it_off_keeps_replies_unassigned(team, conversation):
    assert Tenant.objects.get(pk=team.tenant.pk).assign_on_reply is True  # the default
    Tenant.objects.filter(pk=team.tenant.pk).update(assign_on_reply=False)
    message_reply(actor=team.members[Role.AGENT], conversation=conversation, body="Hello")
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_owners_and_admins_set_it_on_the_conversations_settings_page(team, page_as):
    admin = page_as(Role.ADMIN)
    page = admin.get("/settings/conversations/")
    assert b'name="assign_on_reply" checked' in page.content
    response = admin.post("/settings/conversations/", {"setting": "assign_on_reply"})
    assert response.status_code == 302
    assert Tenant.objects.get(pk=team.tenant.pk).assign_on_reply is False
    event = AuditEvent.objects.get(action="tenant.assign_on_reply_changed")
    assert event.metadata == {"assign_on_reply": False, "previous": True}
    # The reopen window's form still does its own work.
    admin.post("/settings/conversations/", {"reopen_window_days": "3"})
    assert Tenant.objects.get(pk=team.tenant.pk).reopen_window_days == 3
    assert Tenant.objects.get(pk=team.tenant.pk).assign_on_reply is False
    agent = page_as(Role.AGENT)
    refused = agent.post("/settings/conversations/", {"setting": "assign_on_reply"})
    assert refused.status_code == 403
