"""One word per idea: a row of the tenant's live feed is a FeedEvent (audit rows
are AuditEvents, stored webhooks are deliveries)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0003_one_open_conversation_per_endpoint"),
    ]

    operations = [
        migrations.RenameModel("Event", "FeedEvent"),
        migrations.RenameIndex(
            model_name="feedevent", new_name="feed_event_tenant_seq", old_name="event_tenant_seq"
        ),
    ]
