"""The record's entries for issue 15's processing: product analytics, staff login
data and the identifiers-only reporting database, from live configuration.

Each entry says what the code does today, not what a policy hopes: where the
analytics events go (Mixpanel's host, or nowhere without a token), whether this
workspace opted out, how long login data is kept, and which columns the
reporting database holds (read from its models, so a new column shows here).
"""

from django.conf import settings
from django.db import connections

from analytics.reporting.models import ConversationFact, MessageFact
from analytics.reporting.reader_role import READABLE_TABLES
from analytics.sending import destination
from tenants.models import Tenant

# Each column of a login session that says something about the person, by the
# word the record uses for it. test_records_analytics fails when a column is added
# to LoginSession without a word here (or in LOGIN_DATA_BOOKKEEPING).
LOGIN_DATA_FIELDS = {
    "ip": "ip_address",
    "country": "country",
    "browser_family": "browser_os_device",
    "os_family": "browser_os_device",
    "device_family": "browser_os_device",
    "referrer_host": "referrer_host",
    "routes": "pages_used",
    "started_at": "times",
    "last_active_at": "times",
    "ended_at": "times",
    "active_seconds": "time_spent",
}
# Columns that only run the session (which person, which Django session, why it ended).
LOGIN_DATA_BOOKKEEPING = {"id", "user", "session_key", "platform_staff", "end_reason"}


def analytics_processing(tenant: Tenant) -> list[dict]:
    return [_product_analytics(tenant), _login_data(), _reporting_database()]


def _product_analytics(tenant: Tenant) -> dict:
    return {
        "code": "product_analytics",
        # Mixpanel's host, or "" when no token is set: the local recording sink,
        # nothing leaves the machine (analytics.sending).
        "destination": destination(),
        "opted_out": tenant.analytics_opt_out,
        # The distinct id is an HMAC of the workspace under a secret of the month,
        # deleted when the month ends (analytics.pseudonyms).
        "distinct_id": "workspace_pseudonym_monthly",
    }


def _login_data() -> dict:
    return {
        "code": "login_data",
        "collected": list(dict.fromkeys(LOGIN_DATA_FIELDS.values())),
        "widget_visitors": ["browser_family", "device_family"],
        "purposes": ["administration", "abuse_defence"],
        "retention_days": settings.LOGIN_DATA_RETENTION_DAYS,
    }


def _reporting_database() -> dict:
    return {
        "code": "reporting_database",
        "engine": connections["reporting"].vendor,
        "tables": {
            model._meta.db_table: sorted(field.column for field in model._meta.concrete_fields)
            for model in (ConversationFact, MessageFact)
        },
        # The BI provider's role reads these tables only (reader_role.py); the
        # platform console shows counts and the extract's progress.
        "bi_readable": sorted(READABLE_TABLES),
    }
