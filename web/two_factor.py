"""The second factor: a TOTP authenticator plus ten single-use recovery codes.

Devices are django-otp's (``TOTPDevice``, ``StaticDevice``), verified through
their proxies in ``web.models``; this module is the few business actions around
them, each writing its audit event. Wrong codes are throttled by django-otp per
device (exponential back-off from the second wrong code in a row: one typo costs
nothing) and the code step is rate-limited per person; a TOTP code is accepted
once only (``last_t``).
"""

import math
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.recorder import Actor, record
from web.models import Authenticator, RecoveryCodes

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | StaticDevice | None
    method: str = ""  # "totp" or "recovery_code"
    wait_seconds: int = 0  # > 0 when django-otp throttles this device
    checked: bool = True  # False when the back-off refused the code unread
    recovery_codes: tuple[str, ...] = ()  # made by a confirmed enrolment, shown once

    @property
    def ok(self) -> bool:
        return self.device is not None

    def refusal(self) -> str:
        if self.wait_seconds and self.checked:
            return ngettext(
                "This code is not valid. Wait %(seconds)s second before the next try.",
                "This code is not valid. Wait %(seconds)s seconds before the next try.",
                self.wait_seconds,
            ) % {"seconds": self.wait_seconds}
        if self.wait_seconds:
            return ngettext(
                "Too many wrong codes. Wait %(seconds)s second, then try again.",
                "Too many wrong codes. Wait %(seconds)s seconds, then try again.",
                self.wait_seconds,
            ) % {"seconds": self.wait_seconds}
        return _("This code is not valid. Codes work once; wait for the next one if needed.")


def normalise_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").lower()


def _is_totp_shaped(code: str) -> bool:
    # Our authenticators give 6 digits; recovery codes are 8 base32 characters.
    return code.isdigit() and len(code) == 6


def _user_target(user) -> tuple[str, object]:
    return ("user", user.pk)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def check_code(*, request, user, code: str, purpose: str) -> CodeCheck:
    """Verifies a code from the authenticator, else a recovery code (which it uses up).

    Failures are audited here; what a success unlocks is audited by the caller.
    """
    code = normalise_code(code)
    if _is_totp_shaped(code):
        devices, method = Authenticator.objects.devices_for_user(user, confirmed=True), "totp"
    else:
        devices, method = (
            RecoveryCodes.objects.devices_for_user(user, confirmed=True),
            "recovery_code",
        )
    wait, refused_unread, checked = 0, False, False
    for device in devices:
        # A device in django-otp's back-off refuses every code, right or wrong: say so.
        throttled_for = _throttle_wait(device)
        if throttled_for:
            wait, refused_unread = max(wait, throttled_for), True
            continue
        checked = True
        matched = verify_token(user, device.persistent_id, code) if code else None
        if matched is not None:
            if method == "recovery_code":
                record(
                    "auth.recovery_code.used",
                    request=request,
                    actor=Actor.user(user),
                    target=_user_target(user),
                    metadata={"purpose": purpose, "remaining": matched.token_set.count()},
                )
            return CodeCheck(device=matched, method=method)
        device.refresh_from_db()  # this wrong code may have started the back-off
        wait = max(wait, _throttle_wait(device))
    record(
        "auth.2fa.failed",
        outcome="failure",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
        metadata={"purpose": purpose, "method": method, "throttled": refused_unread},
    )
    return CodeCheck(device=None, method=method, wait_seconds=wait, checked=checked)


def _throttle_wait(device) -> int:
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    return max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))


def session_verify(*, request, code: str) -> CodeCheck:
    """The sign-in code step: on success the session becomes verified, with a new key."""
    user = request.user
    result = check_code(request=request, user=user, code=code, purpose="sign_in")
    if result.ok:
        otp_login(request, result.device)
        request.session.cycle_key()  # a new session key once the second factor is in
        record(
            "auth.2fa.succeeded",
            request=request,
            actor=Actor.user(user),
            target=_user_target(user),
            metadata={"method": result.method},
        )
    return result


def authenticator_pending(*, user) -> TOTPDevice:
    """The authenticator being set up. Until confirmed it keeps its secret, so a
    reload of the page does not invalidate the code already scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def authenticator_secret(device: TOTPDevice) -> str:
    """The base32 secret for manual entry, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def authenticator_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn on the server (no script)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, title=_("QR code to scan with your authenticator app")
    )


@transaction.atomic
def authenticator_confirm(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirms the pending authenticator with a first code; it replaces any previous
    one, the session becomes verified, and fresh recovery codes are returned (to show once)."""
    user = request.user
    device = Authenticator.objects.select_for_update().get(pk=device.pk, user=user)
    code = normalise_code(code)
    waiting = _throttle_wait(device)
    if waiting or not (_is_totp_shaped(code) and device.verify_token(code)):
        record(
            "auth.2fa.failed",
            outcome="failure",
            request=request,
            actor=Actor.user(user),
            target=_user_target(user),
            metadata={"purpose": "enrol", "method": "totp", "throttled": waiting > 0},
        )
        # verify_token() updated the device: this wrong code may have started the back-off.
        wait = waiting or _throttle_wait(device)
        return CodeCheck(device=None, method="totp", wait_seconds=wait, checked=not waiting)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _recovery_codes_replace(user)
    otp_login(request, device)
    request.session.cycle_key()
    record(
        "auth.2fa.enrolled",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
        metadata={"recovery_codes": len(codes)},
    )
    return CodeCheck(device=device, method="totp", recovery_codes=tuple(codes))


@transaction.atomic
def recovery_codes_regenerate(*, request, user) -> list[str]:
    codes = _recovery_codes_replace(user)
    record(
        "auth.2fa.recovery_codes_regenerated",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
        metadata={"recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def two_factor_disable(*, request, user) -> None:
    """Removes the authenticator and recovery codes. The caller checks that no
    membership requires a second factor."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.user.otp_device = None
    record(
        "auth.2fa.disabled",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
    )


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
