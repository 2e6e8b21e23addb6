"""The support person's grant pages: their own requests whatever the state,
tenant content only under a live grant, read-only, each view audited once."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from platform_staff.models import AccessGrant
from platform_staff.services.grants import (
    access_approve,
    access_deny,
    access_request,
    access_revoke,
)
from platform_staff.tests.conftest import console_client, make_staff
from tenants.tests.factories import MembershipFactory
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def ask(staff, tenant, conversations=(), hours=4):
    return access_request(
        staff=staff,
        tenant=tenant,
        scope="conversations" if conversations else "tenant",
        reason_code="customer_support_case",
        case_reference="CASE-7",
        justification="The customer's replies vanish.",
        hours=hours,
        conversation_ids=[c.pk for c in conversations],
    )


def reads():
    return AuditEvent.objects.filter(action="platform.access")


def denials():
    return AuditEvent.objects.filter(action="platform.access_denied")


def text(response) -> str:
    return response.content.decode()


# The list -------------------------------------------------------------------------


def test_my_requests_with_their_state(support, support_client, other_support, content, tenant_b):
    with time_machine.travel(START, tick=False) as clock:
        pending = ask(support, content.tenant)
        approved = access_approve(
            membership=content.world.owner, grant=ask(support, content.tenant, [content.x])
        )
        denied = access_deny(
            membership=tenant_b.owner, grant=ask(support, tenant_b.tenant), note="No, thanks."
        )
        revoked = access_revoke(
            membership=content.world.owner,
            grant=access_approve(
                membership=content.world.owner, grant=ask(support, content.tenant)
            ),
        )
        lapsed = access_approve(
            membership=content.world.owner, grant=ask(support, content.tenant), hours=1
        )
        theirs = ask(other_support, content.tenant)
        clock.shift(dt.timedelta(hours=2))
        page = support_client.get("/platform/grants/")
    assert page.status_code == 200
    body = text(page)
    for grant, state in [
        (pending, "pending"),
        (approved, "approved"),
        (denied, "denied"),
        (revoked, "revoked"),
        (lapsed, "expired"),
    ]:
        assert f'data-grant="{grant.pk}" data-state="{state}"' in body
    assert "Approved until 2026-03-02 13:00 UTC" in body
    assert "No, thanks." in body
    assert str(theirs.pk) not in body
    assert not any(secret in body for secret in content.all_secrets)
    assert page["Cache-Control"] == "private, no-store"


def test_the_console_is_support_only(content):
    dpo = make_staff(roles=("dpo",))
    assert console_client(dpo).get("/platform/grants/").status_code == 404
    member = verified_client(content.world.owner.user)
    assert member.get("/platform/grants/").status_code == 404


# Asking ---------------------------------------------------------------------------


def form(workspace, **overrides):
    return {
        "tenant": workspace.slug,
        "scope": "conversations",
        "conversations": "",
        "reason_code": "customer_support_case",
        "case_reference": "CASE-9",
        "justification": "The customer asked us to look.",
        "hours": "4",
    } | overrides


def test_the_form_shows_where_the_person_works_from(support_client, content):
    page = support_client.get("/platform/grants/new")
    assert page.status_code == 200
    assert "You work from: FR." in text(page)
    assert "transfer-warning" not in text(page)
    assert content.tenant.name in text(page) and 'value="4"' in text(page)
    abroad = console_client(make_staff(country="IN"))
    assert "transfer-warning" in text(abroad.get("/platform/grants/new"))


def test_asking_by_inbox_links(support, support_client, content):
    listed = (
        f"https://app.example/c/{content.x.pk}/\n"
        f"{content.y.pk}, https://app.example/c/{content.x.pk}/"
    )
    answer = support_client.post("/platform/grants/new", form(content.tenant, conversations=listed))
    grant = AccessGrant.objects.for_tenant(content.tenant).get()
    assert answer.status_code == 302 and answer["Location"] == f"/platform/grants/{grant.pk}/"
    assert grant.requested_by == support and grant.case_reference == "CASE-9"
    assert set(grant.conversations.values_list("conversation_id", flat=True)) == {
        content.x.pk,
        content.y.pk,
    }
    assert AuditEvent.objects.filter(action="platform.access_requested").count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"case_reference": ""}, "case_reference", "needs its case reference"),
        ({"hours": "0"}, "hours", "greater than or equal to 1"),
        ({"hours": "73"}, "hours", "less than or equal to 72"),
        ({"conversations": ""}, "conversations", "List the conversations you need."),
        ({"conversations": "order 12"}, "conversations", "Not a conversation id or link"),
        ({"tenant": "nowhere"}, "tenant", "Choose a workspace from the list."),
        ({"scope": "tenant", "conversations": "x"}, "conversations", "Not a conversation"),
    ],
)
def test_a_bad_request_is_shown_on_the_form(support_client, content, overrides, field, message):
    answer = support_client.post("/platform/grants/new", form(content.tenant, **overrides))
    assert answer.status_code == 400
    assert f'data-field="{field}">' in text(answer) and message in text(answer)
    assert not AccessGrant.objects.for_tenant(content.tenant).exists()


def test_another_tenants_conversation_is_refused_on_the_form(support_client, content, tenant_b):
    answer = support_client.post(
        "/platform/grants/new",
        form(tenant_b.tenant, conversations=f"{content.x.pk}"),
    )
    assert answer.status_code == 400
    assert "Some of these are not conversations of this workspace." in text(answer)
    assert not AccessGrant.objects.for_tenant(tenant_b.tenant).exists()
    assert not AuditEvent.objects.filter(action="platform.access_requested").exists()


# A grant's page -------------------------------------------------------------------


def test_a_pending_grant_shows_the_request_and_no_content(support, support_client, content):
    grant = ask(support, content.tenant, [content.x])
    page = support_client.get(f"/platform/grants/{grant.pk}/")
    assert page.status_code == 200
    body = text(page)
    assert 'data-state="pending"' in body and str(content.x.pk) in body
    assert not any(secret in body for secret in content.all_secrets)
    assert not reads().exists() and not denials().exists()
    conversation = support_client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/")
    assert conversation.status_code == 404
    assert denials().get().metadata["reason"] == "not_approved"


def test_a_live_grant_lists_its_conversations_as_the_inbox_does(support, support_client, content):
    grant = access_approve(
        membership=content.world.owner, grant=ask(support, content.tenant, [content.x])
    )
    page = support_client.get(f"/platform/grants/{grant.pk}/")
    assert page.status_code == 200
    body = text(page)
    assert content.secrets["x"][0] in body
    assert f"/platform/grants/{grant.pk}/c/{content.x.pk}/" in body
    assert not any(secret in body for secret in content.secrets["y"])
    (read,) = reads()
    assert (read.target_kind, read.target_id) == ("access_grant", str(grant.pk))
    assert read.metadata["read"] == "conversation_list"


def test_the_thread_under_a_live_grant_is_read_only_and_audited(support, support_client, content):
    with time_machine.travel(START, tick=False):
        grant = access_approve(
            membership=content.world.owner,
            grant=ask(support, content.tenant, [content.x], hours=2),
        )
        page = support_client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/")
    assert page.status_code == 200
    body = text(page)
    assert all(secret in body for secret in content.secrets["x"])
    assert f"Read-only under grant {grant.pk}, ends at 2026-03-02 11:00 UTC" in body
    # No reply box, no action: the only forms are the frame's sign-out and language.
    page_forms = body.split("<footer")[0]
    assert "<textarea" not in body
    assert page_forms.count('method="post"') == page_forms.count('action="/platform/logout/"')
    (read,) = reads()
    assert read.tenant_id == content.tenant.pk
    assert (read.target_kind, read.target_id) == ("conversation", str(content.x.pk))
    assert read.actor_kind == "platform_staff" and read.actor_id == str(support.user.pk)
    assert (
        read.metadata.items()
        >= {
            "grant": str(grant.pk),
            "role": "support",
            "country": "FR",
            "transfer": False,
            "read": "thread",
        }.items()
    )


@pytest.mark.parametrize(
    "country, transfer",
    [("DE", False), ("IE", False), ("US", True), ("CH", True), ("NO", True)],
)
def test_the_grant_and_every_event_under_it_record_whether_it_is_a_transfer(
    content, country, transfer
):
    """Outside the EU is a transfer (EEA and adequacy countries included): on the
    grant, on the request and the decisions, on each read and each refusal."""
    person = make_staff(country=country)
    grant = access_approve(
        membership=content.world.owner, grant=ask(person, content.tenant, [content.x])
    )
    assert (grant.requester_country, grant.transfer) == (country, transfer)
    client = console_client(person)
    assert client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/").status_code == 200
    assert client.get(f"/platform/grants/{grant.pk}/c/{content.y.pk}/").status_code == 404
    access_revoke(membership=content.world.owner, grant=grant)
    assert client.get(f"/platform/grants/{grant.pk}/").status_code == 200  # their own record
    assert client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/").status_code == 404
    events = AuditEvent.objects.filter(tenant=content.tenant, action__startswith="platform.access")
    recorded = {e.action: (e.metadata["country"], e.metadata["transfer"]) for e in events}
    assert set(recorded) == {
        "platform.access_requested",
        "platform.access_approved",
        "platform.access",
        "platform.access_denied",
        "platform.access_revoked",
    }
    assert set(recorded.values()) == {(country, transfer)}


def test_someone_elses_grant_is_a_404(support, other_support, content):
    grant = access_approve(membership=content.world.owner, grant=ask(support, content.tenant))
    theirs = console_client(other_support)
    assert theirs.get(f"/platform/grants/{grant.pk}/").status_code == 404
    assert theirs.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/").status_code == 404
    assert [e.metadata["reason"] for e in denials()] == ["not_requester", "not_requester"]
    assert not reads().exists()


# Tenant routes --------------------------------------------------------------------


def test_tenant_routes_answer_404_to_platform_staff(support, support_client, content):
    api = support_client.get("/api/v1/conversations")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert support_client.get("/api/v1/audit/events").status_code == 404
    assert support_client.get("/inbox/").status_code == 404
    assert support_client.get(f"/c/{content.x.pk}/").status_code == 404
    events = list(denials().order_by("created_at"))
    assert [e.metadata["reason"] for e in events] == ["tenant_route"] * 4
    assert all(e.tenant_id is None for e in events)
    assert not AuditEvent.objects.filter(action="access.denied").exists()
    # Still signed in to the console: a member page does not sign them out.
    assert support_client.get("/platform/grants/").status_code == 200


def test_a_tenant_member_is_unaffected(content):
    member = MembershipFactory(tenant=content.tenant)
    client = verified_client(member.user)
    assert client.get("/inbox/").status_code == 200
    assert not denials().exists()


def test_the_pages_speak_the_readers_language(support, support_client, content):
    support.user.language = "fr"
    support.user.save()
    grant = access_approve(
        membership=content.world.owner, grant=ask(support, content.tenant, [content.x])
    )
    assert "Demander l'accès à un espace de travail" in text(
        support_client.get("/platform/grants/new")
    )
    assert "Accordée jusqu'au" in text(support_client.get("/platform/grants/"))
    thread = text(support_client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/"))
    assert f"Lecture seule au titre de l'autorisation {grant.pk}" in thread
