from django.db import migrations, models
from django.db.models import Count


def close_duplicates(apps, schema_editor):
    """Earlier races may have left two conversations in progress for one contact
    and endpoint: the most recently active stays, the others are closed (their
    messages are kept) so the constraint can be added."""
    Conversation = apps.get_model("conversations", "Conversation")
    in_progress = Conversation.objects.exclude(status="closed")
    groups = (
        in_progress.values("tenant_id", "contact_id", "channel", "endpoint_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for group in groups:
        group.pop("n")
        ids = list(
            in_progress.filter(**group)
            .order_by("-last_activity_at", "-id")
            .values_list("id", flat=True)
        )
        Conversation.objects.filter(id__in=ids[1:]).update(status="closed", snoozed_until=None)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_widgets_and_events"),
        ("tenants", "0002_shop_auto_reply_text_shop_help_text"),
    ]

    operations = [
        migrations.RunPython(close_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=("tenant", "contact", "channel", "endpoint_id"),
                name="conv_one_open_per_endpoint",
            ),
        ),
    ]
