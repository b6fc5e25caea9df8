"""Forms of the people pages."""

from __future__ import annotations

from django import forms

from bimodal.core.models import Team, User
from bimodal.people.choices import ProficiencyLevel
from bimodal.people.models import Skill
from bimodal.portfolio import selectors as portfolio_selectors


class TeamModeForm(forms.Form):
    """Choose a team (and a mode) to analyse."""

    team = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False)
    mode = forms.ModelChoiceField(queryset=None, to_field_name="key", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.restrict(user, "view").exclude(supplier__isnull=False)
        self.fields["mode"].queryset = portfolio_selectors.mode_list(user=user)
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm"


class ProficiencyForm(forms.Form):
    """Record a person's proficiency in a skill."""

    person = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), to_field_name="username")
    skill = forms.ModelChoiceField(queryset=Skill.objects.all(), to_field_name="slug")
    proficiency_level = forms.TypedChoiceField(choices=ProficiencyLevel.choices, coerce=int, label="Level")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.has_perm("people.manage_all_proficiency"):
            self.fields["person"].queryset = User.objects.filter(is_active=True, teams__lead=user).distinct()
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"
