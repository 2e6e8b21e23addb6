from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platform_staff", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="tenant_emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
