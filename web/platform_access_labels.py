"""Words the platform-access pages show for the codes grants and audit events store."""

from django.utils.translation import gettext_lazy as _

PLATFORM_ROLES = {
    "support": _("Platform support"),
    "dpo": _("Data-protection officer (platform)"),
    "security": _("Platform security"),
}

REASONS = {
    "customer_support_case": _("Customer support case"),
    "incident_response": _("Incident response"),
    "legal_obligation": _("Legal obligation"),
}

STATES = {
    "pending": _("Waiting for your decision"),
    "approved": _("Live"),
    "denied": _("Denied"),
    "revoked": _("Revoked"),
    "expired": _("Expired"),
}

SCOPES = {
    "tenant": _("Whole workspace"),
    "conversations": _("Listed conversations"),
}

EVENTS = {
    "platform.access_requested": _("Access requested"),
    "platform.access_approved": _("Request approved"),
    "platform.access_denied_by_tenant": _("Request denied"),
    "platform.access_revoked": _("Grant revoked"),
    "platform.access_expired": _("Request or grant expired"),
    "platform.access": _("Read under a grant"),
    "platform.access_denied": _("Attempt refused"),
}

# Why platform_staff.access refused an attempt.
DENIALS = {
    "no_grant": _("no such grant"),
    "not_requester": _("grant of someone else"),
    "role_removed": _("no longer in platform support"),
    "not_approved": _("not approved yet"),
    "denied": _("request denied"),
    "revoked": _("grant revoked"),
    "expired": _("grant expired"),
    "outside_grant": _("outside the granted scope"),
}

OUTCOMES = {"success": _("Done"), "failure": _("Failed"), "denied": _("Refused")}

SYSTEM_ACTORS = {"access_expiry": _("Automatic (time ran out)")}


def label(mapping: dict, code) -> str:
    return str(mapping.get(code, code or ""))
