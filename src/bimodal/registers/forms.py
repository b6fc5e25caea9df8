"""Forms of the register pages: they display and validate input; views hand cleaned data to services."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import StyledFormMixin
from bimodal.core.models import OrgUnit, Team, User
from bimodal.portfolio import selectors as portfolio_selectors
from bimodal.registers import risk
from bimodal.registers.choices import (
    DECISIONS_A_REVIEW_MAY_GIVE,
    STAGE_TRANSITIONS,
    EthicsDecision,
    RegisterStage,
)
from bimodal.registers.models import AIUseCase, CloudAccount, LowCodeApp
from bimodal.registers.services import AIUSECASE_FIELDS, CLOUDACCOUNT_FIELDS, LOWCODE_FIELDS


class StyledForm(StyledFormMixin):
    """Register forms call `self.style()` once their fields are complete."""

    def style(self) -> None:
        self.style_widgets()


def _people():
    return User.objects.filter(is_active=True).order_by("username")


class _ItemForm(StyledForm, forms.ModelForm):
    """Common set-up: references restricted to what the user may see."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = _people()
            self.fields["owner"].initial = self.fields["owner"].initial or user.pk
        for name in ("owner_team", "support_team"):
            if name in self.fields:
                self.fields[name].queryset = Team.objects.restrict(user, "view")
        for name in ("integrations", "services"):
            if name in self.fields:
                self.fields[name].queryset = (
                    portfolio_selectors.service_list(user=user).prefetch_related(None).select_related(None)
                )
                self.fields[name].widget.attrs["size"] = 6
        if "stage" in self.fields:
            self.fields["stage"].choices = self._stage_choices()
        self.style()

    def _stage_choices(self) -> list:
        """A new item: any stage but promoted (its own step). An existing one: where it is and where it may
        go next (the services enforce the transitions; this only keeps impossible ones off the menu)."""
        choices = [c for c in self.fields["stage"].choices if c[0]]
        if not self.instance.pk:
            return [c for c in choices if c[0] != RegisterStage.PROMOTED]
        current = self.instance.stage
        allowed = {current} | (STAGE_TRANSITIONS.get(current, set()) - {RegisterStage.PROMOTED})
        return [c for c in choices if c[0] in allowed]

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk and "stage" not in self.changed_data:
            # An unchanged stage is not a transition (a promoted app stays promoted through an edit).
            data.pop("stage", None)
        return data


class LowCodeAppForm(_ItemForm):
    """Register or change a low-code app."""

    class Meta:
        model = LowCodeApp
        fields = [name for name in LOWCODE_FIELDS if name != "slug"]  # the service derives the slug
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["business_unit"].queryset = OrgUnit.objects.restrict(user, "view")


class AIUseCaseForm(_ItemForm):
    """Register an AI use case and answer the risk questions (one checkbox each)."""

    class Meta:
        model = AIUseCase
        # The slug comes from the name; the risk answers are one checkbox per question (data_for_service).
        fields = [name for name in AIUSECASE_FIELDS if name not in ("slug", "risk_answers")]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "human_oversight": forms.Textarea(attrs={"rows": 2}),
            "monitoring": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        answers = self.instance.risk_answers if self.instance.pk else {}
        for q in risk.AI_QUESTIONS:
            self.fields[f"q_{q.key}"] = forms.BooleanField(
                required=False,
                label=q.text,
                initial=answers.get(q.key, False),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    @property
    def question_fields(self):
        return [self[f"q_{q.key}"] for q in risk.AI_QUESTIONS]

    @property
    def main_fields(self):
        return [self[n] for n in self.Meta.fields]

    def data_for_service(self) -> dict:
        data = {k: v for k, v in super().data_for_service().items() if not k.startswith("q_")}
        data["risk_answers"] = {q.key: bool(self.cleaned_data.get(f"q_{q.key}")) for q in risk.AI_QUESTIONS}
        return data


class CloudAccountForm(_ItemForm):
    """Register or change a cloud account."""

    class Meta:
        model = CloudAccount
        fields = [name for name in CLOUDACCOUNT_FIELDS if name != "slug"]  # the service derives the slug
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PromoteForm(StyledForm, forms.Form):
    """Promote a low-code app into the catalogue."""

    mode = forms.ModelChoiceField(queryset=None, to_field_name="key")
    owner_team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="slug"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].queryset = portfolio_selectors.mode_list(user=user)
        self.fields["owner_team"].queryset = Team.objects.restrict(user, "view")
        self.style()


class DecideForm(StyledForm, forms.Form):
    """The ethics review decision."""

    ethics_decision = forms.ChoiceField(
        choices=[c for c in EthicsDecision.choices if c[0] in DECISIONS_A_REVIEW_MAY_GIVE], label="Decision"
    )
    conditions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ImportForm(StyledForm, forms.Form):
    """CSV upload or pasted text."""

    file = forms.FileField(required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), label="…or paste CSV")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError("The file is larger than 2 MB.")
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        if not data.get("text"):
            raise forms.ValidationError("Choose a CSV file or paste CSV text.")
        return data


class FilterSelect(forms.SelectMultiple):
    """A single-choice select for a multi-valued filter: one value from the bar, several from a URL."""

    allow_multiple_selected = False

    def __init__(self, attrs=None, choices=(), empty_label: str = "Any"):
        super().__init__(attrs, choices)
        self.empty_label = empty_label

    def value_from_datadict(self, data, files, name):
        # "Any" submits an empty value: no filter, not an invalid choice.
        return [value for value in super().value_from_datadict(data, files, name) or [] if value]

    def optgroups(self, name, value, attrs=None):
        any_option = self.create_option(name, "", self.empty_label, not value, 0, attrs=attrs)
        return [(None, [any_option], 0), *super().optgroups(name, value, attrs)]


def style_filter_form(form: forms.Form) -> None:
    """Compact widgets for the filter bar: one select per multi-valued filter, "Any" for yes/no ones."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.SelectMultiple):
            field.widget = FilterSelect(attrs={"class": "form-select form-select-sm"}, choices=field.choices)
        elif isinstance(field.widget, forms.NullBooleanSelect):
            field.widget = forms.Select(
                attrs={"class": "form-select form-select-sm"},
                choices=[("", "Any"), ("true", "Yes"), ("false", "No")],
            )
        else:
            field.widget.attrs["class"] = "form-control form-control-sm"
