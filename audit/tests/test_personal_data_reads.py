"""Every read of an end-user's personal data is audited, whichever address serves it.

The walk GETs every route of the URL conf (API and pages) as the tenant's owner,
with ids of the tenant's own objects; any answer that shows a contact's name,
email, phone, a message or a note must have written one ``personal_data.read``
event. A new route that shows personal data without recording its read fails
here without anyone having to remember to add a test for it.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.models import AuditEvent
from conversations.models import CannedResponse, Label, Note, Widget
from conversations.tests.factories import ContactFactory, ConversationFactory, MessageFactory
from notifications.tests.support import mention_make
from tenants.models import Invitation, Role
from tenants.services.tokens import api_token_create
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

PERSONAL = {
    "name": "Ysolde Walkmarker",
    "email": "ysolde.walkmarker@example.org",
    "phone": "+33698765401",
    "message": "MARKER-walk-message-body",
    "note": "MARKER-walk-note-body",
}
# Routes the walk does not call, with the reason.
NOT_WALKED = {
    "admin": "Django's admin: platform superusers only, shows no personal content",
    "api/widget/v1/": "the visitor's own chat, read by the data subject, not by staff",
    "widget/": "the widget's script",
    "invite/": "a public form addressed by a secret token",
    "password-reset/": "public forms addressed by secret tokens",
    "platform/enrol/": "a platform person's one-time enrolment form, addressed by a secret token",
    "api/schema/": "the API description",
    "api/docs/": "the API description",
    "f/": "a customer's file link, addressed by a signed token that expires; each opening "
    "is recorded (attachment.link_opened)",
}
# Query strings that make a route answer with content rather than an empty start.
QUERIES = {"api/v1/events": "?after=0&wait=0"}
# Routes that must show personal data (so the walk cannot pass by finding none).
MUST_SHOW = {
    "api/v1/conversations",
    "api/v1/conversations/<uuid:conversation_id>",
    "api/v1/conversations/<uuid:conversation_id>/messages",
    "api/v1/conversations/<uuid:conversation_id>/notes",
    "api/v1/contacts",
    "api/v1/contacts/<uuid:contact_id>",
    "inbox/",
    "c/<uuid:conversation_id>/",
    "c/<uuid:conversation_id>/thread",
}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes():
    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if not isinstance(pattern.pattern.regex.pattern, str) or route.startswith("^"):
                    continue  # regular-expression catch-alls (the API's JSON 404)
                yield route

    return list(dict.fromkeys(walk(get_resolver().url_patterns, "")))


@pytest.fixture
def own(tenant_a, settings, tmp_path):
    """The tenant's objects by URL parameter name, one contact full of personal data."""
    tenant, shop = tenant_a.tenant, tenant_a.shop
    contact = ContactFactory(
        tenant=tenant, name=PERSONAL["name"], email=PERSONAL["email"], phone=PERSONAL["phone"]
    )
    conversation = ConversationFactory(tenant=tenant, shop=shop, contact=contact)
    message = MessageFactory(conversation=conversation, body=PERSONAL["message"])
    conversation.last_message_preview = PERSONAL["message"]
    conversation.save(update_fields=["last_message_preview"])
    Note.objects.create(
        tenant=tenant, conversation=conversation, contact=contact, body=PERSONAL["note"]
    )
    token, _ = api_token_create(membership=tenant_a.members[Role.AGENT], name="walked")
    from audit.tests.factories import SecurityAlertFactory
    from channels_sms.models import PhoneNumber, ProviderAccount

    account = ProviderAccount.objects.create(
        tenant=tenant, provider="twilio", account_ref="AC" + "7" * 32, auth_token="walk-token"
    )
    return {
        "conversation_id": conversation.id,
        "contact_id": contact.id,
        "message_id": message.id,
        "mention_id": mention_make(tenant_a, conversation).id,
        "label_id": Label.objects.create(tenant=tenant, name="walked").id,
        "canned_id": CannedResponse.objects.create(tenant=tenant, shortcut="w", text="Hi").id,
        "view_id": _saved_view(tenant_a),
        "widget_id": Widget.objects.create(tenant=tenant, shop=shop).id,
        "member_id": tenant_a.members[Role.AGENT].id,
        "invitation_id": Invitation.objects.create(
            tenant=tenant, email="new@a.example", role=Role.AGENT, expires_at="2099-01-01T00:00Z"
        ).id,
        "token_id": token.id,
        "shop_id": shop.id,
        "alert_id": SecurityAlertFactory(tenant=tenant).id,
        "login_session_id": _login_session(tenant_a).id,
        "account_id": account.id,
        "number_id": PhoneNumber.objects.create(
            tenant=tenant, shop=shop, account=account, provider="twilio", number="+15017122677"
        ).id,
        "attachment_id": _attachment(message, settings, tmp_path).id,
        **_privacy_and_platform_objects(tenant_a, contact),
    }


