"""The Mixpanel entry of the registry also names the setting that holds its
address (MIXPANEL_API_URL, issue 15), so the registry test covers the setting;
the host inside its value is still checked against api-eu.mixpanel.com only."""

from django.db import migrations

SETTING = "settings.MIXPANEL_API_URL"


def name_the_setting(apps, schema_editor):
    SubProcessor = apps.get_model("compliance", "SubProcessor")
    entry = SubProcessor.objects.filter(code="mixpanel").first()
    if entry is not None and SETTING not in entry.integrations:
        entry.integrations = [*entry.integrations, SETTING]
        entry.save(update_fields=["integrations"])


def unname_the_setting(apps, schema_editor):
    SubProcessor = apps.get_model("compliance", "SubProcessor")
    entry = SubProcessor.objects.filter(code="mixpanel").first()
    if entry is not None and SETTING in entry.integrations:
        entry.integrations = [name for name in entry.integrations if name != SETTING]
        entry.save(update_fields=["integrations"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0004_audit_requests_package_and_steps")]

    operations = [migrations.RunPython(name_the_setting, unname_the_setting)]
