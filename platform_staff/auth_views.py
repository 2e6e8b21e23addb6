"""The console's sign-in: password, then always a second factor; and enrolment.

The same lockouts, pauses and rate limits as the tenants' sign-in (it is the
same view underneath), with two differences. A person who is not active
platform staff gets exactly the answer of a wrong password, counted and
audited as one, so the console confirms no account. And the session becomes a
console session (``PLATFORM_SESSION_KEY``, with a new session key) only once
the second factor has passed; a platform person without an authenticator sets
one up first.
"""

from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

from audit.recorder import Actor, record
from instaply.ratelimit import by_ip, by_user_or_ip, rate_limit
from platform_staff.console import PLATFORM_SESSION_KEY, is_platform_session, platform_staff_for
from platform_staff.enrolment import enrolment_tokens
from web import two_factor
from web.auth_views import SignInView
from web.forms import AuthenticatorConfirmForm, EmailAuthenticationForm, TwoFactorCodeForm

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/platform/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("platform:home")


def _to(name: str, next_url: str):
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


class ConsoleAuthenticationForm(EmailAuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if platform_staff_for(user) is None:
            # Counted by django-axes and audited as a failed sign-in, like a wrong password.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise self.get_invalid_login_error()


class ConsoleSignInView(SignInView):
    template_name = "platform_staff/login.html"
    authentication_form = ConsoleAuthenticationForm
    redirect_authenticated_user = False

    def dispatch(self, request, *args, **kwargs):
        # The lockout and pause answers (web.login_security) show this page, not the tenants'.
        request.sign_in_template = self.template_name
        if is_platform_session(request):
            return redirect(_next_url(request))
        if platform_staff_for(request.user) is not None:
            return _to("platform:two-factor", _next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return _next_url(self.request)

    def form_valid(self, form):
        auth_login(self.request, form.get_user())  # audited by web.auth_audit
        return _to("platform:two-factor", self.get_success_url())


def _signed_in_staff(request):
    """The platform person of a signed-in session; 404 for anyone else."""
    staff = platform_staff_for(request.user)
    if staff is None:
        raise Http404
    return staff


def console_session_start(request, staff, method: str) -> None:
    """The second factor passed: the session may open console pages, under a new key."""
    request.session[PLATFORM_SESSION_KEY] = True
    request.session.cycle_key()
    record(
        "platform.signed_in",
        request=request,
        actor=Actor.platform_staff(request.user),
        target=("platform_staff", staff.pk),
        metadata={
            "roles": sorted(staff.roles),
            "country": staff.country,
            "transfer": staff.transfer,
            "method": method,
        },
    )


@never_cache
@rate_limit("two_factor", key=by_user_or_ip)
def two_factor_step(request):
    if not request.user.is_authenticated:
        return redirect("platform:login")
    staff = _signed_in_staff(request)
    next_url = _next_url(request)
    if is_platform_session(request):
        return redirect(next_url)
    if request.user.is_verified():  # the factor passed in this session already
        console_session_start(request, staff, "session")
        return redirect(next_url)
    if not two_factor.has_authenticator(request.user):
        return _to("platform:two-factor-enrol", next_url)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.session_verify(request=request, code=form.given)
        if result.ok:
            console_session_start(request, staff, result.method)
            return redirect(next_url)
        form.add_error(None, result.refusal())
    return render(request, "platform_staff/two_factor.html", {"form": form, "next": next_url})


@never_cache
@rate_limit("two_factor", key=by_user_or_ip)
def two_factor_enrol(request):
    """Forced for a platform person without an authenticator; never optional."""
    if not request.user.is_authenticated:
        return redirect("platform:login")
    staff = _signed_in_staff(request)
    next_url = _next_url(request)
    if is_platform_session(request):
        return redirect(next_url)
    if two_factor.has_authenticator(request.user):
        return _to("platform:two-factor", next_url)
    device = two_factor.authenticator_pending(user=request.user)
    form = AuthenticatorConfirmForm(request.POST or None, replacing=False)
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.authenticator_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if confirmed.ok:
            console_session_start(request, staff, "enrol")
            # Shown once, in the answer to the POST that made them; never cached.
            response = render(
                request,
                "web/recovery_codes.html",
                {"codes": list(confirmed.recovery_codes), "next": next_url},
            )
            response["Cache-Control"] = "no-store"
            return response
        form.add_error("code", confirmed.refusal())
    return render(
        request,
        "platform_staff/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": two_factor.authenticator_qr_svg(device),
            "secret": two_factor.authenticator_secret(device),
        },
    )


@method_decorator(rate_limit("password_reset", key=by_ip), name="dispatch")
class EnrolView(PasswordResetConfirmView):
    """The one-time link of a new platform person: a password, then an authenticator.

    Django's view trades the token for a session entry and redirects to a page
    whose address holds no token; the token dies once the password is set.
    """

    template_name = "platform_staff/enrol.html"
    token_generator = enrolment_tokens
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("platform:two-factor-enrol")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and platform_staff_for(user) is not None else None

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            "platform.staff_enrolled",
            request=self.request,
            actor=Actor.platform_staff(form.user),
            target=("user", form.user.pk),
        )
        return response
