from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dsr", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="datasubjectrequest",
            name="outcome_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
