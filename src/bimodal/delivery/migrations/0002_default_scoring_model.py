"""Seed version 1 of the demand scoring model with the default weights."""

from django.db import migrations


def seed(apps, schema_editor):
    ScoringModel = apps.get_model("delivery", "ScoringModel")
    if not ScoringModel.objects.exists():
        ScoringModel.objects.create(version=1, note="Default weights")


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
