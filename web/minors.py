"""Minors on the conversation page: the banner of a held or under-15 contact,
the contact panel's age control, and the form that records a parental
authorisation. Writes go through privacy.minors.services, as in the API."""

from django import forms
from django.contrib import messages as flash
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from conversations import selectors
from conversations.models import AgeStatus
from instaply.errors import DomainError, Invalid
from privacy.dsr.selectors import dsr_open_erasure
from privacy.minors import rules, services
from tenants.permissions import Capability
from web.labels import domain_error_message
from web.tenancy import member_required

WRITE = Capability.CONVERSATIONS_WRITE
# What the panel's age control offers; a recorded authorisation comes from its form.
CHOICES = (
    AgeStatus.UNKNOWN,
    AgeStatus.ADULT,
    AgeStatus.MINOR_UNAUTHORISED,
    AgeStatus.UNDER_15,
)


class AuthorisationForm(forms.Form):
    given_by = forms.CharField(
        label=gettext_lazy("Who gave it"),
        max_length=services.GIVEN_BY_MAX,
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy(
                    "The parent or guardian, e.g. “Her mother, Anne Martin”."
                )
            }
        ),
    )
    given_on = forms.DateField(
        label=gettext_lazy("When"), widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=list(services.METHODS.items()))
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), max_length=services.NOTE_MAX, required=False
    )


def page_context(request, contact) -> dict:
    """What the conversation page shows about the contact's age."""
    refusal = rules.send_refusal(contact)
    erasure = None
    if contact.age_status == AgeStatus.UNDER_15:
        erasure = dsr_open_erasure(contact=contact)
    choices = list(CHOICES)
    if contact.age_status not in choices:
        choices.insert(3, contact.age_status)
    return {
        "age_refusal": refusal.message if refusal else "",
        "child_erasure": erasure,
        "age_choices": [(code, rules.age_status_label(code)) for code in choices],
        "authorisation_form": AuthorisationForm(
            initial={"given_on": timezone.localdate(), "method": "in_person"},
            auto_id="authorisation-%s",
        ),
        "can_privacy": request.membership.can(Capability.PRIVACY_REQUESTS),
        "age_ages": rules.ages(),
    }


def _back(request, conversation_id, *, error: DomainError | None = None, success: str = ""):
    if error is not None:
        flash.error(request, domain_error_message(error))
    elif success:
        flash.success(request, success)
    return redirect(reverse("web:conversation", args=[conversation_id]))


def _contact(request, conversation_id):
    return selectors.conversation_get(tenant=request.tenant, id=conversation_id).contact


@require_POST
@member_required(WRITE)
def age(request, conversation_id):
    contact = _contact(request, conversation_id)
    try:
        contact = services.contact_age_set(
            contact=contact,
            age_status=request.POST.get("age_status", ""),
            membership=request.membership,
            request=request,
        )
    except DomainError as error:
        return _back(request, conversation_id, error=error)
    if contact.age_status == AgeStatus.UNDER_15:
        done = _("Marked under %(child)s: messages are blocked and an erasure request is open.")
        return _back(request, conversation_id, success=done % rules.ages())
    return _back(request, conversation_id, success=_("Age saved."))


@require_POST
@member_required(WRITE)
def authorisation(request, conversation_id):
    contact = _contact(request, conversation_id)
    form = AuthorisationForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _back(request, conversation_id, error=Invalid(first))
    data = form.cleaned_data
    try:
        services.parental_authorisation_record(
            contact=contact,
            membership=request.membership,
            given_by=data["given_by"],
            given_on=data["given_on"],
            method=data["method"],
            note=data["note"],
            request=request,
        )
    except DomainError as error:
        return _back(request, conversation_id, error=error)
    return _back(
        request,
        conversation_id,
        success=_("Parental authorisation recorded: replies can be sent."),
    )


@require_POST
@member_required(WRITE)
def authorisation_withdraw(request, conversation_id):
    contact = _contact(request, conversation_id)
    try:
        services.parental_authorisation_withdraw(
            contact=contact,
            membership=request.membership,
            note=request.POST.get("note", ""),
            request=request,
        )
    except DomainError as error:
        return _back(request, conversation_id, error=error)
    return _back(
        request,
        conversation_id,
        success=_("Parental authorisation withdrawn: replies are blocked again."),
    )
