"""Forms of the change pages: they validate input; views hand the cleaned data to services."""

from __future__ import annotations

import json

from django import forms

from bimodal.changes.choices import RISK_QUESTIONS, ChangeType, Vote
from bimodal.changes.models import Change
from bimodal.core.forms import StyledFormMixin
from bimodal.portfolio.models import Service


class ChangeForm(StyledFormMixin, forms.ModelForm):
    """Raise or edit a draft change, with the risk questionnaire."""

    services = forms.ModelMultipleChoiceField(queryset=Service.objects.none(), label="Affected services")
    planned_start = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    planned_end = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace"}),
        help_text='Named artefacts as JSON, e.g. {"test_report": "https://…"}',
    )

    class Meta:
        model = Change
        fields = [
            "title",
            "change_type",
            "environment",
            "services",
            "description",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "planned_start",
            "planned_end",
            "evidence",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "implementation_plan", "backout_plan", "test_plan")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            Service.objects.restrict(user).select_related("mode").order_by("name")
        )
        for key, text in RISK_QUESTIONS:
            self.fields[f"risk_{key}"] = forms.BooleanField(required=False, label=text)
            if self.instance.pk:
                self.initial[f"risk_{key}"] = bool(self.instance.risk_answers.get(key))
        if self.instance.pk:
            self.initial["evidence"] = json.dumps(self.instance.evidence) if self.instance.evidence else ""
            self.initial["services"] = list(self.instance.services.all())
        self.style_widgets()

    def clean_evidence(self) -> dict:
        text = self.cleaned_data.get("evidence", "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("Give an object of name: value.")
        return value

    def _post_clean(self):
        # The service function validates the change (with its services); the form only parses input.
        pass

    @property
    def risk_questions(self):
        return [self[f"risk_{key}"] for key, _ in RISK_QUESTIONS]

    def change_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["services"] = list(data["services"])
        data["risk_answers"] = {key: self.cleaned_data[f"risk_{key}"] for key, _ in RISK_QUESTIONS}
        return data


class VoteForm(StyledFormMixin, forms.Form):
    """A CAB member's vote with a comment."""

    vote = forms.ChoiceField(choices=Vote.choices)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


STANDARD = ChangeType.STANDARD
