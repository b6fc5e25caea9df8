"""A partial index of finished changes by their last update: the gate's failure rate reads the
window's finished changes from it instead of walking every change of the service."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0008_change_and_deployment_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="change",
            index=models.Index(
                condition=models.Q(("result__in", ["backed_out", "completed", "failed"])),
                fields=["updated_at"],
                include=("result",),
                name="change_finished_idx",
            ),
        ),
    ]
