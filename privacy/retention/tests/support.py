"""A tenant's history at chosen ages, for the retention tests: conversations,
their messages, notes, feed events, send attempts, stored webhooks, visitor
sessions and waiting parts of long texts, each dated ``days`` before ``START``."""

import datetime as dt
import itertools

from channels_sms.models import (
    ConcatenatedParts,
    PhoneNumber,
    ProviderAccount,
    SendAttempt,
    WebhookDelivery,
)
from conversations.models import (
    Contact,
    ContactIdentifier,
    Conversation,
    FeedEvent,
    Message,
    Note,
    Widget,
    WidgetVisitor,
)
from conversations.tests.factories import ContactFactory, ConversationFactory, MessageFactory
from privacy.blind_index import blind_index
from privacy.dsr.models import LegalHold
from privacy.retention.models import RetentionPolicy

# Every test runs with the clock stopped here (time_machine).
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def ago(days: float) -> dt.datetime:
    return START - dt.timedelta(days=days)


def set_policy(tenant, inactive_days: int, closed_days: int | None = None) -> RetentionPolicy:
    return RetentionPolicy.objects.create(
        tenant=tenant, inactive_days=inactive_days, closed_days=closed_days
    )


class History:
    """Writes rows of one tenant (a conftest TenantWorld) at chosen ages."""

    def __init__(self, world):
        self.tenant, self.shop, self.owner = world.tenant, world.shop, world.owner
        self.widget = Widget.objects.create(tenant=self.tenant, shop=self.shop, age_gate=False)
        account = ProviderAccount.objects.create(
            tenant=self.tenant, provider="vonage", account_ref=f"acct{next(_ids)}", auth_token="t"
        )
        self.number = PhoneNumber.objects.create(
            tenant=self.tenant,
            shop=self.shop,
            account=account,
            provider="vonage",
            number=f"+4477009{next(_ids):05d}",
        )

    def contact(self, **fields) -> Contact:
        contact = ContactFactory(tenant=self.tenant, **fields)
        ContactIdentifier.objects.create(
            tenant=self.tenant,
            contact=contact,
            kind="phone",
            blind_index=blind_index(self.tenant.id, "phone", contact.phone),
        )
        return contact

    def conversation(
        self, days: float, *, contact=None, status="open", messages=2, notes=0, feed=1
    ) -> Conversation:
        """A conversation whose last activity (and newest message) is ``days`` old."""
        at = ago(days)
        conversation = ConversationFactory(
            tenant=self.tenant,
            shop=self.shop,
            contact=contact or self.contact(),
            channel="sms",
            status=status,
            created_at=at - dt.timedelta(hours=messages),
            last_activity_at=at,
        )
        for n in range(messages):
            when = at - dt.timedelta(hours=messages - 1 - n)
            MessageFactory(conversation=conversation, created_at=when, status_changed_at=when)
        for _ in range(notes):
            Note(
                tenant=self.tenant,
                conversation=conversation,
                contact_id=conversation.contact_id,
                author=self.owner,
                body="called back, no answer",
                created_at=at,
            ).save()
        for _ in range(feed):
            FeedEvent.objects.create(
                tenant=self.tenant,
                kind=FeedEvent.Kind.MESSAGE_CREATED,
                conversation_id=conversation.pk,
            )
        return conversation

    def messages(self, conversation) -> list[Message]:
        return list(Message.objects.filter(conversation=conversation).order_by("id"))

    def attempt(self, message: Message, days: float) -> SendAttempt:
        return SendAttempt.objects.create(
            tenant=self.tenant,
            message=message,
            phone_number=self.number,
            number=next(_ids),
            outcome=SendAttempt.Outcome.SENT,
            started_at=ago(days),
            finished_at=ago(days),
        )

    def delivery(self, days: float, *, state="processed", message=None) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            tenant=self.tenant,
            provider="vonage",
            kind="message",
            provider_message_id=f"0B{next(_ids):014d}",
            phone_number=self.number,
            state=state,
            payload=None if state == "processed" else {"text": "a text we kept"},
            message_id=message.pk if message else None,
            received_at=ago(days),
        )

    def parts(self, days: float, *, sender=None) -> ConcatenatedParts:
        index = blind_index(self.tenant.id, "phone", sender.phone if sender else "+33700000000")
        return ConcatenatedParts.objects.create(
            tenant=self.tenant,
            phone_number=self.number,
            sender_index=index,
            reference=str(next(_ids)),
            total=2,
            parts={"1": {"text": "first half"}},
            created_at=ago(days),
        )

    def visitor(self, conversation, days: float) -> WidgetVisitor:
        return WidgetVisitor.objects.create(
            tenant=self.tenant,
            widget=self.widget,
            token_hash=f"{next(_ids):064d}",
            contact_id=conversation.contact_id,
            conversation=conversation,
            created_at=ago(days),
            last_seen_at=ago(days),
        )

    def hold(self, contact) -> LegalHold:
        return LegalHold.objects.create(
            tenant=self.tenant, contact=contact, reason="litigation", set_by=self.owner
        )
