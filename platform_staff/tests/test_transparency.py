"""The access-transparency record is read from the audit log, and only from it."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from audit.recorder import Actor, record
from conversations.models import Widget
from platform_staff.access import platform_access_denied, platform_read
from platform_staff.models import AccessGrant, PlatformStaff
from platform_staff.selectors.transparency import TransparencyFilters, transparency_page
from platform_staff.services.grants import access_approve, access_request
from tenants.models import Role
from tenants.tests.factories import UserFactory
from web.tests.conftest import start_conversation
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

LOG = "/settings/platform-access/log/"


def support_person(country="US", name="Sam Support", email="sam@platform.example"):
    user = UserFactory(full_name=name, email=email)
    return PlatformStaff.objects.create(user=user, roles=["support"], country=country)


@pytest.fixture
def conversation(tenant_a):
    widget = Widget.objects.create(tenant=tenant_a.tenant, shop=tenant_a.shop)
    return start_conversation(tenant_a, widget)


@pytest.fixture
def live(tenant_a, conversation):
    staff = support_person()
    grant = access_request(
        staff=staff,
        tenant=tenant_a.tenant,
        scope="conversations",
        reason_code="incident_response",
        justification="Messages arrive twice.",
        hours=4,
        conversation_ids=[conversation.pk],
    )
    return staff, access_approve(membership=tenant_a.owner, grant=grant)


def _read(staff, grant, conversation, what="thread"):
    platform_read(
        request=None, staff=staff, grant=grant, target=("conversation", conversation.pk), what=what
    )


def _record_table(browser) -> str:
    html = browser.get(LOG).content.decode()
    return html[html.index('id="access-record"') : html.index("</table>")]


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_page_lists_each_read_with_who_role_country_and_transfer(tenant_a, conversation, live):
    staff, grant = live
    _read(staff, grant, conversation)
    response = verified_client(tenant_a.owner.user).get(LOG)
    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index('data-action="platform.access"') :]
    row = row[: row.index("</tr>")]
    for shown in (
        "Read under a grant",
        "Sam Support",
        "sam@platform.example",
        "Platform support",
        "US",
        "transfer (outside the EU)",
        str(conversation.pk),
        "thread",
        str(grant.pk),
        "Incident response",
    ):
        assert shown in row, shown
    # The request and the owner's decision are there too, with who decided.
    assert 'data-action="platform.access_requested"' in html
    assert 'data-action="platform.access_approved"' in html
    assert tenant_a.owner.user.get_full_name() in html


def test_a_refused_attempt_naming_the_tenant_is_listed(tenant_a, conversation, live):
    staff, grant = live
    platform_access_denied(
        request=RequestFactory().get("/platform/somewhere/"),
        staff=staff,
        reason="outside_grant",
        tenant=tenant_a.tenant,
        target=("conversation", "not-a-uuid"),
        grant=grant,
    )
    html = verified_client(tenant_a.members[Role.PRIVACY].user).get(LOG).content.decode()
    row = html[html.index('data-action="platform.access_denied"') :]
    assert "Attempt refused" in row and "outside the granted scope" in row
    assert "Sam Support" in row


def test_an_event_only_in_the_audit_log_is_listed_and_grant_rows_change_nothing(
    tenant_a, conversation, live
):
    staff, grant = live
    # No grant row says anything about this read: only the audit log does.
    record(
        "platform.access",
        tenant=tenant_a.tenant,
        actor=Actor.platform_staff(staff.user),
        target=("conversation", conversation.pk),
        metadata={"grant": str(grant.pk), "staff": str(staff.pk), "role": "support",
                  "country": "BR", "transfer": True, "reason_code": "incident_response",
                  "read": "only-in-the-log"},
    )  # fmt: skip
    browser = verified_client(tenant_a.owner.user)
    before = _record_table(browser)
    assert "only-in-the-log" in before and "BR" in before
    # The grant's working rows change (or vanish): the record does not.
    AccessGrant.objects.for_tenant(tenant_a.tenant).filter(pk=grant.pk).update(
        status="denied", requester_country="DE", reason_code="legal_obligation"
    )
    assert _record_table(browser) == before


def test_filters_by_grant_and_by_date(tenant_a, conversation, live):
    staff, grant = live
    earlier = timezone.now() - dt.timedelta(days=10)
    with time_machine.travel(earlier, tick=False):
        other = access_request(
            staff=staff,
            tenant=tenant_a.tenant,
            scope="tenant",
            reason_code="legal_obligation",
            justification="Court order.",
            hours=1,
        )
    _read(staff, grant, conversation)
    by_grant, _ = transparency_page(
        tenant=tenant_a.tenant, filters=TransparencyFilters(grant=other.pk)
    )
    assert [r.action for r in by_grant] == ["platform.access_requested"]
    browser = verified_client(tenant_a.owner.user)
    day = timezone.localdate(earlier)
    html = browser.get(LOG, {"since": day.isoformat(), "until": day.isoformat()}).content.decode()
    assert html.count("data-event=") == 1 and str(other.pk) in html
    recent = browser.get(LOG, {"since": (day + dt.timedelta(days=1)).isoformat()})
    assert recent.content.decode().count("data-event=") == 3  # request, approval, read
    bad = browser.get(LOG, {"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 400 and "data-event=" not in bad.content.decode()


def test_long_records_come_a_page_at_a_time(tenant_a, conversation, live):
    staff, grant = live
    for n in range(55):
        _read(staff, grant, conversation, what=f"message-{n}")
    first, cursor = transparency_page(tenant=tenant_a.tenant, filters=TransparencyFilters())
    assert len(first) == 50 and cursor
    rest, more = transparency_page(
        tenant=tenant_a.tenant, filters=TransparencyFilters(), cursor=cursor
    )
    assert len(rest) == 7 and more is None  # 55 reads + request + approval
    assert not {r.id for r in first} & {r.id for r in rest}
    html = verified_client(tenant_a.owner.user).get(LOG).content.decode()
    assert 'rel="next"' in html and "cursor=" in html


def test_csv_lists_the_same_events_and_is_audited_as_an_export(tenant_a, conversation, live):
    staff, grant = live
    _read(staff, grant, conversation)
    response = verified_client(tenant_a.members[Role.PRIVACY].user).get(
        "/settings/platform-access/log.csv", {"grant": str(grant.pk)}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    rows = _csv(response)
    assert [r["action"] for r in rows] == [
        "platform.access_requested",
        "platform.access_approved",
        "platform.access",
    ]
    read = rows[-1]
    assert read["platform_person"] == "Sam Support"
    assert read["platform_email"] == "sam@platform.example"
    assert (read["platform_role"], read["country"], read["transfer"]) == ("support", "US", "yes")
    assert (read["object_kind"], read["object_id"]) == ("conversation", str(conversation.pk))
    assert read["grant"] == str(grant.pk)
    exported = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action="platform_access.exported")
    assert exported.metadata["grant"] == str(grant.pk)
    assert exported.actor_member_id == tenant_a.members[Role.PRIVACY].pk


def test_csv_neutralises_a_spreadsheet_formula(tenant_a, conversation):
    staff = support_person(name='=HYPERLINK("https://evil.example","x")', email="f@p.example")
    grant = access_request(
        staff=staff,
        tenant=tenant_a.tenant,
        scope="tenant",
        reason_code="customer_support_case",
        case_reference="C-1",
        justification="x",
        hours=1,
    )
    access_approve(membership=tenant_a.owner, grant=grant)
    _read(staff, grant, conversation, what="+SUM(A1)")
    rows = _csv(verified_client(tenant_a.owner.user).get("/settings/platform-access/log.csv"))
    assert rows and all(r["platform_person"].startswith("'=HYPERLINK") for r in rows)
    assert rows[-1]["read"] == "'+SUM(A1)"


def test_another_tenants_record_is_not_listed(tenant_a, tenant_b, conversation, live):
    staff, grant = live
    _read(staff, grant, conversation)
    other = verified_client(tenant_b.owner.user)
    assert "data-event=" not in other.get(LOG).content.decode()
    assert _csv(other.get("/settings/platform-access/log.csv")) == []
