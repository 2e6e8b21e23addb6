import pytest

from audit.tests.factories import SecurityAlertFactory
from conversations.tests.factories import ContactFactory
from notifications.tests.support import mention_make
from privacy.dsr.models import LegalHold
from tenants.models import Invitation, Role
from tenants.services.tokens import api_token_create


def _conversation_objects(world) -> dict:
    from conversations.models import CannedResponse, Label, Widget
    from conversations.tests.factories import MessageFactory

    message = MessageFactory(conversation__tenant=world.tenant, conversation__shop=world.shop)
    return {
        "conversation_id": message.conversation_id,
        "message_id": message.id,
        "contact_id": message.contact_id,
        "label_id": Label.objects.create(tenant=world.tenant, name="vip").id,
        "canned_id": CannedResponse.objects.create(
            tenant=world.tenant, shortcut="hi", text="Hi"
        ).id,
        "widget_id": Widget.objects.create(tenant=world.tenant, shop=world.shop).id,
        "view_id": _saved_view(world),
    }


def _saved_view(world):
    from saved_views.models import SavedView

    return SavedView.objects.create(tenant=world.tenant, membership=world.owner, name="walk").id


def _sms_objects(world, number: str) -> dict:
    from channels_sms.models import PhoneNumber, ProviderAccount

    account = ProviderAccount.objects.create(
        tenant=world.tenant,
        provider="twilio",
        account_ref="AC" + number[-1] * 32,
        auth_token="a-token",
    )
    phone_number = PhoneNumber.objects.create(
        tenant=world.tenant, shop=world.shop, account=account, provider="twilio", number=number
    )
    return {"account_id": account.id, "number_id": phone_number.id}


def _platform_objects(world) -> dict:
    """A pending platform-access request to the tenant, and the notice it posted."""
    from platform_staff.models import PlatformStaff
    from platform_staff.services.grants import access_request
    from tenants.models import Notice
    from tenants.tests.factories import UserFactory

    staff = PlatformStaff.objects.create(user=UserFactory(), roles=["support"], country="FR")
    grant = access_request(
        staff=staff,
        tenant=world.tenant,
        scope="tenant",
        reason_code="incident_response",
        justification="Isolation walk.",
        hours=1,
    )
    notice = Notice.objects.for_tenant(world.tenant).get(params__grant=str(grant.pk))
    return {"grant_id": grant.id, "notice_id": notice.id}


def _privacy_objects(world, phone: str) -> dict:
    import datetime as dt

    from privacy.dsr.services import dsr_file

    # Filed with a phone that matches nobody: paused, so it can be answered.
    dsr, _ = dsr_file(
        membership=world.owner,
        request_type="erasure",
        phone=phone,
        subject_asked_on=dt.date(2026, 1, 1),
        identity_verified=True,
    )
    return {"dsr_id": dsr.id}


def _compliance_objects(world) -> dict:
    import datetime as dt

    from compliance.models import AuditRequest

    audit = AuditRequest.objects.create(
        tenant=world.tenant, filed_by=world.owner, proposed_date=dt.date(2099, 1, 15)
    )
    return {"audit_id": audit.id}


def _subprocessor_objection(world):
    import datetime as dt

    from compliance.models import SubProcessor, SubProcessorChange, SubProcessorObjection

    # A change is the platform's (every tenant may object to it); the objection is the tenant's.
    entry = SubProcessor.objects.create(
        code=f"walk-{world.tenant.slug}"[:40],
        name="Walk SMS",
        purpose_en="SMS",
        purpose_fr="SMS",
        country="IE",
        safeguard="eu",
        since=dt.date(2099, 1, 1),
    )
    change = SubProcessorChange.objects.create(
        kind="added", subprocessor=entry, effective_on=dt.date(2099, 1, 1)
    )
    return SubProcessorObjection.objects.create(
        tenant=world.tenant, change=change, reason="isolation walk"
    ).id


def _records_objects(world) -> dict:
    from django.utils import timezone

    from compliance.records.snapshot import records_refresh
    from compliance.selectors import latest_record_snapshot

    records_refresh(world.tenant.pk, now=timezone.now())
    return {"snapshot_id": latest_record_snapshot(world.tenant).id}


def _breach_objects(world) -> dict:
    """A breach notice sent to the tenant (breaches/): its register lists it."""
    from django.utils import timezone

    from breaches.tests.factories import incident_make, notice_make

    now = timezone.now()
    notice = notice_make(incident=incident_make(aware_at=now), tenant=world.tenant, sent_at=now)
    return {"breach_notice_id": notice.id}


def _login_session(world):
    """A sign-in session of one of the tenant's staff (analytics/login_data)."""
    from analytics.login_data.models import LoginSession

    return LoginSession.objects.create(user=world.members[Role.AGENT].user)


def _objects(world, number: str) -> dict:
    """One object of each kind of the tenant, by the URL parameter name that addresses it."""
    token, _ = api_token_create(membership=world.members[Role.AGENT], name="a token")
    invitation = Invitation.objects.create(
        tenant=world.tenant,
        email=f"someone@{world.tenant.slug}.example",
        role=Role.AGENT,
        expires_at="2099-01-01T00:00:00Z",
    )
    ids = {
        "member_id": world.members[Role.AGENT].id,
        "invitation_id": invitation.id,
        "token_id": token.id,
        "shop_id": world.shop.id,
        "tenant_slug": world.tenant.slug,
        "alert_id": SecurityAlertFactory(tenant=world.tenant).id,
        "login_session_id": _login_session(world).id,
        **_conversation_objects(world),
        **_sms_objects(world, number),
        **_platform_objects(world),
        **_privacy_objects(world, "+336990000" + number[-2:]),
        **_compliance_objects(world),
        **_records_objects(world),
        **_breach_objects(world),
    }
    ids["hold_id"] = LegalHold.objects.create(
        tenant=world.tenant, contact=ContactFactory(tenant=world.tenant), reason="isolation walk"
    ).id
    ids["objection_id"] = _subprocessor_objection(world)
    ids["mention_id"] = mention_make(world).id
    return {name: (lambda value=value: str(value)) for name, value in ids.items()}


@pytest.fixture
def foreign(tenant_b):
    """Objects of tenant B, by the URL parameter name that addresses them."""
    return _objects(tenant_b, "+15017122611")


@pytest.fixture
def own(tenant_a):
    """The same kinds of objects of tenant A, the caller's own."""
    return _objects(tenant_a, "+15017122622")


@pytest.fixture
def foreign_values(tenant_b, foreign):
    return (
        [getter() for getter in foreign.values()]
        + [str(m.id) for m in tenant_b.members.values()]
        + [tenant_b.tenant.slug]
    )
