"""Settings for owners and admins: members and invitations, tenant security, alerts."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import selectors as audit_selectors
from audit.alerts import alert_acknowledge
from instaply.errors import DomainError
from tenants import selectors
from tenants.permissions import ROLES_MANAGED_BY, Capability
from tenants.services import members as member_services
from tenants.services.security import tenant_security_update
from web import labels
from web.forms import InviteForm
from web.tenancy import member_required

MANAGE = Capability.STAFF_MANAGE


@member_required(Capability.SELF)
def settings_home(request):
    """The first settings page the person's role may see."""
    if request.membership.can(MANAGE):
        return redirect("web:members")
    if request.membership.can(Capability.CHANNELS_MANAGE):
        return redirect("web:shops")
    return redirect("web:tokens")


def _role_choices(membership) -> list[tuple[str, str]]:
    allowed = ROLES_MANAGED_BY.get(membership.role, frozenset())
    return [(code, str(name)) for code, name in labels.ROLES.items() if code in allowed]


@member_required(MANAGE)
def members(request):
    roles = _role_choices(request.membership)
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            member_services.invitation_create(actor=request.membership, **form.cleaned_data)
        except DomainError as error:
            if error.code == "already_invited":
                form.add_error(
                    "email",
                    _(
                        "An invitation to this address is already waiting for an answer. "
                        "Use “Resend” below to email a new link."
                    ),
                )
            else:
                form.add_error(None, labels.domain_error_message(error))
        else:
            messages.success(
                request,
                _("Invitation for %(email)s created; its email is on its way (see below).")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("web:members")
    people = list(selectors.membership_list(tenant=request.tenant))
    # 2FA state of everyone in one query (people see whether a colleague set it up).
    with_2fa = set(
        TOTPDevice.objects.filter(user__in=[m.user_id for m in people], confirmed=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    managed = {code for code, _ in roles}
    return render(
        request,
        "web/settings/members.html",
        {
            "form": form,
            "people": [
                {
                    "membership": m,
                    "two_factor": m.user_id in with_2fa,
                    "manageable": m.is_active
                    and m.role in managed
                    and m.pk != request.membership.pk,
                }
                for m in people
            ],
            "invitations": [
                {
                    "invitation": invitation,
                    "delivery": invitation.delivery,
                    "failure": delivery_failure_text(invitation.delivery.failure_code)
                    if invitation.delivery and invitation.delivery.failure_code
                    else "",
                }
                for invitation in selectors.invitation_list(tenant=request.tenant)[:100]
            ],
            "roles": roles,
            "section": "settings",
            "tab": "members",
        },
    )


def _act_and_report(request, act, success: str) -> HttpResponse:
    """Runs one admin action from the members page; a refusal is shown, not raised."""
    try:
        act()
    except DomainError as error:
        messages.error(request, labels.domain_error_message(error))
    else:
        messages.success(request, success)
    return redirect("web:members")


def _member_action(request, member_id, action, done: str, **words):
    member = selectors.membership_get(tenant=request.tenant, id=member_id)
    name = member.user.get_full_name()
    return _act_and_report(request, lambda: action(member), done % {"name": name, **words})


@require_POST
@member_required(MANAGE)
def member_role(request, member_id):
    role = request.POST.get("role", "")
    return _member_action(
        request,
        member_id,
        lambda member: member_services.membership_change_role(
            actor=request.membership, membership=member, role=role
        ),
        _("%(name)s now has the role %(role)s."),
        role=labels.label(labels.ROLES, role),
    )


@require_POST
@member_required(MANAGE)
def member_revoke(request, member_id):
    return _member_action(
        request,
        member_id,
        lambda member: member_services.membership_revoke(
            actor=request.membership, membership=member
        ),
        _("%(name)s no longer has access. Their sessions and tokens stopped working."),
    )


def _invitation_action(request, invitation_id, act, success: str) -> HttpResponse:
    invitation = selectors.invitation_get(tenant=request.tenant, id=invitation_id)
    return _act_and_report(request, lambda: act(invitation), success % {"email": invitation.email})


@require_POST
@member_required(MANAGE)
def invitation_revoke(request, invitation_id):
    return _invitation_action(
        request,
        invitation_id,
        lambda invitation: member_services.invitation_revoke(
            actor=request.membership, invitation=invitation
        ),
        _("Invitation withdrawn."),
    )


@require_POST
@member_required(MANAGE)
def invitation_resend(request, invitation_id):
    return _invitation_action(
        request,
        invitation_id,
        lambda invitation: member_services.invitation_resend(
            actor=request.membership, invitation=invitation
        ),
        _("A new invitation link is on its way to %(email)s; the previous one stops working."),
    )


# Why an invitation's email failed, as the members page says it (codes of
# tenants.services.invitation_delivery; SMTP answers show their number).
DELIVERY_FAILURES = {
    "recipient_refused": _lazy("The mail server refused this address."),
    "mail_unreachable": _lazy("The mail server could not be reached, even after several tries."),
    "not_usable": _lazy("The invitation was accepted, withdrawn or expired before it left."),
    "not_sent": _lazy("It was never sent."),
}


def delivery_failure_text(code: str) -> str:
    if code in DELIVERY_FAILURES:
        return str(DELIVERY_FAILURES[code])
    return _("The mail server refused the email (code %(code)s).") % {
        "code": code.removeprefix("smtp_")
    }


@member_required(MANAGE)
def security(request):
    if request.method == "POST":
        required = request.POST.get("require_2fa_for_all") == "on"
        tenant_security_update(actor=request.membership, require_2fa_for_all=required)
        messages.success(
            request,
            _("Every member must now use two-step verification.")
            if required
            else _("Two-step verification is required for owners, admins and privacy officers."),
        )
        return redirect("web:security")
    show_all = request.GET.get("alerts") == "all"
    alerts = audit_selectors.security_alert_list(tenant=request.tenant, open_only=not show_all)
    return render(
        request,
        "web/settings/security.html",
        {
            "alerts": alerts[:100],
            "show_all": show_all,
            "section": "settings",
            "tab": "security",
        },
    )


@require_POST
@member_required(MANAGE)
def alert_acknowledge_view(request, alert_id):
    alert = audit_selectors.security_alert_get(tenant=request.tenant, id=alert_id)
    alert_acknowledge(alert=alert, request=request)
    messages.success(request, _("Alert marked as handled."))
    return redirect("web:security")
