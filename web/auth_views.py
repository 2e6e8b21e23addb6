"""Signing in: password, then the second factor; and the person's own 2FA settings.

After the password, ``login()`` gives the session a new key, but the session acts
as nobody (``member_required``, ``TenantAPIView``) until the code step — or, for
someone who must use 2FA and has no authenticator, the set-up — is done, which
rotates the key once more.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from instaply.ratelimit import by_ip, by_user_or_ip, rate_limit
from platform_staff.console import platform_staff_for
from tenants.access import (
    TWO_FACTOR_ENROL,
    TWO_FACTOR_VERIFY,
    active_memberships,
    choose_tenant,
    two_factor_pending,
    two_factor_required,
)
from tenants.permissions import Capability
from web import login_security, two_factor
from web.forms import AuthenticatorConfirmForm, EmailAuthenticationForm, TwoFactorCodeForm
from web.tenancy import member_required

STEP_URLS = {TWO_FACTOR_VERIFY: "web:two-factor", TWO_FACTOR_ENROL: "web:two-factor-enrol"}


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _to_step(step: str, next_url: str):
    return redirect(f"{reverse(STEP_URLS[step])}?{urlencode({'next': next_url})}")


@method_decorator(rate_limit("login", key=by_ip), name="dispatch")
class SignInView(LoginView):
    template_name = "web/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Slowed-down accounts and spraying addresses wait before any password is
        # checked; django-axes' own lock (account and address) acts in authenticate().
        typed = request.POST.get("username")
        pause = login_security.sign_in_pause(request, typed)
        if pause is not None:
            return login_security.pause_response(request, pause, typed)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)  # login() rotates the session key
        if platform_staff_for(form.get_user()) is not None:
            # Platform staff have no workspace: their second step is the console's.
            query = urlencode({"next": reverse("platform:home")})
            return redirect(f"{reverse('platform:two-factor')}?{query}")
        first = active_memberships(form.get_user()).first()
        if first is not None:
            choose_tenant(self.request, first)
        pending = two_factor_pending(self.request)
        if pending:
            return _to_step(pending, self.get_success_url())
        return response


@never_cache
@rate_limit("two_factor", key=by_user_or_ip)
def two_factor_step(request):
    """The code step of sign-in, for a person who has an authenticator."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    next_url = _next_url(request)
    pending = two_factor_pending(request)
    if pending != TWO_FACTOR_VERIFY:
        return _to_step(pending, next_url) if pending else redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.session_verify(request=request, code=form.given)
        if result.ok:
            if result.method == "recovery_code":
                messages.warning(
                    request,
                    _("You used a recovery code. Make new ones in your security settings."),
                )
            return redirect(next_url)
        form.add_error(None, result.refusal())
    return render(request, "web/two_factor.html", {"form": form, "next": next_url})


@never_cache
@rate_limit("two_factor", key=by_user_or_ip)
def two_factor_enrol(request):
    """Sets up an authenticator: forced at sign-in when required, or by choice.

    Replacing an existing authenticator needs a code of the current one (or a
    recovery code), so a stolen password alone can never swap it.
    """
    if not request.user.is_authenticated:
        return redirect("web:login")
    next_url = _next_url(request)
    pending = two_factor_pending(request)
    if pending == TWO_FACTOR_VERIFY:
        return _to_step(pending, next_url)
    replacing = two_factor.has_authenticator(request.user)
    device = two_factor.authenticator_pending(user=request.user)
    form = AuthenticatorConfirmForm(request.POST or None, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        if replacing:
            current = two_factor.check_code(
                request=request,
                user=request.user,
                code=form.cleaned_data["current_code"],
                purpose="replace_authenticator",
            )
            if not current.ok:
                form.add_error("current_code", current.refusal())
        if not form.errors:
            confirmed = two_factor.authenticator_confirm(
                request=request, device=device, code=form.cleaned_data["code"]
            )
            if confirmed.ok:
                return _recovery_codes_page(request, list(confirmed.recovery_codes), next_url)
            form.add_error("code", confirmed.refusal())
    return render(
        request,
        "web/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "replacing": replacing,
            "forced": pending == TWO_FACTOR_ENROL,
            "qr_svg": two_factor.authenticator_qr_svg(device),
            "secret": two_factor.authenticator_secret(device),
        },
    )


def _recovery_codes_page(request, codes: list[str], next_url: str):
    # Shown once, in the answer to the POST that made them; never cached.
    response = render(request, "web/recovery_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@rate_limit("two_factor", key=by_user_or_ip)
@member_required(Capability.SELF)
def account_security(request):
    """The person's own 2FA: new recovery codes, a new authenticator, or turning it off.

    Each change asks for a fresh code, whatever the session has verified before.
    """
    user = request.user
    required = two_factor_required(user)
    enrolled = two_factor.has_authenticator(user)
    form = TwoFactorCodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and enrolled and form.is_valid():
        if action not in ("recovery_codes", "disable"):
            form.add_error(None, _("Choose what to change."))
        elif action == "disable" and required:
            form.add_error(None, _("Your role requires two-factor authentication."))
        else:
            check = two_factor.check_code(
                request=request, user=user, code=form.given, purpose=f"account_{action}"
            )
            if not check.ok:
                form.add_error(None, check.refusal())
            elif action == "recovery_codes":
                codes = two_factor.recovery_codes_regenerate(request=request, user=user)
                return _recovery_codes_page(request, codes, reverse("web:account-security"))
            elif action == "disable":
                two_factor.two_factor_disable(request=request, user=user)
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("web:account-security")
    return render(
        request,
        "web/account_security.html",
        {
            "form": form,
            "enrolled": enrolled,
            "required": required,
            "recovery_codes_left": two_factor.recovery_codes_left(user),
        },
    )
