"""Where a platform person works from: an ISO 3166-1 alpha-2 code.

Access from outside the European Union is a transfer under the privacy policy;
it is recorded as such on every grant and every access.
"""

import phonenumbers

# The 27 member states. EEA members and countries with an adequacy decision are
# still recorded as transfers: the policy names the EU, and the record is what
# an auditor checks against it.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

# phonenumbers knows every region that has a numbering plan, which is every
# ISO 3166 country a person can work from; "001" (non-geographic) is not one.
KNOWN_COUNTRIES = frozenset(
    code for code in phonenumbers.SUPPORTED_REGIONS if len(code) == 2 and code.isalpha()
)


def normalise_country(raw: str) -> str:
    """The upper-case code, or ValueError for anything that is not a country."""
    code = (raw or "").strip().upper()
    if code not in KNOWN_COUNTRIES:
        raise ValueError(f"{raw!r} is not an ISO 3166-1 alpha-2 country code (e.g. FR, DE, US).")
    return code


def is_transfer(country: str) -> bool:
    return country.upper() not in EU_COUNTRIES
