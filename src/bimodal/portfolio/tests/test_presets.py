"""Mode presets: each is a valid, self-consistent set of modes."""

import pytest
from django.core.exceptions import ValidationError

from bimodal.core.colours import AA_TEXT_CONTRAST, contrast_ratio
from bimodal.portfolio.choices import ChangeApproval, KpiSet, ReleaseCadence
from bimodal.portfolio.models import Mode
from bimodal.portfolio.presets import PRESETS


def test_the_three_presets_exist():
    assert list(PRESETS) == ["bimodal", "trimodal", "pace-layered"]
    assert [len(PRESETS[p]) for p in PRESETS] == [2, 3, 3]


@pytest.mark.parametrize("preset", list(PRESETS))
def test_keys_names_and_short_names_are_unique_within_a_preset(preset):
    for attribute in ("key", "name", "short_name", "colour"):
        values = [spec[attribute] for spec in PRESETS[preset]]
        assert len(values) == len(set(values)), attribute


@pytest.mark.parametrize("preset", list(PRESETS))
def test_white_badge_text_on_each_mode_colour_is_readable(preset):
    # Mode badges are white text on the mode's colour; charts draw the modes in these colours too.
    for spec in PRESETS[preset]:
        assert contrast_ratio("#ffffff", spec["colour"]) >= AA_TEXT_CONTRAST, spec["key"]


def test_keys_are_unique_across_presets():
    # Applying one preset after another must add modes, not rename the earlier ones.
    keys = [spec["key"] for specs in PRESETS.values() for spec in specs]
    names = [spec["name"] for specs in PRESETS.values() for spec in specs]
    assert len(keys) == len(set(keys))
    assert len(names) == len(set(names))


@pytest.mark.django_db
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_mode_of_a_preset_is_valid(preset):
    for order, spec in enumerate(PRESETS[preset], start=1):
        candidate = Mode(**spec, order=order)
        try:
            candidate.full_clean(validate_unique=False)
        except ValidationError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{preset}/{spec['key']}: {exc.message_dict}")


@pytest.mark.parametrize("preset", list(PRESETS))
def test_governance_runs_from_strict_to_agile(preset):
    """Each preset spans a CAB-governed, change-windowed mode and an automated, on-demand one."""
    specs = PRESETS[preset]
    stable = [s for s in specs if s["change_approval"] == ChangeApproval.CAB]
    agile = [s for s in specs if s["change_approval"] == ChangeApproval.AUTOMATED]
    assert len(stable) == 1 and len(agile) == 1
    assert stable[0]["change_windows_required"] and not stable[0]["deployment_gate"]
    assert stable[0]["kpi_set"] == KpiSet.STABILITY
    assert agile[0]["release_cadence"] == ReleaseCadence.ON_DEMAND
    assert agile[0]["deployment_gate"] and agile[0]["standard_changes_preapproved"]
    assert agile[0]["kpi_set"] == KpiSet.FLOW
