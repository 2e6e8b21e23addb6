"""What django-axes needs from us: who an attempt is for, and what a lockout looks like.

Axes counts failures per account and per client IP (``AXES_LOCKOUT_PARAMETERS``).
The account is recorded as a keyed hash of the normalised email, never the
email itself: what people type into a login box includes typos of other
people's addresses and, now and then, a password.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from web.forms import EmailAuthenticationForm


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


def account_hash(email: str | None) -> str:
    """HMAC-SHA256 of the normalised email, keyed from SECRET_KEY (stable per deployment)."""
    return salted_hmac(
        "instaply.account_hash", normalise_email(email), algorithm="sha256"
    ).hexdigest()


def axes_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account an attempt targets, as its hash."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field):
        typed = credentials[field]
    else:
        typed = getattr(request, "POST", {}).get(field)
    return account_hash(typed) if typed else None


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying plainly what happened."""
    minutes = lockout_minutes()
    form = EmailAuthenticationForm(request)
    response = render(
        request,
        "web/login.html",
        {
            "form": form,
            "lockout_message": _(
                "Too many failed sign-in attempts for this account or from this network. "
                "Sign-in is paused for %(minutes)s minutes; try again later."
            )
            % {"minutes": minutes},
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
