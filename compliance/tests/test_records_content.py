"""The record of processing reflects the tenant's live configuration."""

import datetime as dt

import pytest
from django.utils import timezone

from compliance.models import SubProcessor
from compliance.records.build import record_of_processing
from compliance.records.snapshot import canonical
from compliance.tests.records_helpers import registry, sms_number
from conversations.models import Widget
from privacy.retention.services import retention_policy_set
from tenants.models import Role
from tenants.services.security import tenant_security_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registry(db):
    registry()


def build(world, **kwargs):
    world.tenant.refresh_from_db()
    return record_of_processing(world.tenant, now=kwargs.get("now") or timezone.now())


def codes(record, key):
    return [entry["code"] for entry in record[key]]


def test_a_vonage_number_adds_vonage_to_the_subprocessors_and_the_sms_processing(tenant_a):
    before = build(tenant_a)
    assert "vonage" not in codes(before, "subprocessors")
    assert not [e for e in before["processing"] if e["code"] == "sms"]

    sms_number(tenant_a, "vonage", "+447700900001")
    sms_number(tenant_a, "vonage", "+447700900002")
    after = build(tenant_a)

    assert "vonage" in codes(after, "subprocessors")
    assert {"code": "sms", "provider": "vonage", "numbers": 2} in after["processing"]
    # As the registry says (its seed, compliance/migrations/0002): outside the EU,
    # so a transfer, with its safeguard.
    entry = SubProcessor.objects.get(code="vonage")
    [vonage] = [s for s in after["subprocessors"] if s["code"] == "vonage"]
    assert (vonage["country"], vonage["safeguard"]) == (entry.country, entry.safeguard)
    assert vonage["purpose"] == {"en": entry.purpose_en, "fr": entry.purpose_fr}
    assert entry.transfer
    transfer = {
        "code": "vonage",
        "name": entry.name,
        "country": entry.country,
        "safeguard": entry.safeguard,
    }
    assert transfer in after["transfers"]
    # Twilio has no number here: neither a sub-processor of this tenant nor a transfer.
    assert "twilio" not in codes(after, "subprocessors") + codes(after, "transfers")
    # Hosting serves everyone and stays in the EU: listed, no transfer.
    assert "hosting" in codes(after, "subprocessors")
    assert "hosting" not in codes(after, "transfers")


def test_a_deactivated_number_no_longer_counts(tenant_a):
    number = sms_number(tenant_a, "twilio", "+15017122661")
    assert "twilio" in codes(build(tenant_a), "subprocessors")
    number.active, number.deactivated_at = False, timezone.now() - dt.timedelta(minutes=1)
    number.save(update_fields=["active", "deactivated_at"])
    record = build(tenant_a)
    assert "twilio" not in codes(record, "subprocessors")
    assert not [e for e in record["processing"] if e["code"] == "sms"]


def test_a_retention_change_shows(tenant_a):
    assert build(tenant_a)["retention"]["chosen_by_tenant"] is False
    retention_policy_set(membership=tenant_a.owner, inactive_days=400, closed_days=90)
    retention = build(tenant_a)["retention"]
    assert retention["chosen_by_tenant"] is True
    assert (retention["inactive_days"], retention["closed_days"]) == (400, 90)


def test_the_2fa_flag_shows_and_owners_admins_privacy_always_need_it(tenant_a):
    two_factor = build(tenant_a)["security"]["two_factor"]
    assert two_factor == {
        "required_for_all": False,
        "always_required_roles": ["owner", "admin", "privacy"],
    }
    tenant_security_update(actor=tenant_a.owner, require_2fa_for_all=True)
    assert build(tenant_a)["security"]["two_factor"]["required_for_all"] is True


def test_the_widget_and_its_special_category_consent_show(tenant_a):
    assert "web_widget" not in codes(build(tenant_a), "processing")
    Widget.objects.create(
        tenant=tenant_a.tenant,
        shop=tenant_a.shop,
        pre_chat_fields=["email", "name"],
        special_category_consent=True,
        special_category_text="Health data?",
        special_category_text_version="v2",
    )
    record = build(tenant_a)
    assert {"code": "web_widget", "widgets": 1, "pre_chat_fields": ["email", "name"]} in (
        record["processing"]
    )
    assert {"code": "special_category_consent", "widgets": 1, "versions": ["v2"]} in (
        record["processing"]
    )
    assert "special_category" in record["data_categories"]


def test_policy_service_messages_follow_the_tenant_setting(tenant_a):
    assert "policy_service_messages" not in codes(build(tenant_a), "processing")
    tenant_a.tenant.send_policy_messages = True
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    assert "policy_service_messages" in codes(build(tenant_a), "processing")


def test_processor_controller_and_representatives(tenant_a, settings):
    settings.PROCESSOR_DPO_EMAIL = "dpo@example.test"
    record = build(tenant_a)
    assert record["processor"]["dpo"]["email"] == "dpo@example.test"
    controller = record["controller"]
    assert controller["name"] == "Alpha Shoes" and controller["data_region"] == "eu"
    roles = sorted(person["role"] for person in controller["representatives"])
    assert roles == ["owner", "privacy"]  # not admins, agents or viewers
    emails = {person["email"] for person in controller["representatives"]}
    assert tenant_a.members[Role.PRIVACY].user.email in emails


def test_security_measures_keys_chain_and_backups(tenant_a, settings):
    security = build(tenant_a)["security"]
    assert security["encryption"]["algorithm"] == "AES-256-GCM"
    assert security["encryption"]["data_keys"] == "per_contact"
    assert security["audit_chain"]["status"] in {"intact", "nothing_sealed"}
    # The platform's own backups (manage.py backup) are encrypted; the operator's
    # words (BACKUP_ENCRYPTION) are added to what the platform states.
    backups = security["backup_encryption"]
    assert backups["status"] == "configured" and "AES-256-GCM" in backups["description"]
    settings.BACKUP_ENCRYPTION = "storage bucket encrypted at rest"
    described = build(tenant_a)["security"]["backup_encryption"]["description"]
    assert described.startswith("manage.py backup") and "storage bucket" in described


def test_a_tenant_key_rotation_shows_as_the_last_rotation(tenant_a):
    from privacy.services.keys import tenant_key_rotate

    encryption = build(tenant_a)["security"]["encryption"]
    # The workspace's first key was never rotated.
    assert encryption["last_rotation"] is None
    version, _ = tenant_key_rotate(tenant_id=tenant_a.tenant.pk)
    encryption = build(tenant_a)["security"]["encryption"]
    assert encryption["tenant_key_version"] == version >= 2
    assert encryption["last_rotation"] is not None


def test_the_record_is_json_and_stable_when_nothing_changes(tenant_a):
    first = build(tenant_a, now=timezone.now())
    later = build(tenant_a, now=timezone.now() + dt.timedelta(hours=5))
    assert first["as_of"] != later["as_of"]  # the volatile part moves
    assert canonical(first) == canonical(later)  # what is hashed does not


def test_the_record_of_another_tenant_is_its_own(tenant_a, tenant_b):
    sms_number(tenant_b, "vonage", "+447700900009")
    assert "vonage" not in codes(build(tenant_a), "subprocessors")
    assert tenant_a.owner.user.email not in str(build(tenant_b))
