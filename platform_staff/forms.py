"""The support person's access request form.

The form checks the shape of what was typed (and says so in the reader's
language); the service checks it again and decides whether the conversations
belong to the tenant, so a form error and a service error look the same.
"""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from platform_staff.models import MAX_GRANT_HOURS, AccessGrant
from platform_staff.services.grants import (
    CASE_REFERENCE_MAX,
    JUSTIFICATION_MAX,
    MAX_CONVERSATIONS,
)
from tenants.models import Tenant

DEFAULT_HOURS = 4
# An id on its own or inside an inbox link (/c/<uuid>/): any UUID in the text.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SEPARATORS = re.compile(r"[\s,;]+")


def conversation_ids_in(text: str) -> tuple[list[uuid.UUID], list[str]]:
    """The UUIDs in ``text`` (ids or inbox links), in order, once each; and the
    pieces that hold none (typos the person should see)."""
    found, junk = [], []
    for piece in filter(None, _SEPARATORS.split(text or "")):
        ids = _UUID.findall(piece)
        if ids:
            found += [uuid.UUID(i) for i in ids]
        else:
            junk.append(piece)
    return list(dict.fromkeys(found)), junk


class TenantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, tenant):
        return f"{tenant.name} ({tenant.slug})"


class GrantRequestForm(forms.Form):
    tenant = TenantChoiceField(
        label=_("Workspace"),
        queryset=Tenant.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("Choose a workspace"),
        error_messages={"invalid_choice": _("Choose a workspace from the list.")},
    )
    scope = forms.ChoiceField(
        label=pgettext_lazy("console", "Scope"),
        choices=[
            (AccessGrant.Scope.CONVERSATIONS, pgettext_lazy("console", "Listed conversations")),
            (AccessGrant.Scope.TENANT, pgettext_lazy("console", "Whole workspace")),
        ],
        initial=AccessGrant.Scope.CONVERSATIONS,
        widget=forms.RadioSelect,
    )
    conversations = forms.CharField(
        label=_("Conversations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Conversation ids or inbox links (…/c/<id>/), one per line."),
    )
    reason_code = forms.ChoiceField(
        label=pgettext_lazy("console", "Reason"),
        choices=[
            (
                AccessGrant.Reason.CUSTOMER_SUPPORT_CASE,
                pgettext_lazy("console", "Customer support case"),
            ),
            (AccessGrant.Reason.INCIDENT_RESPONSE, pgettext_lazy("console", "Incident response")),
            (AccessGrant.Reason.LEGAL_OBLIGATION, pgettext_lazy("console", "Legal obligation")),
        ],
    )
    case_reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=CASE_REFERENCE_MAX,
        help_text=_("Required for a customer support case."),
    )
    justification = forms.CharField(
        label=pgettext_lazy("console", "Justification"),
        max_length=JUSTIFICATION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The workspace's owners and admins read this before they decide."),
    )
    hours = forms.IntegerField(
        label=_("Duration (hours)"),
        min_value=1,
        max_value=MAX_GRANT_HOURS,
        initial=DEFAULT_HOURS,
        help_text=_("At most 72 hours. The workspace may approve fewer."),
    )

    def clean_conversations(self):
        ids, junk = conversation_ids_in(self.cleaned_data.get("conversations", ""))
        if junk:
            raise forms.ValidationError(
                _("Not a conversation id or link: %(pieces)s"),
                params={"pieces": ", ".join(junk[:5])},
            )
        if len(ids) > MAX_CONVERSATIONS:
            raise forms.ValidationError(
                _("List at most %(n)s conversations."), params={"n": MAX_CONVERSATIONS}
            )
        return ids

    def clean(self):
        data = super().clean()
        if (
            data.get("reason_code") == AccessGrant.Reason.CUSTOMER_SUPPORT_CASE
            and not (data.get("case_reference") or "").strip()
        ):
            self.add_error("case_reference", _("A customer support case needs its case reference."))
        listed = data.get("conversations")
        if (
            data.get("scope") == AccessGrant.Scope.CONVERSATIONS
            and not listed
            and "conversations" not in self.errors
        ):
            self.add_error("conversations", _("List the conversations you need."))
        if data.get("scope") == AccessGrant.Scope.TENANT and data.get("conversations"):
            self.add_error(
                "conversations",
                _("A whole-workspace request lists no conversations; choose one or the other."),
            )
        return data
