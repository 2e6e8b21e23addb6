"""Pages for signed-in staff."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from instaply.errors import DomainError
from instaply.ratelimit import by_ip, rate_limit
from tenants.access import active_memberships, choose_tenant
from tenants.permissions import Capability
from tenants.services.members import invitation_accept
from web import demo, inbox
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


# The pages of the workspace, by the capability each needs; the home page links
# only those the member can open (web/tests/test_home_page.py follows them all).
PAGES = (
    (Capability.CONVERSATIONS_READ, "web:inbox", _lazy("Inbox")),
    (Capability.STAFF_MANAGE, "web:members", _lazy("Members")),
    (Capability.CHANNELS_MANAGE, "web:shops", _lazy("Shops")),
    (Capability.CHANNELS_MANAGE, "web:numbers", _lazy("Phone numbers")),
    (Capability.CHANNELS_MANAGE, "web:widgets", _lazy("Chat widget")),
    (Capability.STAFF_MANAGE, "web:security", _lazy("Security")),
    (Capability.SELF, "web:account", _lazy("Your account")),
    (Capability.SELF, "web:tokens", _lazy("Your API tokens")),
)

# What a role may do that has no page yet, with the API call that does it:
# (capability, unless the member also has this one (it has a page then), what, call).
API_ONLY = (
    (
        Capability.MEMBERS_READ,
        Capability.STAFF_MANAGE,
        _lazy("List the workspace's members"),
        "GET /api/v1/members",
    ),
    (Capability.AUDIT_EXPORT, None, _lazy("Export the audit records"), "GET /api/v1/audit/events"),
)


@member_required(Capability.SELF)
def _workspace(request):
    membership = request.membership
    if membership.can(Capability.CONVERSATIONS_READ):
        return inbox.inbox(request)
    return render(
        request,
        "web/home.html",
        {
            "pages": [(reverse(url), title) for need, url, title in PAGES if membership.can(need)],
            "api_only": [
                (what, call)
                for need, unless, what, call in API_ONLY
                if membership.can(need) and not (unless and membership.can(unless))
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
