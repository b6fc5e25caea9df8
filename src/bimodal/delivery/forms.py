"""Forms of the delivery pages: they collect and validate input; the services write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from bimodal.core.forms import BootstrapFormMixin, set_choices
from bimodal.core.models import OrgUnit, Team, User
from bimodal.delivery.choices import InvestmentClass, RiskStatus
from bimodal.delivery.models import Budget, CapacityAllocation, Demand, Initiative, ScoringModel, TeamCapacity
from bimodal.delivery.services import DEMAND_FIELDS, SCORING_FIELDS
from bimodal.portfolio.models import Mode, Service

DATE = forms.DateInput(attrs={"type": "date"})


def _people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class DemandForm(BootstrapFormMixin, forms.ModelForm):
    """A demand's description and scoring factors."""

    class Meta:
        model = Demand
        fields = list(DEMAND_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "desired_start": DATE,
            "desired_end": DATE,
            "value": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "urgency": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "risk": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "strategic_fit": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Any org unit may raise demand: requesters pick theirs without seeing the organisation pages.
        set_choices(self, "org_unit", OrgUnit.objects.all())
        set_choices(self, "mode", Mode.objects.restrict(user, "view"))
        set_choices(self, "service", Service.objects.restrict(user, "view"))
        set_choices(self, "team", Team.objects.restrict(user, "view"))
        self.fields["approach"].help_text = "Blank: waterfall for a stability mode, agile otherwise."

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)

    def _post_clean(self):
        # The service validates the model; the form only collects values.
        pass


class ScoringModelForm(BootstrapFormMixin, forms.ModelForm):
    """New weights (saved as the next version)."""

    note = forms.CharField(max_length=255, help_text="Why the weights change (kept with the version).")

    class Meta:
        model = ScoringModel
        fields = list(SCORING_FIELDS)
        labels = {
            "weight_value": "Value",
            "weight_urgency": "Urgency",
            "weight_fit": "Strategic fit",
            "weight_risk": "Risk (lower is better)",
            "weight_cost": "Cost (lower is better)",
        }

    def _post_clean(self):
        pass


class InitiativeForm(BootstrapFormMixin, forms.ModelForm):
    """Start an initiative directly."""

    class Meta:
        model = Initiative
        fields = list(Initiative.START_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "baseline_start": DATE,
            "baseline_end": DATE,
            "services": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "org_unit", OrgUnit.objects.restrict(user, "view"))
        set_choices(self, "mode", Mode.objects.restrict(user, "view"))
        set_choices(self, "services", Service.objects.restrict(user, "view"))
        set_choices(self, "team", Team.objects.restrict(user, "view"))
        set_choices(self, "owner", _people())
        self.fields["owner"].required = False

    def _post_clean(self):
        pass


class InitiativeEditForm(BootstrapFormMixin, forms.Form):
    """The editable attributes of an initiative: owner, team, RAG override, WIP limits."""

    owner = forms.ModelChoiceField(queryset=User.objects.none())
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    rag_override = forms.ChoiceField(
        choices=[("", "Computed")] + [(c, c.title()) for c in ("green", "amber", "red")], required=False
    )
    rag_note = forms.CharField(max_length=255, required=False, label="RAG note")
    wip_ready = forms.IntegerField(min_value=1, required=False, label="WIP limit: Ready")
    wip_in_progress = forms.IntegerField(min_value=1, required=False, label="WIP limit: In progress")
    wip_review = forms.IntegerField(min_value=1, required=False, label="WIP limit: Review")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", _people())
        set_choices(self, "team", Team.objects.restrict(user, "view"))

    @classmethod
    def initial_for(cls, initiative: Initiative) -> dict:
        limits = initiative.wip_limits or {}
        return {
            "owner": initiative.owner_id,
            "team": initiative.team_id,
            "rag_override": initiative.rag_override,
            "rag_note": initiative.rag_note,
            "wip_ready": limits.get("ready"),
            "wip_in_progress": limits.get("in_progress"),
            "wip_review": limits.get("review"),
        }

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        limits = {
            column: data.pop(f"wip_{column}")
            for column in ("ready", "in_progress", "review")
            if data.get(f"wip_{column}")
        }
        for column in ("ready", "in_progress", "review"):
            data.pop(f"wip_{column}", None)
        data["wip_limits"] = limits
        return data


class CriterionForm(BootstrapFormMixin, forms.Form):
    """Mark a criterion met with its evidence, or not met."""

    met = forms.BooleanField(required=False)
    evidence = forms.CharField(max_length=500, required=False)


class NewCriterionForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=160, label="New criterion")


class PhaseForecastForm(BootstrapFormMixin, forms.Form):
    forecast_start = forms.DateField(widget=DATE, required=False)
    forecast_end = forms.DateField(widget=DATE)


class MilestoneForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=160)
    baseline_date = forms.DateField(widget=DATE)
    forecast_date = forms.DateField(widget=DATE, required=False)


class MilestoneUpdateForm(BootstrapFormMixin, forms.Form):
    forecast_date = forms.DateField(widget=DATE)
    actual_date = forms.DateField(widget=DATE, required=False)


class EpicForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(max_length=200, label="New epic")


