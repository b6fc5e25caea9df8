"""Questionnaires written before modes had a place on the axis weighed each criterion per mode key. A
criterion whose weights follow the axis (every stable mode's weight one sign, every exploratory mode's
the other) is put on the axis, so it classifies coherently under any preset; its per-mode weights are kept
(they count again if the axis is set back to "not on the axis"). Criteria whose weights do not follow the
axis stay as they are."""

from decimal import Decimal

from django.db import migrations

MIDDLE = Decimal("0.50")


def weights_onto_axis(apps, schema_editor):
    Mode = apps.get_model("portfolio", "Mode")
    Criterion = apps.get_model("portfolio", "Criterion")
    places = dict(Mode.objects.values_list("key", "exploration"))
    for criterion in Criterion.objects.filter(axis=0).exclude(mode_weights={}):
        weights = criterion.mode_weights if isinstance(criterion.mode_weights, dict) else {}
        stable = [w for key, w in weights.items() if key in places and places[key] < MIDDLE and w]
        exploratory = [w for key, w in weights.items() if key in places and places[key] > MIDDLE and w]
        if not stable or not exploratory:
            continue
        if all(w > 0 for w in stable) and all(w < 0 for w in exploratory):
            Criterion.objects.filter(pk=criterion.pk).update(axis=-1)  # a high answer speaks for stability
        elif all(w < 0 for w in stable) and all(w > 0 for w in exploratory):
            Criterion.objects.filter(pk=criterion.pk).update(axis=1)  # a high answer speaks for exploration


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0007_counter")]

    operations = [migrations.RunPython(weights_onto_axis, migrations.RunPython.noop)]
