"""The "sms" channel of conversations: how a reply leaves over SMS."""

from django.conf import settings

from channels_sms import segments
from channels_sms.selectors import phone_number_of_conversation
from instaply.errors import Invalid
from instaply.publish import publish


class SmsChannel:
    kind = "sms"

    def dispatch(self, *, message_id) -> None:
        from channels_sms.tasks import send_message

        # Called after commit; a broker that is down leaves the message queued
        # for the sweeper rather than failing the reply.
        publish(send_message, message_id)

    def refusal(self, *, conversation, contact) -> str | None:
        number = phone_number_of_conversation(conversation)
        if number is None or not number.active:
            return "This SMS number was deactivated; replies cannot be sent from it."
        if not number.account.active:
            return "The provider account of this SMS number is switched off."
        return None

    def check_body(self, *, body: str) -> None:
        count, limit = segments.segment_count(body), settings.SMS_MAX_SEGMENTS
        if count > limit:
            raise Invalid(
                f"This text needs {count} SMS segments; the limit is {limit}. Shorten it.",
                fields={"body": [f"{count} segments; at most {limit}."]},
                code="too_many_segments",
            )
