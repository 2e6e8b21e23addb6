"""Every change of a contact's age status, and the parental authorisation of a
15-17-year-old (docs/privacy.md#minors).

* ``contact_age_set`` is the one path of an age change, from staff (contact
  edits, the API, the contact panel) or from the widget's age gate. Marking a
  contact under 15 blocks every message to them at once (the send path asks
  ``rules.send_refusal``) and, in the same transaction, files an erasure
  request (reason ``child_under_15``) through the data-subject request
  machinery.
* A 15-17-year-old without a recorded authorisation is held: nothing is sent
  to them until staff record who authorised, when and how
  (``parental_authorisation_record``), which goes into the consent ledger.

Each change is audited as ``contact.age_changed`` (codes and ids only).
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from audit import actions
from audit.recorder import Actor, record
from conversations.models import AgeStatus, Contact
from conversations.services.contacts import contact_set_age_status
from instaply.errors import Conflict, Forbidden, Invalid
from privacy import deadlines
from privacy.consent.models import ConsentEntry, Purpose
from privacy.consent.services import consent_record
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.selectors import dsr_open_erasure
from privacy.dsr.services import dsr_cancel, dsr_file_by_platform
from privacy.minors import rules
from tenants.models import Membership
from tenants.permissions import Capability, denial_message
from tenants.scoping import require_same_tenant

STAFF, WIDGET = "staff", "widget"
SYSTEM_SOURCE = "minors"

# How a parent or guardian gave the authorisation.
METHODS = {
    "in_person": gettext_lazy("In person"),
    "phone": gettext_lazy("By phone"),
    "written": gettext_lazy("In writing (letter, form, email)"),
    "other": gettext_lazy("Another way (say how in the note)"),
}
GIVEN_BY_MAX = 150
NOTE_MAX = 500
WIDGET_GIVEN_BY = "declared by the visitor"

# The tenant reads it on the paused request (web pages translate it: keep it
# word for word). An email typed in the chat proves nothing about who typed it.
WIDGET_CONFIRM = gettext_noop(
    "A visitor of the website chat declared being under the minimum age and gave the email "
    "address of this contact. Answer this request to confirm the erasure, or cancel it if "
    "the declaration was not theirs."
)


def _writer(membership: Membership, contact: Contact) -> None:
    require_same_tenant(membership, contact)
    if not membership.can(Capability.CONVERSATIONS_WRITE):
        raise Forbidden(denial_message(membership.role, Capability.CONVERSATIONS_WRITE))


def _locked(contact: Contact) -> Contact:
    locked = (
        Contact.objects.for_tenant(contact.tenant_id)
        .select_for_update()
        .filter(pk=contact.pk)
        .first()
    )
    if locked is None or locked.erased_at is not None:
        raise Conflict("This contact is being erased or was erased.", code="erased")
    return locked


@transaction.atomic
def contact_age_set(
    *,
    contact: Contact,
    age_status: str | None = None,
    age: int | None = None,
    membership: Membership | None = None,
    source: str = STAFF,
    request=None,
    now: dt.datetime | None = None,
) -> Contact:
    """Sets a contact's age status (or derives it from ``age`` in years, with
    the settings' thresholds); returns the contact as now stored.

    ``membership``: the staff member (who may write conversations), or None
    with ``source="widget"`` for the widget's age gate. Setting the status it
    already has changes nothing, except that a contact under 15 with no open
    erasure request (the last one was rejected or cancelled) gets a new one.
    Withdrawing an under-15 mark cancels the erasure request it opened: only a
    member who handles privacy requests may (an owner), and not once the
    erasure has started.
    """
    if membership is not None:
        _writer(membership, contact)
        source = STAFF
    elif source != WIDGET:
        raise ValueError("a staff change names the member who made it")
    now = now or timezone.now()
    contact = _locked(contact)
    previous = contact.age_status
    age_status = _wanted(age_status, age, previous)
    if previous == AgeStatus.UNDER_15 and age_status != AgeStatus.UNDER_15:
        _withdraw_child_mark(contact, membership, request, now)
    if previous == AgeStatus.MINOR_AUTHORISED and age_status == AgeStatus.MINOR_UNAUTHORISED:
        _ledger_withdrawal(contact, membership, "", request, now)
    contact_set_age_status(contact=contact, age_status=age_status)
    filed = None
    if age_status == AgeStatus.UNDER_15 and (
        previous != AgeStatus.UNDER_15 or dsr_open_erasure(contact=contact) is None
    ):
        filed = _file_erasure(contact, source, request, now)
    if previous != age_status or filed is not None:
        _audit(contact, membership, source, previous, request, filed=filed)
    return contact


def _wanted(age_status, age, current: str) -> str:
    if (age_status is None) == (age is None):
        raise Invalid(
            "Give either the age status or the age in years.",
            fields={"age_status": ["Give this or age."], "age": ["Give this or age_status."]},
        )
    if age is not None:
        if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
            raise Invalid("Give the age in whole years.", fields={"age": ["0 to 130."]})
        return rules.status_for_age(age, current)
    if age_status not in AgeStatus.values:
        raise Invalid(
            "Unknown age status.", fields={"age_status": [f"One of {', '.join(AgeStatus.values)}."]}
        )
    if age_status == AgeStatus.MINOR_AUTHORISED and current != AgeStatus.MINOR_AUTHORISED:
        raise Invalid(
            "Record the parental authorisation (who gave it, when and how) to lift the hold.",
            fields={"age_status": ["Record the parental authorisation instead."]},
            code="parental_authorisation_details_required",
        )
    return age_status


def _file_erasure(contact, source, request, now) -> DataSubjectRequest:
    """The child's erasure request, and the notice to the tenant's privacy people."""
    from tenants.services.notices import notice_post

    dsr = dsr_file_by_platform(
        contact=contact,
        request_type=DataSubjectRequest.Type.ERASURE,
        reason=rules.CHILD_REASON,
        source=SYSTEM_SOURCE,
        wait_on_tenant=WIDGET_CONFIRM if source == WIDGET else "",
        request=request,
        now=now,
    )
    worked = dsr.duplicate_of or dsr
    notice_post(
        tenant=contact.tenant,
        capability=Capability.PRIVACY_REQUESTS,
        kind="minors.child_marked",
        link=reverse("web:privacy-request", args=[worked.pk]),
        params={"request": str(worked.pk), "source": source, "waiting": worked.paused},
    )
    return dsr


def _withdraw_child_mark(contact, membership, request, now) -> None:
    """Cancels the erasure requests the mark opened (the tenant's own stay)."""
    if membership is None:
        raise Conflict("The chat cannot withdraw an under-15 mark.", code="minor_under_15")
    if not membership.can(Capability.PRIVACY_REQUESTS):
        raise Forbidden(
            "Only a member who handles privacy requests (an owner) can withdraw an "
            "under-15 mark: it cancels the erasure request the mark opened.",
            code="minor_mark_withdrawal_forbidden",
        )
    opened = DataSubjectRequest.objects.for_tenant(contact.tenant_id).filter(
        contact=contact,
        reason=rules.CHILD_REASON,
        state__in=DataSubjectRequest.OPEN_STATES,
    )
    for dsr in opened:
        if dsr.state == DataSubjectRequest.State.IN_PROGRESS:
            raise Conflict(
                "The erasure of this contact's data has started: the under-15 mark stays.",
                code="erasure_started",
            )
        dsr_cancel(membership=membership, dsr=dsr, request=request, now=now)


def _ledger_withdrawal(contact, membership, note, request, now) -> ConsentEntry:
    return consent_record(
        contact=contact,
        purpose=Purpose.PARENTAL_AUTHORISATION,
        action=ConsentEntry.Action.WITHDRAWN,
        channel=ConsentEntry.Channel.STAFF,
        recorded_by=membership,
        details={"note": note} if note else None,
        request=request,
        now=now,
    )


def _audit(contact, membership, source, previous, request, *, filed=None, entry=None) -> None:
    metadata = {"from": previous, "to": contact.age_status, "source": source}
    if filed is not None:
        metadata["request_id"] = str(filed.pk)
    if entry is not None:
        metadata["entry_id"] = str(entry.pk)
    record(
        actions.CONTACT_AGE_CHANGED,
        tenant=contact.tenant_id,
        actor=Actor.member(membership) if membership else Actor.system(f"minors_{source}"),
        request=request,
        target=("contact", contact.pk),
        metadata=metadata,
    )


# -- Parental authorisation ----------------------------------------------------------


def _clean_authorisation(given_by, given_on, method, note, now) -> tuple[str, dt.date, str, str]:
    given_by, note = (given_by or "").strip(), (note or "").strip()
    if not given_by:
        raise Invalid(
            "Say who gave the authorisation (a parent or guardian).",
            fields={"given_by": ["Required."]},
        )
    if len(given_by) > GIVEN_BY_MAX:
        raise Invalid(
            f"Keep who gave it under {GIVEN_BY_MAX} characters.", fields={"given_by": ["Too long."]}
        )
    if not isinstance(given_on, dt.date) or isinstance(given_on, dt.datetime):
        raise Invalid("Give the date it was given.", fields={"given_on": ["Required."]})
    if given_on > now.astimezone(deadlines.platform_calendar().zone).date():
        raise Invalid(
            "The date it was given cannot be in the future.",
            fields={"given_on": ["In the future."]},
        )
    if method not in METHODS:
        raise Invalid("Say how it was given.", fields={"method": [f"One of {', '.join(METHODS)}."]})
    if len(note) > NOTE_MAX:
        raise Invalid(f"Keep the note under {NOTE_MAX} characters.", fields={"note": ["Too long."]})
    return given_by, given_on, method, note


@transaction.atomic
def parental_authorisation_record(
    *,
    contact: Contact,
    membership: Membership,
    given_by: str,
    given_on: dt.date,
    method: str,
    note: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> ConsentEntry:
    """Staff record a parent's or guardian's authorisation of a 15-17-year-old:
    a GIVEN entry in the consent ledger (channel staff; who, when, how and the
    note encrypted under the contact), and the contact is no longer held."""
    _writer(membership, contact)
    now = now or timezone.now()
    given_by, given_on, method, note = _clean_authorisation(given_by, given_on, method, note, now)
    contact = _locked(contact)
    if contact.age_status == AgeStatus.UNDER_15:
        raise Conflict(
            "This contact was marked under the minimum age: a parental authorisation does not "
            "apply, their data is being erased.",
            code=rules.UNDER_15,
        )
    entry = consent_record(
        contact=contact,
        purpose=Purpose.PARENTAL_AUTHORISATION,
        action=ConsentEntry.Action.GIVEN,
        channel=ConsentEntry.Channel.STAFF,
        recorded_by=membership,
        details={
            "given_by": given_by,
            "given_on": given_on.isoformat(),
            "method": method,
            "note": note,
        },
        request=request,
        now=now,
    )
    previous = contact_set_age_status(contact=contact, age_status=AgeStatus.MINOR_AUTHORISED)
    _audit(contact, membership, STAFF, previous, request, entry=entry)
    return entry


@transaction.atomic
def parental_authorisation_withdraw(
    *,
    contact: Contact,
    membership: Membership,
    note: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> Contact:
    """Staff record that the authorisation was withdrawn: the contact is held again."""
    _writer(membership, contact)
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"Keep the note under {NOTE_MAX} characters.", fields={"note": ["Too long."]})
    contact = _locked(contact)
    if contact.age_status != AgeStatus.MINOR_AUTHORISED:
        raise Conflict(
            "No parental authorisation is recorded for this contact.", code="not_authorised"
        )
    entry = _ledger_withdrawal(contact, membership, note, request, now)
    previous = contact_set_age_status(contact=contact, age_status=AgeStatus.MINOR_UNAUTHORISED)
    _audit(contact, membership, STAFF, previous, request, entry=entry)
    return contact


# -- The widget's age gate -------------------------------------------------------------


def widget_child_declared(*, tenant_id, email: str, now=None) -> Contact | None:
    """A visitor answered "under 15": if their email names a contact of the
    tenant, that contact is marked (messages blocked, erasure request filed,
    paused until the tenant confirms). Nothing is stored otherwise. Commits
    on its own: the visitor is refused right after."""
    from conversations.services.contacts import contact_find

    if not email:
        return None
    try:
        contact = contact_find(tenant_id=tenant_id, kind="email", value=email)
    except Invalid:
        return None
    if contact is None or contact.erased_at is not None:
        return None
    return contact_age_set(contact=contact, age_status=AgeStatus.UNDER_15, source=WIDGET, now=now)


def widget_age_declared(*, contact: Contact, age_status: str, created: bool, now=None) -> Contact:
    """After the age gate let a visitor in (``age_status``: adult, or held for
    15-17 with the checkbox ticked), on the chat's contact.

    A 15-17 declaration goes into the consent ledger (channel widget) but does
    not lift the hold: staff record the authorisation. A returning contact's
    status only moves towards more protection: an unknown one takes the
    answer, an adult one declaring 15-17 is held, and a held minor stays held
    whatever they answer. A contact under 15 is refused (nothing stored).
    """
    if contact.age_status == AgeStatus.UNDER_15:
        raise Forbidden(rules.widget_child_refusal(), code="age_refused")
    if age_status == AgeStatus.MINOR_UNAUTHORISED:
        consent_record(
            contact=contact,
            purpose=Purpose.PARENTAL_AUTHORISATION,
            action=ConsentEntry.Action.GIVEN,
            channel=ConsentEntry.Channel.WIDGET,
            text=rules.widget_age_texts()["authorisation"],
            details={"given_by": WIDGET_GIVEN_BY},
            now=now,
        )
    if created:
        return contact
    current = contact.age_status
    if age_status == AgeStatus.MINOR_UNAUTHORISED and current in (
        AgeStatus.UNKNOWN,
        AgeStatus.ADULT,
    ):
        return contact_age_set(contact=contact, age_status=age_status, source=WIDGET, now=now)
    if age_status == AgeStatus.ADULT and current == AgeStatus.UNKNOWN:
        return contact_age_set(contact=contact, age_status=age_status, source=WIDGET, now=now)
    return contact
