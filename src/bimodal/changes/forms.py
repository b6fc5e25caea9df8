"""Forms of the change pages: they validate input; views hand the cleaned data to services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.safestring import mark_safe

from bimodal.changes import selectors
from bimodal.changes.choices import RELEASE_OPEN, RISK_QUESTIONS, ChangeType, Environment, Vote, WindowKind
from bimodal.changes.models import Change, ChangeWindow, Release, StandardChangeTemplate
from bimodal.changes.services import CHANGE_FIELDS, HORIZON_MONTHS, RELEASE_FIELDS, TEMPLATE_FIELDS
from bimodal.core.forms import StyledFormMixin
from bimodal.portfolio.choices import Hosting, ReleaseCadence
from bimodal.portfolio.models import Mode, Service


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
        help_text=mark_safe('Named artefacts as JSON, e.g. <code>{"test_report": "https://…"}</code>'),
    )

    class Meta:
        model = Change
        fields = [name for name in CHANGE_FIELDS if name != "risk_answers"]  # asked as yes/no questions
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "implementation_plan", "backout_plan", "test_plan")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            selectors.raisable_services(user).select_related("mode").order_by("name")
        )
        joined = Q(pk=self.instance.release_id) if self.instance.release_id else Q(pk__in=[])
        self.fields["release"].queryset = (
            Release.objects.filter(Q(status__in=RELEASE_OPEN) | joined)
            .select_related("mode")
            .order_by("planned_date", "pk")
        )
        self.fields["release"].help_text = "Blank: the next open release of the mode's train."
        for key, text in RISK_QUESTIONS:
            self.fields[f"risk_{key}"] = forms.BooleanField(required=False, label=text)
            if self.instance.pk:
                self.initial[f"risk_{key}"] = bool(self.instance.risk_answers.get(key))
        if self.instance.pk:
            self.initial["evidence"] = json.dumps(self.instance.evidence) if self.instance.evidence else ""
            self.initial["services"] = list(self.instance.services.all())
        if self.instance.template_id:
            # A standard change's type and plans are its template's.
            for name in ("change_type", "implementation_plan", "backout_plan", "test_plan"):
                self.fields[name].disabled = True
        else:
            # A standard change is raised from a template of the catalogue, not typed by hand.
            self.fields["change_type"].choices = [
                (value, label) for value, label in ChangeType.choices if value != ChangeType.STANDARD
            ]
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

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of change_create / change_update."""
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


DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WindowForm(StyledFormMixin, forms.Form):
    """A change window or freeze and its scope; `service_fields()` maps onto window_create / window_update."""

    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=WindowKind.choices)
    start = forms.DateTimeField(widget=DATETIME_LOCAL)
    end = forms.DateTimeField(widget=DATETIME_LOCAL)
    modes = forms.ModelMultipleChoiceField(
        queryset=Mode.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Neither modes nor services: the whole estate.",
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (⌘ on a Mac) to select several services.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modes"].queryset = Mode.objects.order_by("order")
        self.fields["services"].queryset = (
            Service.objects.restrict(user).select_related("mode").order_by("name")
        )
        self.style_widgets()

    @classmethod
    def initial_for(cls, window: ChangeWindow) -> dict:
        """Initial values from an existing window."""
        return {
            "name": window.name,
            "kind": window.kind,
            "start": window.start,
            "end": window.end,
            "modes": [m.pk for m in window.modes.all()],
            "services": [s.pk for s in window.services.all()],
            "description": window.description,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of the window services (with `reason`)."""
        data = dict(self.cleaned_data)
        data["modes"] = list(data["modes"])
        data["services"] = list(data["services"])
        return data


class RescheduleForm(StyledFormMixin, forms.Form):
    """A change manager moves an approved or scheduled change to a new slot, saying why."""

    planned_start = forms.DateTimeField(label="New planned start", widget=DATETIME_LOCAL)
    planned_end = forms.DateTimeField(label="New planned end", widget=DATETIME_LOCAL)
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "The planned end must be after the planned start.")
        return data


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReleaseForm(StyledFormMixin, forms.ModelForm):
    """Add or move a release of a mode's train (release managers)."""

    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    class Meta:
        model = Release
        fields = list(RELEASE_FIELDS)
        widgets = {"planned_date": DATE, "cutoff_date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].queryset = Mode.objects.order_by("order")
        self.style_widgets()

    def _post_clean(self):
        # The service validates the release; the form only parses input.
        pass

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of release_create / release_update."""
        return {name: self.cleaned_data[name] for name in RELEASE_FIELDS}


class GenerateTrainForm(StyledFormMixin, forms.Form):
    """Generate a mode's release train from its cadence for the coming months."""

    mode = forms.ModelChoiceField(queryset=Mode.objects.none(), to_field_name="key")
    months = forms.IntegerField(min_value=1, max_value=36, initial=HORIZON_MONTHS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].queryset = Mode.objects.exclude(
            release_cadence=ReleaseCadence.ON_DEMAND
        ).order_by("order")
        self.style_widgets()


class TemplateForm(StyledFormMixin, forms.ModelForm):
    """Propose a standard-change template, or its next version (TEMPLATE_FIELDS)."""

    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="The services it covers; none: every service of the modes and hostings below.",
    )
    modes = forms.ModelMultipleChoiceField(
        queryset=Mode.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    hostings = forms.MultipleChoiceField(
        choices=Hosting.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The kinds of service it covers (by hosting); none: any.",
    )
    review_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    class Meta:
        model = StandardChangeTemplate
        fields = list(TEMPLATE_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "implementation_plan", "backout_plan", "test_plan")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            Service.objects.restrict(user).select_related("mode").order_by("name")
        )
        self.fields["modes"].queryset = Mode.objects.order_by("order")
        if self.instance.pk:
            self.initial["services"] = list(self.instance.services.all())
            self.initial["modes"] = list(self.instance.modes.all())
        self.style_widgets()

    def _post_clean(self):
        # The service function validates the template; the form only parses input.
        pass

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of template_propose / template_revise."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["services"] = list(data["services"])
        data["modes"] = list(data["modes"])
        data["hostings"] = list(data["hostings"])
        data["reason"] = self.cleaned_data.get("reason", "")
        return data


class TemplateActionForm(StyledFormMixin, forms.Form):
    """Approve, suspend or retire a template, saying why."""

    reason = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class RaiseFromTemplateForm(StyledFormMixin, forms.Form):
    """Raise a standard change from a template: which of its services, when, and what for. The plans
    are the template's."""

    title = forms.CharField(max_length=200, required=False, help_text="Empty: the template's name")
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.none(), label="Affected services")
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    planned_start = forms.DateTimeField(required=False, widget=DATETIME_LOCAL)
    planned_end = forms.DateTimeField(required=False, widget=DATETIME_LOCAL)
    evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace"}),
        help_text=mark_safe(
            'Named artefacts as JSON, e.g. <code>{"tests_passed": true, "security_scan": "pass"}</code>'
        ),
    )

    def __init__(self, *args, user, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            selectors.template_services(template, user).select_related("mode").order_by("name")
        )
        for key, text in RISK_QUESTIONS:
            self.fields[f"risk_{key}"] = forms.BooleanField(required=False, label=text)
        self.style_widgets()

    @property
    def risk_questions(self):
        return [self[f"risk_{key}"] for key, _ in RISK_QUESTIONS]

    clean_evidence = ChangeForm.clean_evidence

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of change_create_from_template."""
        data = {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "services",
                "environment",
                "description",
                "planned_start",
                "planned_end",
                "evidence",
            )
        }
        data["services"] = list(data["services"])
        data["risk_answers"] = {key: self.cleaned_data[f"risk_{key}"] for key, _ in RISK_QUESTIONS}
        return data
