"""The highest escalation raised per SLA clock, so that the periodic check looks for escalations due only
on the clocks that have passed a threshold above it (an index look-up per candidate) instead of an
anti-join over every escalation ever raised. Filled from the escalations already raised."""

from django.db import migrations, models


def _fill(apps, schema_editor) -> None:
    instance = schema_editor.quote_name(apps.get_model("servicedesk", "SlaInstance")._meta.db_table)
    escalation = schema_editor.quote_name(apps.get_model("servicedesk", "SlaEscalation")._meta.db_table)
    schema_editor.execute(
        f"UPDATE {instance} SET raised_threshold = (SELECT MAX(e.threshold) FROM {escalation} e "
        f"WHERE e.instance_id = {instance}.id) "
        f"WHERE EXISTS (SELECT 1 FROM {escalation} e WHERE e.instance_id = {instance}.id)"
    )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0012_sla_clock_fillfactor")]

    operations = [
        migrations.AddField(
            model_name="slainstance",
            name="raised_threshold",
            field=models.PositiveSmallIntegerField(
                db_default=0,
                default=0,
                help_text="The highest warning or breach (%) raised for this clock, or lower: the periodic "
                "check looks for escalations due only above it (a value too low costs a look-up, never a "
                "missed escalation).",
            ),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=False),
    ]
