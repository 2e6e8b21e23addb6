"""Pages for signed-in staff."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from instaply.errors import DomainError
from tenants.access import active_memberships, choose_tenant
from tenants.permissions import ROLE_CAPABILITIES, Capability
from tenants.services.members import invitation_accept
from web.forms import AcceptInvitationForm, EmailAuthenticationForm
from web.tenancy import member_required


class SignInView(LoginView):
    template_name = "web/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # login() rotates the session key
        first = active_memberships(form.get_user()).first()
        if first is not None:
            choose_tenant(self.request, first)
        return response


@member_required(Capability.SELF)
def home(request):
    return render(
        request,
        "web/home.html",
        {
            "memberships": active_memberships(request.user),
            "capabilities": sorted(ROLE_CAPABILITIES[request.membership.role]),
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


def accept_invitation(request, tenant_slug: str, token: str):
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
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            choose_tenant(request, membership)
            return redirect("web:home")
    response = render(request, "web/accept_invitation.html", {"form": form})
    response["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response
