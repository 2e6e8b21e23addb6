"""Each person's language and time zone, applied to every request they make.

Language: the one the person chose (``User.language``), else what the browser
asks for (Django's LocaleMiddleware already read Accept-Language and the
language cookie). Time zone: the person's choice, else the one the browser
reports in the ``tz`` cookie (set by app.js), else UTC.
"""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

TIME_ZONE_COOKIE = "tz"
# A stored "UTC" is the field's default and means "not chosen"; someone who wants
# UTC on purpose is stored as Etc/UTC.
UNCHOSEN_TIME_ZONE = "UTC"
LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def valid_time_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def time_zone_for(request) -> zoneinfo.ZoneInfo | None:
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
    if chosen and chosen != UNCHOSEN_TIME_ZONE:
        zone = valid_time_zone(chosen)
        if zone:
            return zone
    return valid_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE))


class PreferencesMiddleware:
    """After AuthenticationMiddleware (and LocaleMiddleware, which it overrides)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language in LANGUAGE_CODES:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        zone = time_zone_for(request)
        if zone:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
