from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_trickplay"),
    ]

    operations = [
        migrations.AddField(
            model_name="streamsource",
            name="validation_renditions",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
    ]
