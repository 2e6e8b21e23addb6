"""One word per idea: a stored webhook is a delivery (live-feed and audit rows
are events). The tables are renamed; stored payloads keep their associated data
(the field names the former model)."""

from django.db import migrations, models

import privacy.fields


class Migration(migrations.Migration):
    dependencies = [
        ("channels_sms", "0001_sms_channels"),
        ("tenants", "0003_invitation_delivery"),
    ]

    operations = [
        migrations.RenameModel("InboundEvent", "WebhookDelivery"),
        migrations.RenameModel("UnroutedEvent", "UnroutedDelivery"),
        migrations.RenameIndex(
            model_name="webhookdelivery",
            new_name="sms_delivery_tenant_state",
            old_name="sms_event_tenant_state",
        ),
        migrations.RemoveConstraint(model_name="webhookdelivery", name="sms_event_once"),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.UniqueConstraint(
                fields=("tenant", "provider", "kind", "provider_message_id", "provider_status"),
                name="sms_delivery_once",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="payload",
            field=privacy.fields.EncryptedJSONField(
                context_label="channels_sms.inboundevent", subject="tenant_id"
            ),
        ),
    ]