class StoryForm(BootstrapFormMixin, forms.Form):
    """A new story for the backlog."""

    title = forms.CharField(max_length=200)
    points = forms.IntegerField(min_value=0, max_value=100, required=False)
    epic = forms.ModelChoiceField(queryset=None, required=False)
    sprint = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, initiative: Initiative, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "epic", initiative.epics.all())
        set_choices(self, "sprint", initiative.sprints.exclude(status="closed"))


class SprintForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=80)
    start = forms.DateField(widget=DATE, initial=timezone.localdate)
    goal = forms.CharField(max_length=255, required=False)


class RiskForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(max_length=200, label="Risk")
    probability = forms.IntegerField(min_value=1, max_value=5, initial=3)
    impact = forms.IntegerField(min_value=1, max_value=5, initial=3)
    status = forms.ChoiceField(choices=RiskStatus.choices, initial=RiskStatus.OPEN)
    mitigation = forms.CharField(required=False, max_length=1000)


class DependencyForm(BootstrapFormMixin, forms.Form):
    depends_on: forms.ModelChoiceField[Initiative] = forms.ModelChoiceField(queryset=None, label="Depends on")
    needed_by = forms.DateField(widget=DATE, required=False)
    description = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, initiative: Initiative, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "depends_on", Initiative.objects.restrict(user, "view").exclude(pk=initiative.pk))


class BudgetForm(BootstrapFormMixin, forms.Form):
    """A mode envelope (mode + class) or an initiative's budget."""

    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100)
    mode = forms.ModelChoiceField(queryset=Mode.objects.all(), required=False)
    investment_class = forms.ChoiceField(choices=[("", "—"), *InvestmentClass.choices], required=False)
    initiative = forms.ModelChoiceField(queryset=Initiative.objects.all(), required=False)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    note = forms.CharField(max_length=255, required=False)


class ActualForm(BootstrapFormMixin, forms.Form):
    """Spend in a month."""

    period = forms.DateField(widget=DATE, help_text="Any day of the month")
    mode = forms.ModelChoiceField(queryset=Mode.objects.all(), required=False)
    investment_class = forms.ChoiceField(choices=[("", "—"), *InvestmentClass.choices], required=False)
    initiative = forms.ModelChoiceField(queryset=Initiative.objects.all(), required=False)
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    description = forms.CharField(max_length=255, required=False)


class CapacityForm(BootstrapFormMixin, forms.Form):
    """A team's FTE for a mode."""

    team = forms.ModelChoiceField(queryset=Team.objects.all())
    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100)
    mode = forms.ModelChoiceField(queryset=Mode.objects.all())
    fte = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, label="FTE")


class AllocationForm(BootstrapFormMixin, forms.Form):
    """FTE of a team for an initiative or a mode's running."""

    team = forms.ModelChoiceField(queryset=Team.objects.all())
    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100)
    initiative = forms.ModelChoiceField(queryset=Initiative.objects.all(), required=False)
    mode = forms.ModelChoiceField(queryset=Mode.objects.all(), required=False)
    investment_class = forms.ChoiceField(choices=[("", "—"), *InvestmentClass.choices], required=False)
    fte = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, label="FTE")
    note = forms.CharField(max_length=255, required=False)


class WhatIfForm(BootstrapFormMixin, forms.Form):
    """Move FTE or money from a source row to a target."""

    source = forms.ChoiceField(choices=())
    target = forms.ChoiceField(choices=())
    quantity = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01)
    reason = forms.CharField(max_length=500, required=False, help_text="Required to apply.")

    def __init__(self, *args, fiscal_year: int, **kwargs):
        super().__init__(*args, **kwargs)

        capacity = [
            (f"capacity:{c.pk}", f"{c.team} — {c.mode.short_name} capacity ({c.fte} FTE)")
            for c in TeamCapacity.objects.filter(fiscal_year=fiscal_year).select_related("team", "mode")
        ]
        allocation = [
            (
                f"allocation:{a.pk}",
                f"{a.team} → {a.initiative.reference if a.initiative_id else a.mode.short_name + ' ' + a.investment_class} ({a.fte} FTE)",
            )
            for a in CapacityAllocation.objects.filter(fiscal_year=fiscal_year).select_related(
                "team", "mode", "initiative"
            )
        ]
        budget = [
            (
                f"budget:{b.pk}",
                f"{b.initiative.reference if b.initiative_id else b.mode.short_name + ' ' + b.investment_class + ' envelope'} ({b.amount})",
            )
            for b in Budget.objects.filter(fiscal_year=fiscal_year).select_related("mode", "initiative")
        ]
        self.fields["source"].choices = [
            ("", "— choose —"),
            ("Team capacity (FTE supply)", capacity),
            ("Allocations (FTE demand)", allocation),
            ("Budgets (money)", budget),
        ]
        self.fields["target"].choices = [
            ("", "— choose —"),
            ("Modes", [(f"mode:{m.pk}", str(m)) for m in Mode.objects.order_by("order")]),
            (
                "Initiatives",
                [
                    (f"initiative:{i.pk}", str(i))
                    for i in Initiative.objects.exclude(status__in=["completed", "cancelled"])
                ],
            ),
        ]
