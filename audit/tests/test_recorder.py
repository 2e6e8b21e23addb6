"""record(): one INSERT, filled from the request, neutralised, and capped."""

import json

import pytest
from django.db import transaction
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.recorder import REDACTED, TRUNCATED, Actor, clean_metadata, record
from instaply.logs import request_id_var
from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_an_api_request_fills_ip_agent_request_id_and_the_token_actor(tenant_a):
    owner = tenant_a.members[Role.OWNER]
    response = tenant_a.client(Role.OWNER).get(
        "/api/v1/audit/events",
        HTTP_USER_AGENT="Mozilla/5.0 (X11)\r\n2024-01-01 INFO forged line",
        HTTP_X_REQUEST_ID="req-0123456789",
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="audit.exported")
    token = owner.api_tokens.get()
    assert (event.actor_kind, event.actor_id) == ("api_token", str(token.pk))
    assert event.actor_member_id == owner.pk
    assert event.tenant_id == tenant_a.tenant.pk
    assert event.ip == "198.51.100.20"
    assert event.request_id == "req-0123456789"
    assert event.user_agent == "Mozilla/5.0 (X11)\\r\\n2024-01-01 INFO forged line"
    assert "\n" not in event.user_agent and "\r" not in event.user_agent


def test_a_session_request_acts_as_its_membership_then_user_then_anonymous(tenant_a, tenant_b):
    member = tenant_a.members[Role.AGENT]
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    request.user = member.user
    request.membership = member

    event = record("personal_data.read", request=request, target=("contact", "c1"))
    assert (event.actor_kind, event.actor_id, event.actor_member_id) == (
        "member",
        str(member.pk),
        member.pk,
    )
    assert event.tenant_id == tenant_a.tenant.pk

    del request.membership
    event = record("auth.logout", request=request)
    assert (event.actor_kind, event.actor_id, event.tenant_id) == (
        "user",
        str(member.user.pk),
        None,
    )

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    event = record("auth.login.failed", outcome="failure", request=request)
    assert (event.actor_kind, event.actor_id, event.ip) == ("anonymous", "", "192.0.2.1")

    # An explicit tenant and actor win over the request's.
    event = record(
        "platform.access", request=request, tenant=tenant_b.tenant.pk, actor=Actor.system("x")
    )
    assert (event.tenant_id, event.actor_kind) == (tenant_b.tenant.pk, "system")


def test_without_a_request_the_current_request_id_is_kept():
    token = request_id_var.set("abc123def456")
    try:
        event = record("key.rotated", actor=Actor.system("keys"))
    finally:
        request_id_var.reset(token)
    assert event.request_id == "abc123def456"
    assert record("key.rotated").actor_kind == "system"
    assert record("key.rotated").request_id == ""


def test_every_string_is_neutralised_against_line_injection():
    event = record(
        "member.revoked",
        actor=Actor("system", "job\nINFO fake"),
        target=("membership\r\n", "id\u2028x\x00y"),
        metadata={"reason": "a\r\nb", "codes": ["x\ny", 3]},
    )
    event.refresh_from_db()
    stored = [event.actor_id, event.target_kind, event.target_id, event.metadata["reason"]]
    stored += event.metadata["codes"][:1]
    for value in stored:
        assert not any(c in value for c in "\r\n\x00\u2028")
    assert event.target_id == "id\\u2028x\\x00y"
    assert event.metadata == {"reason": "a\\r\\nb", "codes": ["x\\ny", 3]}


def test_a_spreadsheet_formula_in_the_user_agent_is_defused():
    request = RequestFactory().get("/", HTTP_USER_AGENT="=HYPERLINK(1)")
    assert record("auth.login.failed", request=request).user_agent == "'=HYPERLINK(1)"


def test_metadata_is_flat_scalars_and_refuses_personal_keys():
    with pytest.raises(ValueError, match="personal"):
        clean_metadata({"email": "x"})
    with pytest.raises(ValueError, match="personal"):
        clean_metadata({"contact_name": "x"})
    with pytest.raises(ValueError, match="snake_case"):
        clean_metadata({"Bad Key": 1})
    with pytest.raises(TypeError):
        clean_metadata({"nested": {"a": 1}})
    with pytest.raises(TypeError):
        clean_metadata({"thing": object()})
    with pytest.raises(ValueError, match="more than"):
        clean_metadata({f"k{i}": i for i in range(40)})
    assert clean_metadata({"message_id": "m1", "ratio": 0.5, "ok": True, "n": None}) == {
        "message_id": "m1",
        "ratio": "0.5",
        "ok": True,
        "n": None,
    }


def test_values_that_look_like_emails_or_phone_numbers_are_redacted():
    cleaned = clean_metadata({"who": "jane@example.com", "from_number": "+33 6 12 34 56 78"})
    assert cleaned == {"who": REDACTED, "from_number": REDACTED}


@pytest.mark.parametrize("number", ["33612345678", "0612345678", "06 12 34 56 78"])
def test_phone_numbers_without_a_plus_are_redacted_too(number):
    # Vonage writes numbers without their "+", people type them in national form;
    # the audit log is append-only, so a number that slips in stays for years.
    assert clean_metadata({"sender": number}) == {"sender": REDACTED}
    assert clean_metadata({"error_code": "30003"}) == {"error_code": "30003"}


def test_calendar_dates_are_kept_though_they_have_as_many_digits_as_a_number():
    assert clean_metadata({"disclosed_on": "2026-03-08"}) == {"disclosed_on": "2026-03-08"}
    assert clean_metadata({"sender": "06-12-34-56-78"}) == {"sender": REDACTED}


def test_metadata_is_capped_in_size_by_replacing_the_largest_values(settings):
    settings.AUDIT_METADATA_MAX_BYTES = 200
    cleaned = clean_metadata({"a": "x" * 1000, "b": "y" * 100, "c": 1, "ids": list(range(100))})
    assert cleaned == {"a": TRUNCATED, "b": "y" * 100, "c": 1, "ids": TRUNCATED}
    assert len(json.dumps(cleaned)) <= 200
    event = record("personal_data.exported", metadata={"a": "x" * 1000, "c": 1})
    assert len(json.dumps(event.metadata)) <= 200


def test_long_lists_and_strings_are_truncated():
    cleaned = clean_metadata({"ids": list(range(40)), "code": "z" * 400})
    assert cleaned["ids"][:32] == list(range(32)) and cleaned["ids"][32] == "[+8 more]"
    assert cleaned["code"] == "z" * 256


def test_actions_and_outcomes_are_checked():
    with pytest.raises(ValueError):
        record("Not A Dotted Name")
    with pytest.raises(ValueError):
        record("login")
    with pytest.raises(ValueError):
        record("auth.login.failed", outcome="maybe")


def test_inside_a_transaction_the_event_rolls_back_with_the_change():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        record("member.revoked", actor=Actor.system("test"))
        raise Boom
    assert not AuditEvent.objects.filter(action="member.revoked").exists()

    with transaction.atomic():
        record("member.revoked", actor=Actor.system("test"))
    assert AuditEvent.objects.filter(action="member.revoked").count() == 1


def test_recording_is_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        record("personal_data.read", actor=Actor.system("test"), target=("contact", "c1"))
