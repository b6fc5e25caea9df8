"""The presets' lighter mode colours carried white badge text below WCAG AA (4.5:1): Mode 2's orange
#e07a1f (3.0:1) and the pace-layered green #2e8b57 (4.1:1). Modes still in one of those exact preset colours
take the darker preset colour (#b45309, 5.0:1; #2a7a4f, 5.3:1); a colour an administrator chose is kept."""

from django.db import migrations

DARKER = {"#e07a1f": "#b45309", "#2e8b57": "#2a7a4f"}


def darker(apps, schema_editor):
    Mode = apps.get_model("portfolio", "Mode")
    for old, new in DARKER.items():
        Mode.objects.filter(colour__iexact=old).update(colour=new)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0008_criteria_weights_onto_the_axis")]

    operations = [migrations.RunPython(darker, migrations.RunPython.noop)]
