"""One field specification per model: the services' keyword arguments, the API's write serializers and the
pages' forms name the same fields as the tuples in `delivery.services`, so none of them can drift."""

from bimodal.core.tests.fieldspec import NOT_FIELDS, spec_mismatches
from bimodal.delivery import forms, services
from bimodal.delivery.api import serializers as s


def _writable(serializer_class, *, parent: str = "") -> set[str]:
    """The fields a client may write through a read-and-create serializer (without the parent object)."""
    fields = serializer_class().fields
    return {name for name, field in fields.items() if not field.read_only} - NOT_FIELDS - {parent}


def test_demand_fields_are_named_once():
    assert not spec_mismatches(
        services.DEMAND_FIELDS,
        services={services.demand_create: (), services.demand_update: ("demand",)},
        serializer=s.DemandWriteSerializer,
        form=forms.DemandForm,
    )


def test_scoring_model_fields_are_named_once():
    assert not spec_mismatches(
        services.SCORING_FIELDS,
        services={services.scoring_model_update: ("rescore",)},
        form=forms.ScoringModelForm,
    )
    assert _writable(s.ScoringModelSerializer) == set(services.SCORING_FIELDS)


def test_initiative_fields_are_named_once():
    assert not spec_mismatches(
        services.INITIATIVE_FIELDS,
        services={services.initiative_create: ()},
        serializer=s.InitiativeWriteSerializer,
        form=forms.InitiativeForm,
        # The page starts an initiative; its RAG override and WIP limits are edited on the initiative.
        form_omits=("rag_override", "rag_note", "sprint_length_days", "wip_limits"),
    )
    assert not spec_mismatches(
        services.INITIATIVE_EDITABLE, services={services.initiative_update: ("initiative",)}
    )
    assert set(services.INITIATIVE_EDITABLE) < set(services.INITIATIVE_FIELDS)


def test_risk_fields_are_named_once():
    assert not spec_mismatches(
        services.RISK_FIELDS,
        services={services.risk_create: ("initiative",), services.risk_update: ("risk",)},
        serializer=s.RiskUpdateSerializer,
        form=forms.RiskForm,
        form_omits=("owner",),  # the initiative page logs a risk without naming its owner
    )
    assert _writable(s.RiskSerializer, parent="initiative") == set(services.RISK_FIELDS)


def test_phase_fields_are_named_once():
    assert not spec_mismatches(
        services.PHASE_FIELDS,
        services={services.phase_update: ("phase",)},
        serializer=s.PhaseWriteSerializer,
        form=forms.PhaseForecastForm,
    )


def test_milestone_fields_are_named_once():
    assert not spec_mismatches(
        services.MILESTONE_FIELDS,
        services={services.milestone_create: ("initiative",)},
        form=forms.MilestoneForm,
        form_omits=("phase", "actual_date"),
    )
    assert _writable(s.MilestoneSerializer, parent="initiative") == set(services.MILESTONE_FIELDS)
    assert not spec_mismatches(
        services.MILESTONE_EDITABLE,
        services={services.milestone_update: ("milestone",)},
        serializer=s.MilestoneUpdateSerializer,
        form=forms.MilestoneUpdateForm,
        form_omits=("name",),
    )


def test_epic_and_story_fields_are_named_once():
    assert not spec_mismatches(
        services.EPIC_FIELDS, services={services.epic_update: ("epic",)}, serializer=s.EpicUpdateSerializer
    )
    assert not spec_mismatches(
        services.STORY_FIELDS,
        services={services.story_update: ("story",)},
        serializer=s.StoryUpdateSerializer,
    )
