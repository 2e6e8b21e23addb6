from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0007_tenant_reopen_window_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="assign_on_reply",
            field=models.BooleanField(default=True),
        ),
    ]
