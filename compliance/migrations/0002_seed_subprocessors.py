"""The registry as the platform stands when it is first deployed.

Twilio, Vonage and Mixpanel are the providers the code base's SDKs talk to.
The hosting, reporting and email entries name a default provider: the operator
edits them (Django admin or a later announced change) to the ones actually
contracted, and the registry test (compliance/tests/test_registry_covers_
integrations.py) keeps the code's outbound integrations mapped to some entry.
``since`` is the day the registry started; later entries come through
compliance.subprocessors.services.subprocessor_change_announce.
"""

import datetime as dt

from django.db import migrations

SINCE = dt.date(2026, 1, 1)

ENTRIES = [
    {
        "code": "twilio",
        "name": "Twilio Inc.",
        "purpose_en": "Sends and receives the SMS of workspaces' phone numbers held on Twilio.",
        "purpose_fr": (
            "Envoie et reçoit les SMS des numéros de téléphone des espaces hébergés chez Twilio."
        ),
        "data_categories": ["message_content", "contact_details"],
        "country": "US",
        "safeguard": "scc_dpf",
        "integrations": ["twilio", "twilio.com"],
    },
    {
        "code": "vonage",
        "name": "Vonage Holdings Corp.",
        "purpose_en": "Sends and receives the SMS of workspaces' phone numbers held on Vonage.",
        "purpose_fr": (
            "Envoie et reçoit les SMS des numéros de téléphone des espaces hébergés chez Vonage."
        ),
        "data_categories": ["message_content", "contact_details"],
        "country": "US",
        "safeguard": "scc",
        # The SDK comes as three distributions; rest.nexmo.com is its SMS API host.
        "integrations": [
            "vonage",
            "vonage_sms",
            "vonage_http_client",
            "vonage.com",
            "nexmo.com",
        ],
    },
    {
        "code": "mixpanel",
        "name": "Mixpanel, Inc. (EU data residency)",
        "purpose_en": (
            "Product analytics: anonymous usage events, no personal data; stored in the EU "
            "(EU data residency, api-eu.mixpanel.com)."
        ),
        "purpose_fr": (
            "Statistiques d'usage du produit : événements anonymes, aucune donnée "
            "personnelle ; stockés dans l'UE (résidence des données UE, api-eu.mixpanel.com)."
        ),
        "data_categories": [],
        # Stored in the EU; Mixpanel, Inc. is a US company, hence the safeguard.
        "country": "EU",
        "safeguard": "scc_dpf",
        # Only the EU ingestion host: a call to api.mixpanel.com (US storage) fails the test.
        "integrations": ["mixpanel", "api-eu.mixpanel.com"],
    },
    {
        "code": "hosting",
        "name": "Scaleway SAS (default hosting provider: the operator edits this entry)",
        "purpose_en": (
            "Hosts the platform: servers, the PostgreSQL database, Redis and their encrypted "
            "backups, in Paris."
        ),
        "purpose_fr": (
            "Héberge la plateforme : serveurs, base de données PostgreSQL, Redis et leurs "
            "sauvegardes chiffrées, à Paris."
        ),
        "data_categories": [
            "message_content",
            "contact_identity",
            "contact_details",
            "notes",
            "special_category",
            "staff_accounts",
            "login_data",
            "audit_records",
        ],
        "country": "FR",
        "safeguard": "eu",
        # PostgreSQL and Redis run there: their addresses are these settings.
        "integrations": [
            "settings.DATABASE_URL",
            "settings.REDIS_URL",
            "settings.CELERY_BROKER_URL",
            "psycopg",
            "redis",
        ],
    },
    {
        "code": "reporting",
        "name": "Metabase, Inc. (Metabase Cloud, Frankfurt region)",
        "purpose_en": (
            "Business reporting on the identifiers-only reporting database: ids, codes, "
            "dates and counts; no content, names, numbers or addresses."
        ),
        "purpose_fr": (
            "Tableaux de bord sur la base de reporting qui ne contient que des identifiants : "
            "identifiants, codes, dates et décomptes ; aucun contenu, nom, numéro ni adresse."
        ),
        "data_categories": [],
        "country": "DE",
        "safeguard": "scc",
        "integrations": ["metabaseapp.com", "settings.REPORTING_DATABASE_URL"],
    },
    {
        "code": "email",
        "name": "Brevo (Sendinblue SAS; default email relay: the operator edits this entry)",
        "purpose_en": (
            "Relays the platform's transactional email to the workspaces' staff (invitations, "
            "notices, requests): EMAIL_HOST points at it."
        ),
        "purpose_fr": (
            "Relaie les e-mails transactionnels de la plateforme vers le personnel des espaces "
            "(invitations, avis, demandes) : EMAIL_HOST pointe vers lui."
        ),
        "data_categories": ["staff_accounts"],
        "country": "FR",
        "safeguard": "eu",
        "integrations": ["settings.EMAIL_HOST", "smtp-relay.brevo.com", "smtplib"],
    },
]


def seed(apps, schema_editor):
    SubProcessor = apps.get_model("compliance", "SubProcessor")
    for entry in ENTRIES:
        SubProcessor.objects.update_or_create(
            code=entry["code"], defaults={**entry, "since": SINCE}
        )


def unseed(apps, schema_editor):
    SubProcessor = apps.get_model("compliance", "SubProcessor")
    SubProcessor.objects.filter(code__in=[e["code"] for e in ENTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
