"""The signed-in person's own settings: name, language, time zone, API tokens."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from instaply.errors import DomainError
from instaply.ratelimit import by_user_or_ip, rate_limit
from tenants import selectors
from tenants.permissions import Capability
from tenants.services import tokens as token_services
from web.forms import PreferencesForm, TokenForm
from web.labels import domain_error_message
from web.preferences import UNCHOSEN_TIME_ZONE, valid_time_zone
from web.tenancy import member_required


@member_required(Capability.SELF)
def account(request):
    user = request.user
    initial = {
        "full_name": user.full_name,
        "language": user.language,
        "time_zone": "" if user.time_zone == UNCHOSEN_TIME_ZONE else user.time_zone,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        zone = data["time_zone"]
        user.full_name = data["full_name"].strip()
        user.language = data["language"]
        # Etc/UTC is UTC chosen on purpose; "UTC" means "use this device's zone".
        user.time_zone = zone if valid_time_zone(zone) else UNCHOSEN_TIME_ZONE
        user.save(update_fields=["full_name", "language", "time_zone"])
        messages.success(request, _("Your preferences are saved."))
        response = redirect("web:account")
        if user.language:
            response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    return render(request, "web/account.html", {"form": form, "section": "account"})


@require_POST
def language(request):
    """The language picker of every page: a cookie for everyone, and the
    person's own setting when signed in."""
    response = set_language(request)
    chosen = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and chosen in dict(PreferencesForm().fields["language"].choices):
        user.language = chosen
        user.save(update_fields=["language"])
    return response


def _token_scope(request):
    """Owners and admins see (and may revoke) every token of the tenant."""
    return None if request.membership.can(Capability.STAFF_MANAGE) else request.membership


@rate_limit("token_create", key=by_user_or_ip)
@member_required(Capability.SELF)
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, raw = token_services.api_token_create(
            membership=request.membership, name=form.cleaned_data["name"]
        )
        created = {"token": token, "raw": raw}
        form = TokenForm()
    rows = selectors.api_token_list(tenant=request.tenant, membership=_token_scope(request))
    return render(
        request,
        "web/settings/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": rows.filter(revoked_at__isnull=True)[:100],
            "all_members": _token_scope(request) is None,
            "section": "settings" if request.membership.can(Capability.STAFF_MANAGE) else "account",
            "tab": "tokens",
        },
    )


@require_POST
@member_required(Capability.SELF)
def token_revoke(request, token_id):
    token = selectors.api_token_get(
        tenant=request.tenant, id=token_id, membership=_token_scope(request)
    )
    try:
        token_services.api_token_revoke(actor=request.membership, token=token)
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, _("Token revoked: it no longer works."))
    return redirect("web:tokens")
