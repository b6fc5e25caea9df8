"""Forms of the people pages."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import label_choices
from bimodal.core.models import Team, User
from bimodal.people.choices import ProficiencyLevel
from bimodal.people.models import Skill
from bimodal.people.services import SKILL_FIELDS
from bimodal.portfolio import selectors as portfolio_selectors
from bimodal.portfolio.models import Mode, Service


class TeamModeForm(forms.Form):
    """Choose a team (and a mode) to analyse."""

    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", required=False
    )
    mode: forms.ModelChoiceField[Mode] = forms.ModelChoiceField(
        queryset=None, to_field_name="key", required=False
    )

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
        label_choices(self.fields)
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"


class SkillForm(forms.ModelForm):
    """Add a skill to the catalogue or change one."""

    class Meta:
        model = Skill
        fields = [name for name in SKILL_FIELDS if name != "slug"]  # the service derives the slug
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, f in self.fields.items():
            f.widget.attrs["class"] = "form-select" if name == "skill_area" else "form-control"


class RequirementForm(forms.Form):
    """One entry of a skill profile: a mode or a service needs `headcount` people at `min_level` or above.

    On a new entry the skill and the mode or service are chosen; on an existing one they are fixed."""

    mode: forms.ModelChoiceField[Mode] = forms.ModelChoiceField(
        queryset=None, to_field_name="key", required=False
    )
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", required=False
    )
    skill: forms.ModelChoiceField[Skill] = forms.ModelChoiceField(queryset=None, to_field_name="slug")
    min_level = forms.TypedChoiceField(
        choices=ProficiencyLevel.choices, coerce=int, initial=ProficiencyLevel.PRACTITIONER, label="Level"
    )
    headcount = forms.IntegerField(min_value=1, max_value=999, initial=1, label="People needed")
    notes = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, user, requirement=None, **kwargs):
        if requirement is not None:
            kwargs.setdefault(
                "initial",
                {
                    "min_level": requirement.min_level,
                    "headcount": requirement.headcount,
                    "notes": requirement.notes,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.restrict(user, "view")
        self.fields["mode"].queryset = portfolio_selectors.mode_list(user=user)
        self.fields["service"].queryset = (
            portfolio_selectors.service_list(user=user).prefetch_related(None).select_related(None)
        )
        self.fields["mode"].help_text = "A mode's profile applies to every team working in it."
        self.fields["service"].help_text = "…or a service's profile applies to its owner team."
        if requirement is not None:
            for name in ("skill", "mode", "service"):
                del self.fields[name]
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
