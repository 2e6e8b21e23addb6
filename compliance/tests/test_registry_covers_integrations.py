"""The sub-processor registry names every outbound integration of the code base.

A new SDK client, a URL to a new host, or a new address setting with no
registry entry fails here: announce the sub-processor (or, for something that
is not one, say why in compliance/subprocessors/integrations.py).
"""

import textwrap

import pytest

from compliance.models import SubProcessor
from compliance.subprocessors import integrations as checker

pytestmark = pytest.mark.django_db

OWN = {"channels_sms", "compliance", "instaply"}


def _registry():
    # Retired entries do not count: the code must not still use what was replaced.
    return list(SubProcessor.objects.filter(retired_on__isnull=True))


def test_every_outbound_integration_has_a_registry_entry():
    found = checker.outbound_integrations()
    missing = checker.uncovered(found, _registry())
    assert not missing, "Outbound integrations with no sub-processor entry:\n" + "\n".join(
        str(i) for i in missing
    )


def test_the_checker_sees_the_integrations_the_platform_has():
    # Guards the guard: a checker that finds nothing would pass the test above.
    found = {(i.kind, i.name) for i in checker.outbound_integrations()}
    assert ("sdk", "twilio") in found
    assert ("sdk", "vonage") in found
    assert ("setting", "settings.EMAIL_HOST") in found
    assert ("setting", "settings.DATABASE_URL") in found


def test_a_module_importing_an_unknown_sdk_client_fails():
    source = textwrap.dedent(
        """
        import stripe
        from channels_sms.models import PhoneNumber

        def charge():
            return stripe.Charge.create(amount=1)
        """
    )
    found = checker.scan_source(source, where="billing/charges.py", own=OWN)
    assert [(i.kind, i.name, i.where) for i in found] == [("sdk", "stripe", "billing/charges.py:2")]
    assert checker.uncovered(found, _registry()) == found


def test_an_unclassified_third_party_import_is_a_finding_until_someone_classifies_it():
    found = checker.scan_source("import acme_cloud\nimport json\n", where="x.py", own=OWN)
    assert [i.name for i in found] == ["acme_cloud"]
    assert checker.uncovered(found, _registry()) == found


def test_known_sdks_map_to_their_entries():
    source = "from twilio.rest import Client\nfrom vonage_sms import SmsMessage\nimport requests\n"
    found = checker.scan_source(source, where="x.py", own=OWN)
    assert [i.name for i in found] == ["twilio", "vonage_sms"]
    assert checker.uncovered(found, _registry()) == []


def test_a_url_to_an_unknown_host_in_code_fails():
    source = 'ENDPOINT = "https://hooks.acme-analytics.io/v1/events"\n'
    found = checker.scan_source(source, where="x.py", own=OWN)
    assert [(i.kind, i.name) for i in found] == [("host", "hooks.acme-analytics.io")]
    assert checker.uncovered(found, _registry()) == found


def test_a_url_on_a_known_domain_is_covered_by_its_entry():
    found = checker.scan_source('URL = "https://api.twilio.com/2010-04-01"\n', where="x", own=OWN)
    assert checker.uncovered(found, _registry()) == []


def test_mixpanel_outside_its_eu_residency_is_not_covered():
    # The entry names the EU ingestion host only: the US one would break the promise.
    found = checker.scan_source('HOST = "https://api.mixpanel.com/track"\n', where="x", own=OWN)
    assert checker.uncovered(found, _registry()) == found


def test_a_settings_host_with_no_entry_fails():
    values = {"ACME_API_URL": "https://api.acme.io/v2", "DEBUG": False}
    found = checker.scan_settings(values)
    assert {(i.kind, i.name) for i in found} == {
        ("setting", "settings.ACME_API_URL"),
        ("host", "api.acme.io"),
    }
    assert set(checker.uncovered(found, _registry())) == set(found)


def test_a_host_valued_setting_counts_even_when_it_holds_a_bare_name():
    found = checker.scan_settings({"EMAIL_HOST": "smtp.acme-mail.io"})
    names = {i.name for i in checker.uncovered(found, _registry())}
    # The setting is the email entry's; the host it names now is not.
    assert names == {"smtp.acme-mail.io"}


def test_loopback_and_reserved_names_are_explained_not_counted():
    values = {
        "SOME_URL": "http://127.0.0.1:8025",
        "OTHER": ["http://localhost/x", "https://shop.example/", "http://[::1]:9000"],
    }
    found = checker.scan_settings(values)
    assert [i.name for i in found] == ["settings.SOME_URL"]
    assert checker.local_host("127.0.0.1") == "loopback"
    assert checker.local_host("shop.example").startswith("a reserved")
    assert checker.local_host("api.twilio.com") is None


def test_the_platforms_own_addresses_are_explained():
    found = checker.scan_settings(
        {
            "ALLOWED_HOSTS": ["instaply.eu"],
            "PUBLIC_BASE_URL": "https://app.instaply.eu",
            "SMS_SIMULATOR_URL": "http://127.0.0.1:8025",
            "USE_X_FORWARDED_HOST": True,
        }
    )
    assert found == []
    for name in ("ALLOWED_HOSTS", "PUBLIC_BASE_URL", "SMS_SIMULATOR_URL"):
        assert checker.EXPLAINED_SETTINGS[name]


def test_postgresql_and_redis_are_the_hosting_entry():
    hosting = SubProcessor.objects.get(code="hosting")
    found = checker.scan_settings(
        {"DATABASE_URL": "postgres://db.internal", "REDIS_URL": "redis://cache.internal"}
    )
    settings_found = [i for i in found if i.kind == "setting"]
    assert checker.uncovered(settings_found, [hosting]) == []


def test_the_operator_corrects_a_default_entry_in_the_admin_and_it_is_audited():
    from audit import actions
    from audit.models import AuditEvent
    from tenants.tests.factories import UserFactory
    from web.tests.helpers import verified_client

    admin_client = verified_client(UserFactory(is_superuser=True, is_staff=True))

    hosting = SubProcessor.objects.get(code="hosting")
    url = f"/admin/compliance/subprocessor/{hosting.pk}/change/"
    assert admin_client.get(url).status_code == 200
    form = {
        "name": "OVH SAS",
        "purpose_en": hosting.purpose_en,
        "purpose_fr": hosting.purpose_fr,
        "data_categories": '["message_content"]',
        "country": "FR",
        "safeguard": "eu",
        "integrations": '["settings.DATABASE_URL"]',
    }
    assert admin_client.post(url, form).status_code == 302
    hosting.refresh_from_db()
    assert hosting.name == "OVH SAS"
    [event] = AuditEvent.objects.dangerously_unscoped(reason="test").filter(
        action=actions.SUBPROCESSOR_EDITED
    )
    assert "name" in event.metadata["fields"]
    assert admin_client.get("/admin/compliance/subprocessor/add/").status_code == 403


def test_what_is_not_counted_is_explained_with_its_reason(settings):
    settings.SMS_SIMULATOR_URL = "http://127.0.0.1:8025"
    explained = []
    checker.outbound_integrations(explained=explained)
    why = {(i.kind, i.name): reason for i, reason in explained}
    assert "own provider simulator" in why[("setting", "settings.SMS_SIMULATOR_URL")]
    assert why[("host", "127.0.0.1")] == "loopback"
    assert "HTTP" in why[("sdk", "requests")]  # the SMS providers' transport
    assert all(reason for _, reason in explained)
