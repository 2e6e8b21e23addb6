"""Settings, Platform access: owners and admins decide what platform support may
read (approve as asked or narrower, deny, revoke), through the page."""

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from platform_staff.models import AccessGrant, AccessGrantConversation, PlatformStaff
from platform_staff.services.grants import access_approve, access_request
from tenants.models import Role
from tenants.tests.factories import UserFactory
from web.tests.conftest import start_conversation

pytestmark = pytest.mark.django_db

PAGE = "/settings/platform-access/"
Status = AccessGrant.Status


def support_person(country="US", name="Sam Support", email=None) -> PlatformStaff:
    user = UserFactory(full_name=name, **({"email": email} if email else {}))
    return PlatformStaff.objects.create(user=user, roles=["support"], country=country)


def ask(world, staff, *, conversations=(), hours=8, now=None) -> AccessGrant:
    return access_request(
        staff=staff,
        tenant=world.tenant,
        scope="conversations" if conversations else "tenant",
        reason_code="customer_support_case",
        case_reference="CASE-4711",
        justification="The customer says replies vanish from this thread.",
        hours=hours,
        conversation_ids=[c.pk for c in conversations],
        now=now,
    )


@pytest.fixture
def two_conversations(tenant_a, widget_a):
    return [
        start_conversation(tenant_a, widget_a, name="Ana", body="first"),
        start_conversation(tenant_a, widget_a, name="Bo", body="second"),
    ]


def _approved_ids(grant) -> set:
    return set(
        AccessGrantConversation.objects.for_tenant(grant.tenant)
        .filter(grant=grant, approved=True)
        .values_list("conversation_id", flat=True)
    )


def test_a_pending_request_shows_who_why_what_and_the_time_left(
    tenant_a, two_conversations, page_as
):
    staff = support_person(country="US", name="Sam Support", email="sam@platform.example")
    grant = ask(tenant_a, staff, conversations=two_conversations, hours=12)
    page = page_as(Role.ADMIN).get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    pending = html[html.index('id="pending"') : html.index('id="live"')]
    assert f'data-grant="{grant.pk}"' in pending
    for shown in (
        "Sam Support",
        "sam@platform.example",
        "Platform support",
        "US",
        "transfer (outside the EU)",
        "Customer support case",
        "CASE-4711",
        "replies vanish",
        "12 hours",
        "left to decide",
    ):
        assert shown in pending, shown
    for conversation in two_conversations:
        assert f'href="/c/{conversation.pk}/"' in pending
    assert 'id="pending-notice"' in html  # the notice while a request waits


def test_an_eu_based_person_is_no_transfer(tenant_a, two_conversations, page_as):
    ask(tenant_a, support_person(country="FR"), conversations=two_conversations)
    assert "data-transfer" not in page_as(Role.OWNER).get(PAGE).content.decode()


def test_approve_as_asked(tenant_a, two_conversations, page_as):
    grant = ask(tenant_a, support_person(), conversations=two_conversations, hours=8)
    admin = page_as(Role.ADMIN)
    response = admin.post(
        f"{PAGE}{grant.pk}/approve",
        {"conversations": [str(c.pk) for c in two_conversations], "hours": "8"},
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    grant.refresh_from_db()
    assert grant.status == Status.APPROVED and grant.approved_hours == 8
    assert grant.approved_scope == "conversations"
    assert _approved_ids(grant) == {c.pk for c in two_conversations}
    event = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action="platform.access_approved")
    assert event.metadata["narrowed"] is False
    page = admin.get(PAGE).content.decode()
    live = page[page.index('id="live"') : page.index('id="past"')]
    assert f'data-grant="{grant.pk}"' in live and "Revoke now" in live
    assert "Access approved" in page


