"""Phone numbers as the simulated carriers see them.

Internally every number is E.164 with its `+`. Twilio speaks that form on the
wire; Vonage drops the `+` (``447700900123``), so its modules convert at the edge.
"""

import re

import phonenumbers

# What a sender ID may be when it is not a number: up to 11 letters, digits or spaces.
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


def e164(value: str | None) -> str | None:
    """The number in E.164 form, or None when it cannot be a phone number.

    Accepts `+33612345678`, `0033612345678` and the bare digits Vonage uses. The
    check is the lenient "possible number" one: the simulator must accept the
    fictional numbers demos and tests use (555 numbers, Twilio's magic numbers).
    """
    if not value:
        return None
    compact = re.sub(r"[\s().-]", "", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.isdigit():
        compact = "+" + compact
    if not compact.startswith("+") or not compact[1:].isdigit():
        return None
    try:
        parsed = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_alphanumeric_sender(value: str | None) -> bool:
    return bool(value) and bool(_ALPHANUMERIC_SENDER.match(value))


def country(number: str) -> str:
    """ISO country of an E.164 number (`FR`), or an empty string: Twilio sends
    `FromCountry`/`ToCountry` and leaves the fields it cannot resolve empty."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def vonage_form(number: str) -> str:
    """A number as Vonage writes it in webhooks: digits only, no `+`."""
    return number[1:] if number.startswith("+") else number
