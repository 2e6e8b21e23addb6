"""What a request says about the device and where it came from, reduced to
families, a country code and a host: never the raw user agent or a full URL."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from ua_parser import parse

_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Codes proxies send when they do not know: Cloudflare's unknown and Tor.
_NOT_A_COUNTRY = frozenset({"XX", "T1", "ZZ"})
_FAMILY_LENGTH = 64


@dataclass(frozen=True)
class Families:
    browser: str = ""
    os: str = ""
    device: str = ""


def families(user_agent: str | None) -> Families:
    """Browser, OS and device families (ua-parser); versions are dropped."""
    if not user_agent:
        return Families()
    result = parse(user_agent[:1000])

    def family(part) -> str:
        value = getattr(part, "family", "") if part is not None else ""
        return "" if value in ("", "Other") else value[:_FAMILY_LENGTH]

    return Families(
        browser=family(result.user_agent),
        os=family(result.os),
        device=family(result.device),
    )


def request_families(request) -> Families:
    return families(request.headers.get("User-Agent"))


def country(request) -> str:
    """The ISO alpha-2 code named by the trusted proxy's header, or empty."""
    header = settings.LOGIN_COUNTRY_HEADER
    if not header:
        return ""
    value = (request.headers.get(header) or "").strip().upper()
    return value if _COUNTRY.match(value) and value not in _NOT_A_COUNTRY else ""


def referrer_host(request) -> str:
    """The host of the Referer, empty for our own host or anything unparsable."""
    referer = request.headers.get("Referer") or ""
    try:
        host = (urlsplit(referer).hostname or "").lower()
    except ValueError:
        return ""
    own = request.get_host().split(":")[0].lower() if _host_known(request) else ""
    if not host or host == own:
        return ""
    return host[:253]


def _host_known(request) -> bool:
    try:
        request.get_host()
    except Exception:  # DisallowedHost: the page would have been refused anyway
        return False
    return True