def test_approve_narrower_a_subset_for_fewer_hours(tenant_a, two_conversations, page_as):
    grant = ask(tenant_a, support_person(), conversations=two_conversations, hours=24)
    kept = two_conversations[0]
    response = page_as(Role.OWNER).post(
        f"{PAGE}{grant.pk}/approve",
        {"conversations": [str(kept.pk)], "hours": "1", "note": "Only the first one."},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.approved_hours) == (Status.APPROVED, 1)
    assert grant.decision_note == "Only the first one."
    assert _approved_ids(grant) == {kept.pk}
    assert grant.expires_at - grant.decided_at == dt.timedelta(hours=1)


def test_more_hours_than_asked_is_refused_on_the_page(tenant_a, two_conversations, page_as):
    grant = ask(tenant_a, support_person(), conversations=two_conversations, hours=4)
    response = page_as(Role.ADMIN).post(
        f"{PAGE}{grant.pk}/approve",
        {"conversations": [str(c.pk) for c in two_conversations], "hours": "5"},
    )
    assert response.status_code == 400
    assert "between 1 and 4 hours" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


def test_a_whole_workspace_request_narrowed_to_one_pasted_conversation(
    tenant_a, two_conversations, page_as
):
    grant = ask(tenant_a, support_person(), hours=8)
    chosen = two_conversations[1]
    response = page_as(Role.ADMIN).post(
        f"{PAGE}{grant.pk}/approve",
        {
            "narrow": "conversations",
            "conversation_list": f"https://app.example/c/{chosen.pk}/\n",
            "hours": "2",
        },
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.scope, grant.approved_scope) == ("tenant", "conversations")
    assert grant.approved_hours == 2
    assert _approved_ids(grant) == {chosen.pk}


