"""The widget speaks the visitor's language.

The script is one cacheable file per widget key, while the language is only
known in the visitor's browser (the embed snippet's ``data-lang``, the page's
``<html lang>``, else ``navigator.languages``). So the script carries the
widget's own words in every language the platform speaks, rendered here from
the one catalogue (locale/), and picks one as it starts; its API calls then
say that language in ``Accept-Language``, which Django's LocaleMiddleware
applies to what the server writes (age gate, notices, errors).

The tenant's own texts (greeting, away message) stay as the tenant wrote them:
one per language where the tenant gave one, else their default.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _words() -> dict[str, str]:
    """The widget's chrome, in the active language. Placeholders in braces are
    filled in by the script ({name}, {time}, {version}, {count})."""
    return {
        "open_chat": _("Chat with us"),
        "chat": _("Chat"),
        "your_message": _("Your message"),
        "send": _("Send"),
        "start": _("Start chat"),
        "your_name": _("Your name"),
        "your_email": _("Your email"),
        "name": _("Name"),
        "email": _("Email"),
        "your_age": _("Your age"),
        "erased": _("[erased]"),
        "failed": _("Something went wrong. Please try again."),
        "policy": pgettext("policy", "Privacy policy"),
        "policy_version": _("Privacy policy (version {version})"),
        "typing": _("{name} is typing…"),
        "someone_typing": _("The shop is typing…"),
        "seen": _("Seen"),
        "sent": _("Sent"),
        "reply_minutes": _("We usually reply within a few minutes."),
        "reply_quarter": _("We usually reply within 15 minutes."),
        "reply_hour": _("We usually reply within an hour."),
        "reply_hours": _("We usually reply within a few hours."),
        "reply_day": _("We usually reply within a day."),
        "back_at": _("We are back {time}."),
        "consent_group": _("Consent to sensitive data"),
        "consent_default": _(
            "I agreed that the shop processes the sensitive details I give in this chat."
        ),
        "consent_given": _("You gave this consent: what you write now is sent under it."),
        "consent_withdraw": _("Withdraw my consent"),
        "consent_withdraw_yes": _("Withdraw and delete"),
        "consent_keep": _("Keep my consent"),
        "consent_withdraw_warning": _(
            "Withdrawing deletes the messages you sent while your consent was given."
        ),
        "consent_withdrawn_one": _("Your consent is withdrawn; {count} message deleted."),
        "consent_withdrawn_many": _("Your consent is withdrawn; {count} messages deleted."),
        "consent_ask": _(
            "Please do not share health or other sensitive details unless you tick this box."
        ),
        "consent_recorded": _("Thank you: your consent is recorded."),
        "attach": _("Attach a file"),
        "file_sending": _("Sending {name}: {percent}%"),
        "file_sent": _("File sent"),
        "file_too_large": _("This file is too large: the limit is {size} MB."),
        "file_type_refused": _("This type of file cannot be sent."),
        "file_failed": _("The file could not be sent. Please try again."),
    }


def widget_strings() -> dict[str, dict[str, str]]:
    """Every language's words, for the script: {"en": {...}, "fr": {...}}."""
    strings = {}
    for code in languages():
        with translation.override(code):
            strings[code] = _words()
    return strings


def request_language() -> str:
    """The language of the widget's current API request (Accept-Language, applied
    by LocaleMiddleware), one of the platform's."""
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in languages() else settings.LANGUAGE_CODE


def tenant_text(texts: dict, language: str, default: str) -> str:
    """The tenant's text for this language, else their default (which may be "")."""
    return (texts or {}).get(language) or default


def away_message_default() -> str:
    return _("We are closed right now. Leave us a message and we will reply when we are back.")
