"""portfolio 0009: modes still in the presets' old light colours take the darker colours that pass WCAG AA."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bimodal.core.colours import AA_TEXT_CONTRAST, contrast_ratio

BEFORE = [("portfolio", "0008_criteria_weights_onto_the_axis")]
AFTER = [("portfolio", "0009_mode_colours_that_pass_aa")]


@pytest.mark.django_db(transaction=True)
def test_preset_colours_are_darkened_and_chosen_colours_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    Mode = executor.loader.project_state(BEFORE).apps.get_model("portfolio", "Mode")
    Mode.objects.all().delete()
    for order, (key, colour) in enumerate(
        [("fast", "#E07A1F"), ("green", "#2e8b57"), ("chosen", "#7b2d8e"), ("light", "#ffcc00")]
    ):
        Mode.objects.create(key=key, name=key, colour=colour, order=order)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    colours = dict(Mode.objects.values_list("key", "colour"))
    assert colours == {"fast": "#b45309", "green": "#2a7a4f", "chosen": "#7b2d8e", "light": "#ffcc00"}
    assert contrast_ratio("#ffffff", colours["fast"]) >= AA_TEXT_CONTRAST
    assert contrast_ratio("#ffffff", colours["green"]) >= AA_TEXT_CONTRAST
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
