"""Failed sign-ins: who is locked out, who is slowed down, and what they are told.

The policy (docs/security.md, "Failed sign-ins"), built so that one person's
typos never lock out their colleagues and an attacker elsewhere cannot keep a
person out for long:

1. **Account and address** (django-axes, ``AXES_LOCKOUT_PARAMETERS``):
   ``AXES_FAILURE_LIMIT`` failures for one account from one address lock that
   pair for ``AXES_COOLOFF_TIME``. Colleagues behind the same address, and the
   person elsewhere, still sign in.
2. **Account, from any address** (here): beyond ``AXES_FAILURE_LIMIT`` failures
   for an account within the cool-off, each attempt from an address the account
   has not signed in from waits 1 s after the latest failure, then 2, 4, 8...,
   never more than ``LOGIN_ACCOUNT_DELAY_MAX_SECONDS``. Attempts refused while
   waiting are not counted, and the person's usual addresses are never slowed.
3. **Password spraying** (here): failures for ``LOGIN_SPRAY_ACCOUNTS`` distinct
   accounts from one address within the cool-off pause every sign-in from that
   address until the cool-off has passed since its latest failure.

Failures are the rows django-axes keeps (``AccessAttempt``: per account, address
and user agent, with a count and the latest time); the usual addresses of an
account are remembered in the cache at each sign-in. The account is recorded as
a keyed hash of the normalised email, never the email itself: what people type
into a login box includes typos of other people's addresses and, now and then,
a password.
"""

import datetime as dt
import math
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models import Max, Q, Sum
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from audit.recorder import Actor, record
from instaply.client_ip import client_ip
from web.forms import EmailAuthenticationForm

USUAL_ADDRESS_DAYS = 90  # how long a sign-in makes an address "usual" for the account


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


# Usual addresses ---------------------------------------------------------------


def _usual_address_key(account: str, ip: str | None) -> str:
    digest = salted_hmac("instaply.usual_address", f"{account}|{ip}", algorithm="sha256")
    # Under the rate-limit prefix: the same kind of state, and tests give each its own.
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:usual-address:{digest.hexdigest()[:40]}"


@receiver(user_logged_in, dispatch_uid="instaply.login_security.usual_address")
def remember_address(sender, request, user, **kwargs):
    if request is not None and client_ip(request):
        key = _usual_address_key(account_hash(user.email), client_ip(request))
        cache.set(key, 1, timeout=USUAL_ADDRESS_DAYS * 86400)


def _is_usual_address(account: str, ip: str | None) -> bool:
    return bool(ip) and cache.get(_usual_address_key(account, ip)) is not None


# Pauses before the password is checked -----------------------------------------


@dataclass(frozen=True)
class Pause:
    seconds: int
    reason: str  # "account" (slowed down) or "address" (password spraying)

    def message(self) -> str:
        if self.reason == "address":
            return ngettext(
                "Too many failed sign-in attempts on different accounts from your network. "
                "Sign-in from it is paused for %(minutes)s minute.",
                "Too many failed sign-in attempts on different accounts from your network. "
                "Sign-in from it is paused for %(minutes)s minutes.",
                math.ceil(self.seconds / 60),
            ) % {"minutes": math.ceil(self.seconds / 60)}
        return ngettext(
            "Too many failed sign-in attempts for this account. "
            "Wait %(seconds)s second, then try again.",
            "Too many failed sign-in attempts for this account. "
            "Wait %(seconds)s seconds, then try again.",
            self.seconds,
        ) % {"seconds": self.seconds}


def account_delay(failures: int) -> int:
    """Seconds an account waits after its latest failure, when not at a usual address."""
    beyond = failures - settings.AXES_FAILURE_LIMIT
    if beyond < 0:
        return 0
    return min(2**beyond, settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS)


def sign_in_pause(request, typed_email: str | None) -> Pause | None:
    """Whether this sign-in attempt must wait, decided before any password is checked."""
    now = timezone.now()
    # The window django-axes counts in; its rows are failures only.
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    ip = client_ip(request)
    # Indexes: axes_accessattempt ip_address and username (db_index on both).
    from_address = recent.filter(ip_address=ip, username__isnull=False)
    if from_address.values("username").distinct().count() >= settings.LOGIN_SPRAY_ACCOUNTS:
        latest = from_address.aggregate(latest=Max("attempt_time"))["latest"]
        wait = _seconds_until(latest + settings.AXES_COOLOFF_TIME, now)
        if wait > 0:
            return Pause(wait, "address")
    if not typed_email:
        return None
    account = account_hash(typed_email)
    if _is_usual_address(account, ip):
        return None
    totals = recent.filter(username=account).aggregate(
        failures=Sum("failures_since_start"),
        here=Sum("failures_since_start", filter=Q(ip_address=ip)),
        latest=Max("attempt_time"),
    )
    if (totals["here"] or 0) >= settings.AXES_FAILURE_LIMIT:
        return None  # this account from this address is locked: django-axes answers
    delay = account_delay(totals["failures"] or 0)
    if delay:
        wait = _seconds_until(totals["latest"] + dt.timedelta(seconds=delay), now)
        if wait > 0:
            return Pause(wait, "account")
    return None


def _seconds_until(moment, now) -> int:
    return math.ceil((moment - now).total_seconds())


def pause_response(request, pause: Pause, typed_email: str | None):
    """The sign-in page again, saying why and for how long; audited as a failed sign-in."""
    from tenants.models import User

    user = User.objects.filter(email__iexact=normalise_email(typed_email)).first()
    record(
        "auth.login.failed",
        outcome="failure",
        request=request,
        actor=Actor.anonymous(),
        target=("user", user.pk) if user else None,
        metadata={
            "account_hash": account_hash(typed_email),
            "locked_out": True,
            "paused": pause.reason,
        },
    )
    return _refusal(request, pause.message(), pause.seconds)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the pair of this account and this address is locked."""
    minutes = lockout_minutes()
    message = ngettext(
        "Too many failed sign-in attempts for this account from your network. "
        "Sign-in to it from here is paused for %(minutes)s minute.",
        "Too many failed sign-in attempts for this account from your network. "
        "Sign-in to it from here is paused for %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    return _refusal(request, message, minutes * 60)


def _refusal(request, message: str, retry_after: int):
    # The console's sign-in (platform_staff.auth_views) names its own page.
    response = render(
        request,
        getattr(request, "sign_in_template", "web/login.html"),
        {"form": EmailAuthenticationForm(request), "lockout_message": message},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(retry_after)
    return response
