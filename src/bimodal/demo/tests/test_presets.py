"""The demo under every preset: the same bank, its services spread across every mode, loaded once."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count

from bimodal.delivery.models import Budget, TeamCapacity
from bimodal.demo import data
from bimodal.demo.loader import PresetConflict, load_demo
from bimodal.demo.tests.conftest import FAST_HASHER
from bimodal.governance.models import Policy
from bimodal.people.models import SkillRequirement
from bimodal.portfolio.models import Mode, Service
from bimodal.portfolio.presets import PRESETS

pytestmark = pytest.mark.django_db


def _modes(preset: str) -> list[Mode]:
    keys = [spec["key"] for spec in PRESETS[preset]]
    return sorted(Mode.objects.filter(key__in=keys), key=lambda m: m.exploration)


@pytest.fixture(scope="module", params=sorted(PRESETS))
def loaded(request, django_db_setup, django_db_blocker):
    """(preset, first load's result) with the demo loaded into that preset's modes, rolled back after."""
    with django_db_blocker.unblock(), FAST_HASHER:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield request.param, load_demo(preset=request.param)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_mode_of_the_preset_has_services(loaded, db):
    preset, result = loaded
    assert result.total > 0
    counts = dict(Mode.objects.annotate(n=Count("services")).values_list("key", "n"))
    modes = _modes(preset)
    assert len(modes) == len(PRESETS[preset])
    assert all(counts[m.key] >= 3 for m in modes), counts
    assert sum(counts[m.key] for m in modes) == Service.objects.count() == len(data.SERVICES)


def test_services_sit_in_the_mode_nearest_their_place(loaded, db):
    preset, _result = loaded
    modes = _modes(preset)
    most_stable, most_exploratory = modes[0], modes[-1]
    assert Service.objects.get(slug="core-banking").mode == most_stable
    assert Service.objects.get(slug="mobile-banking-app").mode == most_exploratory
    for spec in data.SERVICES:
        mode = Service.objects.get(slug=spec["slug"]).mode
        nearest = min(abs(m.exploration - spec["place"]) for m in modes)
        assert abs(mode.exploration - spec["place"]) == nearest, spec["slug"]
    if len(modes) > 2:
        middle = [m for m in modes if Decimal("0") < m.exploration < Decimal("1")]
        assert set(Service.objects.filter(mode__in=middle).values_list("slug", flat=True)) == set(
            data.MIDDLE_SERVICES
        )


def test_mode_keyed_data_uses_the_preset_modes(loaded, db):
    preset, _result = loaded
    modes = _modes(preset)
    ends = {modes[0].pk, modes[-1].pk}
    required = set(SkillRequirement.objects.exclude(mode=None).values_list("mode_id", flat=True))
    assert required == ends
    budgeted = set(Budget.objects.filter(initiative=None).values_list("mode_id", flat=True))
    staffed = set(TeamCapacity.objects.values_list("mode_id", flat=True))
    assert {m.pk for m in modes} <= budgeted & staffed
    generated = set(Policy.objects.filter(is_current=True).values_list("policy_set", flat=True))
    assert {f"profile:{m.key}" for m in modes} <= generated


def test_a_second_load_writes_nothing(loaded, db):
    preset, _result = loaded
    assert load_demo(preset=preset).total == 0


def test_loading_under_another_preset_is_refused_and_writes_nothing(loaded, db):
    """The demo lives under one preset per database: another preset is refused with the way out."""
    from bimodal.core.models import AuditEntry

    preset, _result = loaded
    other = next(p for p in sorted(PRESETS) if p != preset)
    before = AuditEntry.objects.count(), Mode.objects.count()
    with pytest.raises(
        PresetConflict, match=f"under the {preset} preset.*--preset {other} into a fresh database"
    ):
        load_demo(preset=other)
    assert (AuditEntry.objects.count(), Mode.objects.count()) == before


def test_an_unknown_preset_is_refused(db):
    with pytest.raises(ValueError, match="Unknown preset"):
        load_demo(preset="quadmodal")
