"""The consent section of the contact panel: the state per purpose, the ledger,
and staff recording what the person told them (privacy.consent)."""

from django.contrib import messages as flash
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from conversations import selectors as conversation_selectors
from instaply.errors import DomainError
from privacy.consent import selectors, services
from privacy.consent.models import ConsentEntry
from tenants.permissions import Capability
from web.labels import domain_error_message
from web.tenancy import member_required

PURPOSES = {
    "special_category_data": gettext_lazy("Special-category data"),
    "marketing": gettext_lazy("Marketing"),
    "sms_messages": gettext_lazy("Text messages"),
    "parental_authorisation": gettext_lazy("Parental authorisation"),
}
CHANNELS = {
    "widget": gettext_lazy("website chat"),
    "sms_keyword": gettext_lazy("SMS keyword"),
    "staff": gettext_lazy("staff, on the person's instruction"),
    "api": gettext_lazy("API"),
}

ERRORS = {
    "consent_not_given": gettext_lazy(
        "This consent is not in force (never given, or already withdrawn): there is "
        "nothing to withdraw."
    ),
    "contact_erased": gettext_lazy("This contact is being erased."),
}
FIELD_PROBLEMS = {
    "purpose": gettext_lazy("Choose what the consent is for."),
    "action": gettext_lazy("Choose whether the person gave or withdrew the consent."),
    "text": gettext_lazy(
        "Write the text the person agreed to, as shown or said to them (at most 2,000 characters)."
    ),
    "text_version": gettext_lazy("The text's version is at most 32 characters."),
}


def _row(entry: ConsentEntry) -> dict:
    details = selectors.readable_details(entry)
    if entry.recorded_by_id and entry.recorded_by is not None:
        by = entry.recorded_by.user.get_full_name() or entry.recorded_by.user.email
    elif entry.channel == ConsentEntry.Channel.WIDGET:
        by = _("the visitor")
    elif entry.channel == ConsentEntry.Channel.SMS_KEYWORD:
        by = _("the person, by text")
    else:
        by = ""
    return {
        "entry": entry,
        "purpose": PURPOSES.get(entry.purpose, entry.purpose),
        "given": entry.action == ConsentEntry.Action.GIVEN,
        # A visitor's own word that a parent authorises them: never an authorisation.
        "declaration": selectors.is_declaration(entry),
        "channel": CHANNELS.get(entry.channel, entry.channel),
        "by": by,
        "keyword": details.get("keyword", ""),
        "deleted": details.get("deleted_messages"),
        "unreadable": bool(details.get("unreadable")),
    }


def consent_panel(contact) -> dict:
    """The panel's context. Reading it is a read of personal data: the page
    counts it in the one audit event it records (web.conversation)."""
    ledger = selectors.consent_ledger(contact)
    states = selectors.consent_states(ledger)
    return {
        "consent_ledger": [_row(entry) for entry in ledger],
        "consent_states": [_row(states[p]) for p in PURPOSES if p in states],
        "consent_purposes": [(p, PURPOSES[p]) for p in services.STAFF_PURPOSES],
    }


def _error_message(error: DomainError) -> str:
    if error.code in ERRORS:
        return str(ERRORS[error.code])
    fields = error.fields or {}
    if fields:
        return " ".join(str(FIELD_PROBLEMS.get(name, fields[name][0])) for name in fields)
    return domain_error_message(error)


@require_POST
@member_required(Capability.CONVERSATIONS_WRITE)
def record_consent(request, conversation_id):
    conversation = conversation_selectors.conversation_get(
        tenant=request.tenant, id=conversation_id
    )
    action = request.POST.get("action", "")
    try:
        entry = services.consent_record_for_subject(
            actor=request.membership,
            contact=conversation.contact,
            purpose=request.POST.get("purpose", ""),
            action=action,
            text=request.POST.get("text", ""),
            text_version=request.POST.get("text_version", ""),
            request=request,
        )
    except DomainError as error:
        flash.error(request, _error_message(error))
    else:
        if entry.action == ConsentEntry.Action.GIVEN:
            flash.success(request, _("Consent recorded."))
        else:
            deleted = (entry.details or {}).get("deleted_messages", 0)
            flash.success(
                request,
                _("Withdrawal recorded; %(count)s message(s) sent under the consent deleted.")
                % {"count": deleted},
            )
    return redirect(reverse("web:conversation", args=[conversation.id]) + "#consent-title")
