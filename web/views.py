"""Pages for signed-in staff."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from instaply.errors import DomainError
from instaply.ratelimit import by_ip, rate_limit
from tenants.access import active_memberships, choose_tenant
from tenants.permissions import ROLE_CAPABILITIES, Capability
from tenants.services.members import invitation_accept
from web import demo, inbox, labels
from web.forms import AcceptInvitationForm
from web.tenancy import member_required


def home(request):
    """A member's inbox, or the workspace page for roles without one. A visitor
    is sent to sign in, except on `make run` and `make dev` (development with
    DEMO_LANDING or DEBUG), where the demo's landing page welcomes them."""
    landing = settings.DEMO_LANDING or settings.DEBUG
    if not request.user.is_authenticated and demo.demo_enabled() and landing:
        return demo.landing(request)
    return _workspace(request)


@member_required(Capability.SELF)
def _workspace(request):
    if request.membership.can(Capability.CONVERSATIONS_READ):
        return inbox.inbox(request)
    return render(
        request,
        "web/home.html",
        {
            "capabilities": [
                labels.CAPABILITIES[c] for c in sorted(ROLE_CAPABILITIES[request.membership.role])
            ],
        },
    )


@require_POST
@member_required(Capability.SELF)
def switch_tenant(request):
    target = (
        active_memberships(request.user).filter(tenant__slug=request.POST.get("tenant")).first()
    )
    if target is None:
        messages.error(request, _("You are not a member of that workspace."))
    else:
        choose_tenant(request, target)
    return redirect("web:home")


# The invitation link's token is traded for a session entry and this address in
# its place (as Django's password-reset pages do), so the page with the form, its
# assets and its POST never carry the token in a URL or a Referer header.
INVITATION_URL_TOKEN = "join"
INVITATION_SESSION_KEY = "_invitation_token"


@rate_limit("invitation_accept", key=by_ip)
def accept_invitation(request, tenant_slug: str, token: str):
    if token != INVITATION_URL_TOKEN and request.method == "GET":
        request.session[INVITATION_SESSION_KEY] = {"tenant": tenant_slug, "token": token}
        return redirect(
            "web:accept-invitation", tenant_slug=tenant_slug, token=INVITATION_URL_TOKEN
        )
    if token == INVITATION_URL_TOKEN:
        stored = request.session.get(INVITATION_SESSION_KEY) or {}
        token = stored.get("token") if stored.get("tenant") == tenant_slug else None
    if token is None:
        return render(request, "web/accept_invitation.html", {"validlink": False})
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_accept(
                tenant_slug=tenant_slug,
                token=token,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            for field, problems in (exc.fields or {}).items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            choose_tenant(request, membership)
            return redirect("web:home")
    return render(request, "web/accept_invitation.html", {"form": form, "validlink": True})
