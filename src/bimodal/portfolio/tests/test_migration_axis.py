"""portfolio 0007: old questionnaires' per-mode weights that follow the axis are put on the axis."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = (
    [("portfolio", "0007_counter")],
    [("portfolio", "0008_criteria_weights_onto_the_axis")],
)
OPTIONS = [{"value": "low", "label": "Low", "score": 0}, {"value": "high", "label": "High", "score": 4}]


@pytest.mark.django_db(transaction=True)
def test_weights_that_follow_the_axis_are_put_on_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    questionnaire = old.get_model("portfolio", "Questionnaire").objects.create(version=90, name="v90")
    Criterion = old.get_model("portfolio", "Criterion")

    def criterion(key: str, weights: dict) -> int:
        return Criterion.objects.create(
            questionnaire=questionnaire,
            key=key,
            label=key,
            dimension="risk",
            options=OPTIONS,
            mode_weights=weights,
        ).pk

    # mode-1 sits at 0.00 (stability), mode-2 at 1.00 (exploration).
    cost = criterion("cost-of-change", {"mode-1": 1, "mode-2": -1})
    demand = criterion("demand", {"mode-1": -0.5, "mode-2": 1})
    mixed = criterion("mixed", {"mode-1": 1, "mode-2": 0.5})
    one_sided = criterion("one-sided", {"mode-1": 1})
    unknown = criterion("unknown", {"gone": 1, "mode-2": -1})
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    axes = dict(Criterion.objects.filter(questionnaire=questionnaire).values_list("pk", "axis"))
    assert axes == {cost: -1, demand: 1, mixed: 0, one_sided: 0, unknown: 0}
    assert Criterion.objects.get(pk=cost).mode_weights == {"mode-1": 1, "mode-2": -1}  # kept
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