def test_a_conversation_of_another_tenant_pasted_is_a_clear_error_and_writes_nothing(
    tenant_a, tenant_b, two_conversations, page_as
):
    from conversations.models import Widget

    foreign = start_conversation(
        tenant_b, Widget.objects.create(tenant=tenant_b.tenant, shop=tenant_b.shop), name="B"
    )
    grant = ask(tenant_a, support_person(), hours=8)
    before = AuditEvent.objects.for_tenant(tenant_a.tenant).count()
    response = page_as(Role.ADMIN).post(
        f"{PAGE}{grant.pk}/approve",
        {
            "narrow": "conversations",
            "conversation_list": f"{two_conversations[0].pk}, {foreign.pk}",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "No conversation of this workspace has these ids" in html and str(foreign.pk) in html
    assert str(two_conversations[0].pk) in html  # what they typed is kept
    grant.refresh_from_db()
    assert grant.status == Status.PENDING and grant.decided_at is None
    assert not AccessGrantConversation.objects.for_tenant(tenant_a.tenant).filter(grant=grant)
    assert AuditEvent.objects.for_tenant(tenant_a.tenant).count() == before


def test_pasted_text_that_is_no_conversation_is_refused(tenant_a, page_as):
    grant = ask(tenant_a, support_person(), hours=8)
    response = page_as(Role.ADMIN).post(
        f"{PAGE}{grant.pk}/approve", {"narrow": "conversations", "conversation_list": "the big one"}
    )
    assert response.status_code == 400
    assert "neither a conversation id nor a link" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


def test_deny_with_a_note(tenant_a, two_conversations, page_as):
    grant = ask(tenant_a, support_person(), conversations=two_conversations)
    admin = page_as(Role.ADMIN)
    response = admin.post(f"{PAGE}{grant.pk}/deny", {"note": "Ask the customer first."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Status.DENIED and grant.decision_note == "Ask the customer first."
    page = admin.get(PAGE).content.decode()
    past = page[page.index('id="past"') :]
    assert f'data-grant="{grant.pk}" data-state="denied"' in past
    # Answered once: a second decision is refused on the page.
    again = admin.post(f"{PAGE}{grant.pk}/approve", {"hours": "1"})
    assert again.status_code == 409 and "already answered" in again.content.decode()


def test_revoke_a_live_grant(tenant_a, two_conversations, page_as):
    grant = ask(tenant_a, support_person(), conversations=two_conversations)
    access_approve(membership=tenant_a.owner, grant=grant)
    admin = page_as(Role.ADMIN)
    assert 'data-confirm="Revoke this grant?' in admin.get(PAGE).content.decode()
    response = admin.post(f"{PAGE}{grant.pk}/revoke")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Status.REVOKED and grant.revoked_by == tenant_a.members[Role.ADMIN]
    assert not grant.is_live()
    again = admin.post(f"{PAGE}{grant.pk}/revoke")
    assert again.status_code == 409 and "already ended" in again.content.decode()


def test_a_request_left_72_hours_shows_as_expired_and_cannot_be_approved(
    tenant_a, two_conversations, page_as
):
    start = timezone.now()
    grant = ask(tenant_a, support_person(), conversations=two_conversations, now=start)
    with time_machine.travel(start + dt.timedelta(hours=72, minutes=1), tick=False):
        admin = page_as(Role.ADMIN)  # signed in then: sessions have their own idle limit
        page = admin.get(PAGE).content.decode()
        past = page[page.index('id="past"') :]
        assert f'data-grant="{grant.pk}" data-state="expired"' in past
        assert "Not answered within 72 hours" in past
        assert 'id="pending-notice"' not in page
        response = admin.post(
            f"{PAGE}{grant.pk}/approve",
            {"conversations": [str(c.pk) for c in two_conversations]},
        )
    assert response.status_code == 409
    assert "expired without a decision" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == Status.PENDING and grant.approved_hours is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_only_owners_and_admins_decide(tenant_a, two_conversations, page_as, role):
    grant = ask(tenant_a, support_person(), conversations=two_conversations)
    browser = page_as(role)
    assert browser.get(PAGE).status_code == 403
    for step in ("approve", "deny", "revoke"):
        assert browser.post(f"{PAGE}{grant.pk}/{step}", {"hours": "1"}).status_code == 403
    grant.refresh_from_db()
    assert grant.status == Status.PENDING
    log = browser.get("/settings/platform-access/log/")
    assert log.status_code == (200 if role == Role.PRIVACY else 403)


def test_another_tenants_admin_neither_sees_nor_decides(
    tenant_a, tenant_b, two_conversations, page_as
):
    from web.tests.helpers import verified_client

    grant = ask(tenant_a, support_person(), conversations=two_conversations)
    other = verified_client(tenant_b.members[Role.ADMIN].user)
    assert str(grant.pk) not in other.get(PAGE).content.decode()
    for step in ("approve", "deny", "revoke"):
        assert other.post(f"{PAGE}{grant.pk}/{step}", {"hours": "1"}).status_code == 404
    log = other.get(f"/settings/platform-access/log/?grant={grant.pk}").content.decode()
    assert "data-event=" not in log and "Nothing recorded." in log
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


def test_the_subnav_names_the_pages_each_role_may_open(tenant_a, page_as):
    admin = page_as(Role.ADMIN).get("/settings/members/").content.decode()
    assert 'href="/settings/platform-access/"' in admin
    assert 'href="/settings/platform-access/log/"' in admin
    privacy = page_as(Role.PRIVACY).get("/settings/tokens/").content.decode()
    assert 'href="/settings/platform-access/"' not in privacy
    assert 'href="/settings/platform-access/log/"' in privacy


def test_the_page_speaks_french(tenant_a, two_conversations, page_as):
    ask(tenant_a, support_person(), conversations=two_conversations)
    admin = tenant_a.members[Role.ADMIN].user
    admin.language = "fr"
    admin.save(update_fields=["language"])
    html = unescape(page_as(Role.ADMIN).get(PAGE).content.decode())
    assert "Accès de la plateforme" in html
    assert "transfert (hors de l'UE)" in html
    assert "Approuver" in html and "Refuser" in html
