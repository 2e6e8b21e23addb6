"""Signs out a session left idle longer than SESSION_IDLE_TIMEOUT seconds
(PLATFORM_SESSION_IDLE_TIMEOUT for a console session of platform staff).

The last activity is stored in the session at most once a minute, so an
active person does not cause a session write on every request. An idle page
request is sent to the sign-in page; an idle API call answers 401.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from instaply.api.errors import error_response
from platform_staff.console import PLATFORM_SESSION_KEY

LAST_SEEN_KEY = "instaply_last_seen"
WRITE_EVERY_SECONDS = 60
# Sent by the inbox's live feed (web/static/web/inbox.js): a page left open
# polls forever, and that is not a person being active.
BACKGROUND_HEADER = "X-Instaply-Background"


class SessionIdleTimeoutMiddleware:
    """Runs after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            console = bool(request.session.get(PLATFORM_SESSION_KEY))
            # A console session (platform staff) is held to the shorter timeout.
            timeout = (
                settings.PLATFORM_SESSION_IDLE_TIMEOUT if console else settings.SESSION_IDLE_TIMEOUT
            )
            if last_seen is not None and now - last_seen > timeout:
                return self._expire(request, console=console)
            background = request.headers.get(BACKGROUND_HEADER) == "1"
            if last_seen is None or (now - last_seen >= WRITE_EVERY_SECONDS and not background):
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request, *, console: bool = False):
        request.logout_reason = "idle_timeout"  # read by the audit receiver of user_logged_out
        logout(request)
        if request.path.startswith("/api/"):
            return error_response(
                401, "session_expired", "Your session ended after a period of inactivity."
            )
        messages.info(request, _("You were signed out after a period of inactivity."))
        query = urlencode({"next": request.get_full_path()})
        login_url = "platform:login" if console else settings.LOGIN_URL
        return redirect(f"{reverse(login_url)}?{query}")
