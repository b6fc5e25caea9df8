"""Forms of the insights pages: the period/breakdown picker and the maturity assessment."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import (
    AutocompleteChoiceField,
    AutocompleteSelect,
    BootstrapFormMixin,
    StyledFormMixin,
)
from bimodal.core.models import OrgUnit, Team
from bimodal.insights.choices import Definitions
from bimodal.insights.selectors import GROUPS, PERIODS
from bimodal.portfolio.models import Mode, Service


class ScopeForm(BootstrapFormMixin, forms.Form):
    """Period, breakdown and filters of a dashboard (GET)."""

    days = forms.TypedChoiceField(choices=PERIODS, coerce=int, required=False, initial=90)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(choices=GROUPS, required=False, label="Break down by")
    service = AutocompleteChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        # Thousands of services: a searchable text field, not a <select> of them all.
        widget=AutocompleteSelect("portfolio:service_options", attrs={"placeholder": "Any service"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", required=False, empty_label="Any team"
    )
    mode = forms.ModelChoiceField(
        queryset=Mode.objects.none(), to_field_name="key", required=False, empty_label="Any mode"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The pickers offer what the user may see (the service picker asks for suggestions as one types).
        if user is not None:
            self.fields["service"].queryset = Service.objects.restrict(user, "view").order_by("name")
            self.fields["team"].queryset = Team.objects.restrict(user, "view").order_by("name")
            self.fields["mode"].queryset = Mode.objects.order_by("order")


class MetricSettingsForm(forms.Form):
    """The definitions of DORA's four keys the figures follow."""

    definitions = forms.ChoiceField(choices=Definitions.choices, widget=forms.RadioSelect)


class AssessmentForm(StyledFormMixin, forms.Form):
    """An org unit, a date and notes; the scores come as one score/target/evidence field per area."""

    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), to_field_name="slug")
    assessed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, areas=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.restrict(user, "view").order_by("name")
        self.areas = list(areas)
        choices = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
        for area in self.areas:
            self.fields[f"score_{area.pk}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, required=False, empty_value=None, label=f"{area.name} score"
            )
            self.fields[f"target_{area.pk}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                initial=area.default_target,
                label="target",
            )
            self.fields[f"evidence_{area.pk}"] = forms.CharField(required=False, label="evidence")
        self.style_widgets()

    def scores(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "area": area,
                "score": data.get(f"score_{area.pk}"),
                "target": data.get(f"target_{area.pk}"),
                "evidence": data.get(f"evidence_{area.pk}", ""),
            }
            for area in self.areas
            if data.get(f"score_{area.pk}") is not None
        ]

    def rows(self):
        return [
            (area, self[f"score_{area.pk}"], self[f"target_{area.pk}"], self[f"evidence_{area.pk}"])
            for area in self.areas
        ]
