"""What is indexed of a text, a name, an email and a phone number, and how a
query is read: normalised forms, before they are keyed (search/tokens.py).

- Words: case folded, accents folded (NFKD without combining marks), split on
  anything that is not a letter or a digit; one-character words and the most
  common English and French words are left out (they would be the largest
  token lists and narrow no search), words are cut at 40 characters.
- Name parts: the words of a name, each with its prefixes from 3 characters
  (so "dup" finds Dupont); a part shorter than that only as itself.
- Emails: the whole address, its local part and its domain.
- Phone numbers: the digits of the E.164 form, of the national significant
  number and of the national form with its trunk prefix (+33 6 12 34 56 78:
  33612345678, 612345678, 0612345678), so any common way of typing it matches.
"""

import re
import unicodedata

import phonenumbers

MAX_WORD = 40
MIN_PREFIX = 3
MIN_PHONE_DIGITS = 6

# The commonest words of chat messages in English and French.
STOP_WORDS = frozenset(
    """
    a an and are as at be but by do for from have hi i if in is it me my no not of
    on or so that the this to us was we you your
    au aux ce ces de des du elle en est et il je la le les ma mais me mes mon ne nous
    on ou pas pour qu que qui sa se ses son sur ta te tu un une vous
    """.split()  # noqa: SIM905 - a list of words reads better as words
)

_WORD = re.compile(r"[^\W_]+")
_PHONE_TYPED = re.compile(r"^\+?[\d\s().\-/]+$")


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()  # the common case, without decomposing every character
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return [w[:MAX_WORD] for w in _WORD.findall(fold(text or ""))]


def words(text: str) -> set[str]:
    """The indexed words of a message's text."""
    return {w for w in _words(text) if len(w) > 1 and w not in STOP_WORDS}


def name_parts(name: str) -> set[str]:
    """The indexed forms of a contact's name: each part and its prefixes."""
    forms = set()
    for part in _words(name):
        forms.add(part)
        forms.update(part[:n] for n in range(MIN_PREFIX, len(part)))
    return forms


def email_forms(email: str) -> set[str]:
    address = (email or "").strip().casefold()
    local, sep, domain = address.partition("@")
    if not sep or not local or not domain:
        return {address} if address else set()
    return {address, local + "@", "@" + domain}


def phone_forms(phone: str) -> set[str]:
    """Digit strings under which a stored (E.164) number is found."""
    try:
        number = phonenumbers.parse(phone or "", None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", phone or "")
        return {digits} if digits else set()
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms = {
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+"),
        phonenumbers.national_significant_number(number),
        re.sub(r"\D", "", national),
    }
    return {f for f in forms if len(f) >= MIN_PHONE_DIGITS}


def typed_phone(query: str) -> str | None:
    """The digits of a query typed as a phone number (any common format), or None.

    "+33 6 12 34 56 78", "0033 6 12 34 56 78", "06.12.34.56.78", "(415) 555-0123"
    give a form phone_forms indexes; "00" is read as the international prefix."""
    text = query.strip()
    if not _PHONE_TYPED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and digits.startswith("00"):
        digits = digits[2:]
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def contact_query_forms(query: str) -> list[tuple[str, str]]:
    """(domain, form) pairs a contact must all have: a phone number typed in any
    format, or terms, each an email (or its local part "jean@", or "@domain") or
    the start of a name part."""
    digits = typed_phone(query)
    if digits:
        return [("phone", digits)]
    forms = []
    for term in query.split():
        if "@" in term:
            local, _, domain = term.casefold().partition("@")
            if local and domain:
                forms.append(("email", f"{local}@{domain}"))
            elif local or domain:
                forms.append(("email", f"{local}@" if local else f"@{domain}"))
        else:
            forms.extend(("name", part) for part in _words(term))
    return list(dict.fromkeys(forms))
