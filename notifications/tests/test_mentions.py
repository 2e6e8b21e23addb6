"""@name in an internal note: the named member's in-app notice and email, and
nothing for someone who may not read the conversation."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from conversations.services.inbox import conversation_mark_read, note_add
from notifications import selectors
from notifications.models import EmailNotice, Mention
from notifications.services.preferences import preference_set
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_note(team, conversation, django_capture_on_commit_callbacks):
    def write(body, author=Role.OWNER):
        # The email task is published after commit: run those callbacks, as a commit would.
        with django_capture_on_commit_callbacks(execute=True):
            return note_add(actor=team.members[author], conversation=conversation, body=body)

    return write


def test_a_mention_notifies_its_member_in_app_and_by_email(
    team, conversation, write_note, settings
):
    settings.PUBLIC_BASE_URL = "https://app.example"
    agent = team.members[Role.AGENT]
    note = write_note("@Ana Agent the customer Zoé wants a refund")

    [mention] = Mention.objects.for_tenant(team.tenant)
    assert (mention.member, mention.note, mention.author) == (agent, note, team.owner)
    assert selectors.mention_unread_count(member=agent) == 1
    [email] = mail.outbox
    assert email.to == [agent.user.email]
    assert "Olivia Owner mentioned you" in email.body
    assert f"https://app.example/c/{conversation.pk}/" in email.body
    # A link, never the customer's name or the note's words.
    for secret in ("Zoé", "refund", "cake"):
        assert secret not in email.body and secret not in email.subject
    assert EmailNotice.objects.get().status == EmailNotice.Status.SENT
    event = AuditEvent.objects.get(action="note.mentioned")
    assert event.metadata["member_ids"] == [str(agent.pk)]


def test_someone_who_cannot_read_conversations_cannot_be_mentioned(team, conversation, write_note):
    write_note("@Pia Privacy have a look")
    assert not Mention.objects.for_tenant(team.tenant).exists()
    assert mail.outbox == []
    privacy = team.members[Role.PRIVACY]
    assert selectors.mention_list(member=privacy).count() == 0


def test_a_viewer_reads_conversations_and_can_be_mentioned(team, conversation, write_note):
    write_note("FYI @vic viewer")
    assert Mention.objects.for_tenant(team.tenant).get().member == team.members[Role.VIEWER]


def test_mentioning_oneself_or_a_revoked_member_tells_nobody(team, conversation, write_note):
    from django.utils import timezone

    admin = team.members[Role.ADMIN]
    admin.revoked_at = timezone.now()
    admin.save(update_fields=["revoked_at"])
    write_note("@Olivia Owner note to self, and @Adam Admin")
    assert not Mention.objects.for_tenant(team.tenant).exists()
    assert mail.outbox == []


def test_the_email_follows_the_preference_the_notice_does_not(team, conversation, write_note):
    agent = team.members[Role.AGENT]
    preference_set(member=agent, email_on_mention=False)
    write_note("@Ana Agent please call")
    assert Mention.objects.for_tenant(team.tenant).count() == 1
    assert mail.outbox == []
    assert not EmailNotice.objects.exists()


def test_opening_the_conversation_reads_its_mentions(team, conversation, write_note):
    agent = team.members[Role.AGENT]
    write_note("@Ana Agent one")
    write_note("@Ana Agent two")
    assert selectors.mention_unread_count(member=agent) == 2
    conversation_mark_read(actor=team.owner, conversation=conversation)  # someone else
    assert selectors.mention_unread_count(member=agent) == 2
    conversation_mark_read(actor=agent, conversation=conversation)
    assert selectors.mention_unread_count(member=agent) == 0


def test_a_member_moved_to_a_role_that_cannot_read_loses_their_mentions(
    team, conversation, write_note
):
    agent = team.members[Role.AGENT]
    write_note("@Ana Agent look")
    agent.role = Role.PRIVACY
    agent.save(update_fields=["role"])
    assert selectors.mention_unread_count(member=agent) == 0


def test_erasing_the_note_takes_its_mentions(team, conversation, write_note):
    note = write_note("@Ana Agent look")
    note.delete()
    assert not Mention.objects.for_tenant(team.tenant).exists()
