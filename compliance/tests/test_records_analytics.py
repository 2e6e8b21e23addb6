"""The record describes issue 15's processing as the code does it: product
analytics (where events go, this workspace's opt-out), staff login data and the
identifiers-only reporting database."""

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone
from django.utils.translation import override

from analytics.login_data.models import LoginSession
from analytics.reporting.models import ConversationFact, MessageFact
from analytics.reporting.reader_role import READABLE_TABLES
from analytics.services import analytics_opt_out_set
from compliance.models import SubProcessor
from compliance.records.analytics import LOGIN_DATA_BOOKKEEPING, LOGIN_DATA_FIELDS
from compliance.records.build import record_of_processing
from compliance.records.present import present
from compliance.records.snapshot import records_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mixpanel_entry(db):
    SubProcessor.objects.get_or_create(
        code="mixpanel",
        defaults={
            "name": "Mixpanel",
            "purpose_en": "Product analytics",
            "purpose_fr": "Statistiques d'usage",
            "data_categories": [],
            "country": "EU",
            "safeguard": SubProcessor.Safeguard.SCC_DPF,
            "since": dt.date(2020, 1, 1),
        },
    )


@pytest.fixture
def token(settings):
    settings.MIXPANEL_TOKEN = "project-token"
    settings.MIXPANEL_API_URL = "https://api-eu.mixpanel.com"
    return settings


def build(world):
    world.tenant.refresh_from_db()
    return record_of_processing(world.tenant, now=timezone.now())


def entry(record, code):
    [found] = [e for e in record["processing"] if e["code"] == code]
    return found


def shown(record, code, language="en"):
    with override(language):
        [found] = [e for e in present(record)["processing"] if e["code"] == code]
        return f"{found['title']} ({found['detail']})"


def subprocessor_codes(record):
    return {s["code"] for s in record["subprocessors"]}


def test_without_a_token_nothing_is_sent_and_mixpanel_is_no_subprocessor(tenant_a, settings):
    settings.MIXPANEL_TOKEN = ""
    record = build(tenant_a)
    analytics = entry(record, "product_analytics")
    assert analytics == {
        "code": "product_analytics",
        "destination": "",
        "opted_out": False,
        "distinct_id": "workspace_pseudonym_monthly",
    }
    assert "not sent: recorded on the platform only" in shown(record, "product_analytics")
    assert "mixpanel" not in subprocessor_codes(record)


def test_with_a_token_events_go_to_the_configured_host(tenant_a, token):
    token.MIXPANEL_API_URL = "https://eu.ingest.example.test/"
    record = build(tenant_a)
    assert entry(record, "product_analytics")["destination"] == "eu.ingest.example.test"
    text = shown(record, "product_analytics")
    assert "sent from our servers to eu.ingest.example.test" in text
    assert "pseudonym of your workspace that changes every month" in text
    assert "mixpanel" in subprocessor_codes(record)
    assert "envoyés depuis nos serveurs à eu.ingest.example.test" in shown(
        record, "product_analytics", "fr"
    )


def test_the_opt_out_shows_and_takes_mixpanel_off_the_subprocessors(tenant_a, token):
    analytics_opt_out_set(membership=tenant_a.owner, opted_out=True)
    record = build(tenant_a)
    assert entry(record, "product_analytics")["opted_out"] is True
    text = shown(record, "product_analytics")
    assert "your workspace opted out: none of its events are recorded or sent" in text
    assert "sent from our servers" not in text
    assert "mixpanel" not in subprocessor_codes(record)

    analytics_opt_out_set(membership=tenant_a.owner, opted_out=False)
    record = build(tenant_a)
    assert entry(record, "product_analytics")["opted_out"] is False
    assert "opted out" not in shown(record, "product_analytics")
    assert "mixpanel" in subprocessor_codes(record)


def test_an_opt_out_makes_a_new_version_of_the_record(tenant_a, token):
    first = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    analytics_opt_out_set(membership=tenant_a.owner, opted_out=True)
    second = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    assert second is not None and second.version == first.version + 1
    assert {"processing", "subprocessors"} <= set(second.changed)


def test_every_column_of_a_login_session_is_named_or_bookkeeping():
    columns = {field.name for field in LoginSession._meta.concrete_fields}
    assert columns == set(LOGIN_DATA_FIELDS) | LOGIN_DATA_BOOKKEEPING


def test_login_data_names_what_is_kept_why_and_how_long(tenant_a, settings):
    settings.LOGIN_DATA_RETENTION_DAYS = 200
    record = build(tenant_a)
    login = entry(record, "login_data")
    assert login["retention_days"] == 200
    assert login["purposes"] == ["administration", "abuse_defence"]
    assert set(login["collected"]) == set(LOGIN_DATA_FIELDS.values())
    text = shown(record, "login_data")
    for words in (
        "administer the service and defend it against abuse",
        "IP address",
        "pages and API routes used",
        "kept 200 days",
        "website visitors: browser and device families only",
    ):
        assert words in text
    # The platform-wide retention line says the same.
    assert record["retention"]["platform"]["login_data_days"] == 200


def test_the_reporting_database_lists_its_real_columns_and_reader(tenant_a):
    reporting = entry(build(tenant_a), "reporting_database")
    assert reporting["engine"] == connections["reporting"].vendor
    for model in (ConversationFact, MessageFact):
        columns = {field.column for field in model._meta.concrete_fields}
        assert set(reporting["tables"][model._meta.db_table]) == columns
    assert reporting["bi_readable"] == sorted(READABLE_TABLES)
    text = shown(build(tenant_a), "reporting_database")
    assert "no content, names, numbers or addresses" in text
    assert "read by the reporting provider through a read-only role" in text
