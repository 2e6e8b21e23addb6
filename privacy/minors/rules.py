"""The rules of minors that other modules ask about: the two threshold ages
(settings MINOR_AGE_CHILD and MINOR_AGE_ADULT, 15 and 18 by default), the words
that show them, and why nothing may be sent to a contact because of their age.

Kept free of services and models of other apps, so that the send path
(conversations.services.messages) and the channels can import it cheaply.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from conversations.models import AgeStatus
from instaply.errors import Conflict

# The request a child's mark opens carries this reason (DataSubjectRequest.reason).
CHILD_REASON = "child_under_15"
UNDER_15 = "minor_under_15"
HELD = "parental_authorisation_required"


def ages() -> dict[str, int]:
    """{"child": 15, "adult": 18, "last": 17} from the settings."""
    child, adult = settings.MINOR_AGE_CHILD, settings.MINOR_AGE_ADULT
    if not 0 < child < adult:
        raise ImproperlyConfigured("MINOR_AGE_CHILD must be positive and below MINOR_AGE_ADULT.")
    return {"child": child, "adult": adult, "last": adult - 1}


def status_for_age(years: int, current: str) -> str:
    """The age status of someone ``years`` old. A minor's recorded parental
    authorisation stays; any other minor is held until staff record one."""
    limits = ages()
    if years < limits["child"]:
        return AgeStatus.UNDER_15
    if years < limits["adult"]:
        if current == AgeStatus.MINOR_AUTHORISED:
            return current
        return AgeStatus.MINOR_UNAUTHORISED
    return AgeStatus.ADULT


def age_status_label(code: str) -> str:
    """What the pages call an age status, with the threshold ages of the settings."""
    limits = ages()
    labels = {
        AgeStatus.UNKNOWN: _("Unknown"),
        AgeStatus.ADULT: _("Adult"),
        AgeStatus.MINOR_AUTHORISED: _("%(child)s–%(last)s, parental authorisation") % limits,
        AgeStatus.MINOR_UNAUTHORISED: _("%(child)s–%(last)s, no parental authorisation") % limits,
        AgeStatus.UNDER_15: _("Under %(child)s") % limits,
    }
    return labels.get(code, code or "")


def send_refusal(contact) -> Conflict | None:
    """Why nothing may be sent to ``contact`` because of their age, or None.

    Applies to every outbound message, service messages included: a child's
    data is being erased, and a held minor waits for a parent's authorisation.
    """
    if contact.age_status == AgeStatus.UNDER_15:
        return Conflict(
            _(
                "This contact was marked under %(child)s: no message can be sent to them, "
                "and an erasure request of their data is open."
            )
            % ages(),
            code=UNDER_15,
        )
    if contact.age_status == AgeStatus.MINOR_UNAUTHORISED:
        return Conflict(
            _(
                "This contact is %(child)s to %(last)s and no parental authorisation is "
                "recorded: replies are blocked until staff record it."
            )
            % ages(),
            code=HELD,
        )
    return None


def widget_age_texts() -> dict[str, str]:
    """The age gate's words in the visitor's language, with the settings' ages."""
    limits = ages()
    return {
        "legend": _("Your age"),
        "adult": _("%(adult)s or older") % limits,
        "minor": _("%(child)s to %(last)s") % limits,
        "child": _("Under %(child)s") % limits,
        "authorisation": _("A parent or guardian authorises me (%(child)s to %(last)s)") % limits,
    }


def widget_held_notice() -> str:
    """What a held minor's chat tells them once it starts."""
    return _(
        "Thank you. You can write now; the shop replies once it has confirmed the "
        "authorisation of your parent or guardian."
    )


def widget_child_refusal() -> str:
    return _("Sorry, this chat is not available to people under %(child)s.") % ages()


def widget_authorisation_missing() -> str:
    return (
        _(
            "People aged %(child)s to %(last)s need the authorisation of a parent or guardian "
            "to chat. Ask them, then confirm it."
        )
        % ages()
    )
