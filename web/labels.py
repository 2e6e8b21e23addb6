"""Words the pages show for the codes the models store, in the reader's language.

The models keep English choice labels for the API and the admin; pages look
them up here, where they are marked for translation.
"""

from django.utils.translation import gettext_lazy as _

ROLES = {
    "owner": _("Owner"),
    "admin": _("Admin"),
    "agent": _("Agent"),
    "viewer": _("Viewer"),
    "privacy": _("Privacy officer"),
}

CONVERSATION_STATUSES = {
    "open": _("Open"),
    "pending": _("Pending"),
    "snoozed": _("Snoozed"),
    "closed": _("Closed"),
}

MESSAGE_STATUSES = {
    "received": _("Received"),
    "queued": _("Queued"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "undelivered": _("Not delivered"),
    "failed": _("Failed"),
}

CHANNELS = {"sms": _("SMS"), "widget": _("Website chat")}

PROVIDERS = {"twilio": "Twilio", "vonage": "Vonage", "simulator": _("Simulator")}

ALERT_RULES = {
    "failed_logins": _("Burst of failed sign-ins"),
    "access_denials": _("Burst of access denials"),
    "export_volume": _("Export volume spike"),
    "new_login_ip": _("Owner or admin sign-in from a new IP address"),
    "unreadable_data": _("Stored data that does not decrypt"),
    "new_login_country": _("Owner or admin sign-in from a new country"),
    "new_login_device": _("Owner or admin sign-in from a new device"),
}

SEVERITIES = {"medium": _("Medium"), "high": _("High")}

WEEKDAYS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}

# Errors of the services, by code, as the pages say them. Anything else shows
# the service's own (English) message.
DOMAIN_ERRORS = {
    "opted_out": _("This contact opted out of messages on this channel; nothing was sent."),
    "processing_restricted": _(
        "Processing of this contact's data is restricted: no message can be sent."
    ),
    "channel_refused": _("This channel cannot send a reply now."),
    "too_many_segments": _("This text is too long for SMS. Shorten it."),
    "last_owner": _("A workspace must keep at least one active owner."),
    "already_member": _("This person is already a member."),
    "membership_revoked": _("This membership is revoked."),
    "number_taken": _("This number is already active on Instaply."),
    "account_exists": _("This provider account is already connected."),
    "not_failed": _("Only a failed message can be sent again."),
    "already_held": _("This contact is already under a legal hold."),
    "already_released": _("This legal hold was already released."),
    "erased": _("This contact is being erased or was erased."),
}


def label(mapping: dict, code) -> str:
    return mapping.get(code, code or "")


def domain_error_message(error) -> str:
    """What a page says for an instaply.errors.DomainError."""
    return str(DOMAIN_ERRORS.get(getattr(error, "code", ""), error.message))