def _saved_view(tenant_a):
    """A saved view of the inbox (saved_views/): codes and ids, no personal data."""
    from saved_views.models import SavedView

    return SavedView.objects.create(
        tenant=tenant_a.tenant, membership=tenant_a.owner, name="walked"
    ).id


def _attachment(message, settings, tmp_path):
    """An image of the walked message whose bytes carry the message marker (a PNG
    text chunk), with its thumbnail (attachments/)."""
    import io

    from PIL import Image, PngImagePlugin

    from attachments.services import attachment_store, thumbnail_make

    settings.STORAGES = settings.STORAGES | {
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        }
    }
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PERSONAL["message"])
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG", pnginfo=info)
    attachment = attachment_store(
        message=message, data=out.getvalue(), name="walk.png", source="widget"
    )
    thumbnail_make(attachment_id=attachment.pk)
    return attachment


def _login_session(tenant_a):
    """A sign-in session of one of the tenant's staff (analytics/login_data)."""
    from analytics.login_data.models import LoginSession

    return LoginSession.objects.create(user=tenant_a.members[Role.AGENT].user)


def _privacy_and_platform_objects(tenant_a, contact) -> dict:
    """A grant asked by support (and the notice it posted), a disclosure, a
    privacy request about the walked contact and a legal hold on it."""
    import datetime as dt

    from platform_staff.models import Disclosure, PlatformStaff
    from platform_staff.services.grants import access_request
    from privacy.dsr.models import LegalHold
    from privacy.dsr.services import dsr_file
    from privacy.policies.models import PolicyVersion
    from tenants.models import Notice
    from tenants.tests.factories import UserFactory

    tenant = tenant_a.tenant
    staff = PlatformStaff.objects.create(
        user=UserFactory(), roles=["support", "security", "dpo"], country="FR"
    )
    grant = access_request(
        staff=staff,
        tenant=tenant,
        scope="tenant",
        reason_code="incident_response",
        justification="The walk.",
        hours=1,
    )
    disclosure = Disclosure.objects.create(
        tenant=tenant,
        disclosed_on=dt.date(2026, 1, 5),
        authority="A court",
        legal_basis="An order",
        data_scope="Walked data",
        recorded_by=staff,
        tenant_informed_at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
    )
    dsr, _ = dsr_file(
        membership=tenant_a.owner,
        request_type="access",
        contact_id=contact.id,
        subject_asked_on=dt.date(2026, 1, 1),
        identity_verified=True,
    )
    policy = PolicyVersion.objects.create(
        version="walk-1",
        effective_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        text_en="Walked policy.",
        text_fr="Politique parcourue.",
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    return {
        "grant_id": grant.id,
        "notice_id": Notice.objects.for_tenant(tenant).get(params__grant=str(grant.pk)).id,
        "disclosure_id": disclosure.id,
        "dsr_id": dsr.id,
        "hold_id": LegalHold.objects.create(tenant=tenant, contact=contact, reason="Walk").id,
        # A privacy-policy version: platform text, never personal data.
        "version_id": policy.id,
        "version": policy.version,
        **_breach_objects(tenant),
        **_compliance_objects(tenant_a),
    }


def _compliance_objects(world) -> dict:
    """Records, audit requests and sub-processor objections (compliance/): the
    controller's representatives appear in the records, nothing of end-users."""
    import datetime as dt

    from django.utils import timezone

    from compliance.models import (
        AuditRequest,
        SubProcessor,
        SubProcessorChange,
        SubProcessorObjection,
    )
    from compliance.records.snapshot import records_refresh
    from compliance.selectors import latest_record_snapshot

    records_refresh(world.tenant.pk, now=timezone.now())
    audit = AuditRequest.objects.create(
        tenant=world.tenant, filed_by=world.owner, proposed_date=dt.date(2099, 1, 15)
    )
    entry = SubProcessor.objects.create(
        code="walk-reads", name="Walk SMS", purpose_en="SMS", purpose_fr="SMS",
        country="IE", safeguard="eu", since=dt.date(2099, 1, 1),
    )  # fmt: skip
    change = SubProcessorChange.objects.create(
        kind="added", subprocessor=entry, effective_on=dt.date(2099, 1, 1)
    )
    objection = SubProcessorObjection.objects.create(
        tenant=world.tenant, change=change, reason="Walk"
    )
    return {
        "tenant_id": world.tenant.id,
        "snapshot_id": latest_record_snapshot(world.tenant).id,
        "audit_id": audit.id,
        "request_id": audit.id,
        "change_id": change.id,
        "objection_id": objection.id,
    }


def _breach_objects(tenant) -> dict:
    """An incident and the notice sent to the tenant (breaches/): codes and counts."""
    from django.utils import timezone

    from breaches.tests.factories import incident_make, notice_make

    now = timezone.now()
    incident = incident_make(aware_at=now)
    notice = notice_make(incident=incident, tenant=tenant, sent_at=now)
    return {"incident_id": incident.id, "breach_notice_id": notice.id}


def _reads() -> int:
    return AuditEvent.objects.filter(action="personal_data.read").count()


def _walk(tenant_a, own) -> tuple[set, list]:
    """(routes that showed personal data, what is wrong)."""
    api, pages = tenant_a.client(Role.OWNER), verified_client(tenant_a.owner.user)
    showed, failures = set(), []
    for route in _routes():
        if route.startswith(tuple(NOT_WALKED)) or route in ("healthz", "readyz"):
            continue
        unknown = [p for p in _PARAM.findall(route) if p not in own]
        if unknown:
            failures.append(f"{route}: no object for {unknown}; extend the walk")
            continue
        path = "/" + _PARAM.sub(lambda m: str(own[m[1]]), route) + QUERIES.get(route, "")
        before = _reads()
        response = (api if route.startswith("api/") else pages).get(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode(errors="replace")  # a file's bytes too
        shown = [name for name, value in PERSONAL.items() if value in text]
        if not shown:
            continue
        showed.add(route)
        if _reads() != before + 1:
            failures.append(f"GET {route} shows {shown} and wrote {_reads() - before} read events")
            continue
        event = AuditEvent.objects.filter(action="personal_data.read").latest("created_at")
        if event.tenant_id != tenant_a.tenant.id or event.actor_member_id is None:
            failures.append(f"GET {route}: the read event does not name the tenant and member")
    return showed, failures


def test_every_route_that_shows_personal_data_records_the_read(tenant_a, own):
    showed, failures = _walk(tenant_a, own)
    assert failures == []
    assert showed >= MUST_SHOW, f"these routes showed no personal data: {MUST_SHOW - showed}"


def test_the_walk_catches_reads_that_are_not_recorded(tenant_a, own, monkeypatch):
    from conversations.api.views import library

    monkeypatch.setattr(library, "record_personal_read", lambda *args, **kwargs: None)
    showed, failures = _walk(tenant_a, own)
    assert showed >= MUST_SHOW
    assert failures == [
        "GET api/v1/contacts shows ['name', 'email', 'phone'] and wrote 0 read events",
        "GET api/v1/contacts/<uuid:contact_id> shows ['name', 'email', 'phone'] and wrote 0"
        " read events",
        "GET api/v1/contacts/<uuid:contact_id>/conversations shows ['message'] and wrote 0"
        " read events",
    ]
