"""Forms of the governance pages: policies, forums, decision requests and meetings."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from bimodal.core.forms import BootstrapFormMixin, StyledFormMixin
from bimodal.core.models import OrgUnit, User
from bimodal.governance.choices import CHANGE_TYPES, AgendaOutcome, ForumKind
from bimodal.governance.engine import SAMPLE_CONTEXT, sample_context
from bimodal.governance.models import DecisionType, Forum, Meeting, Policy
from bimodal.governance.services import POLICY_FIELDS
from bimodal.portfolio.models import Mode


class PolicyForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a policy (an edit saves a new version)."""

    modes = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None: every mode"
    )
    change_types = forms.MultipleChoiceField(
        required=False,
        choices=[(t, t) for t in CHANGE_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="None: every type",
    )
    criticalities = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=[(i, f"Tier {i}") for i in range(4)],
        widget=forms.CheckboxSelectMultiple,
        help_text="None: every tier",
    )
    evidence = forms.CharField(
        required=False,
        help_text=mark_safe(  # a constant: the keys are shown as code, as typed
            "Required artefacts, comma-separated (e.g. <code>test_report</code>, <code>security_scan</code>)"
        ),
    )
    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    class Meta:
        model = Policy
        fields = POLICY_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "expression": forms.Textarea(attrs={"rows": 3, "class": "font-monospace", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modes"].choices = list(Mode.objects.values_list("key", "name"))
        self.fields["approver_forum"].queryset = Forum.objects.all()
        if self.instance.pk:
            self.initial["evidence"] = ", ".join(self.instance.evidence or [])
        self.style_widgets()

    def clean_evidence(self) -> list[str]:
        return [item.strip() for item in self.cleaned_data.get("evidence", "").split(",") if item.strip()]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of policy_create / policy_update (without `reason`)."""
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}


class PolicyTryForm(PolicyForm):
    """A draft policy and an example change (JSON) to evaluate it against."""

    context = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        initial=lambda: json.dumps(sample_context(), indent=2),
        help_text="The example change: change, service and evidence maps.",
    )
    key = forms.SlugField(required=False, help_text="Key of the policy this draft would replace (optional)")

    def clean_context(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["context"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from exc
        if not isinstance(value, dict) or not all(
            isinstance(value.get(k), dict) for k in ("change", "service")
        ):
            raise forms.ValidationError("Give an object with “change” and “service” maps (and “evidence”).")
        value.setdefault("evidence", {})
        value["change"] = {**SAMPLE_CONTEXT["change"], **value["change"]}
        value["service"] = {**sample_context()["service"], **value["service"]}
        return value

    def _post_clean(self):
        # A draft is checked by the service function (policy_try), not saved: skip the model's validation.
        pass


class ForumForm(StyledFormMixin, forms.Form):
    """A forum's attributes and members; `service_fields()` maps onto forum_create / forum_update."""

    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=ForumKind.choices)
    charter = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cadence = forms.CharField(required=False, max_length=120, help_text="e.g. “Weekly, Tuesday 10:00”")
    quorum = forms.IntegerField(min_value=1, initial=2)
    chair = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (⌘ on a Mac) to select several people.",
    )
    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        self.fields["chair"].queryset = people
        self.fields["members"].queryset = people
        self.style_widgets()

    @classmethod
    def initial_for(cls, forum: Forum) -> dict:
        """Initial values from an existing forum."""
        return {
            "name": forum.name,
            "kind": forum.kind,
            "charter": forum.charter,
            "cadence": forum.cadence,
            "quorum": forum.quorum,
            "chair": forum.chair_id,
            "members": [m.pk for m in forum.members.all()],
        }

    def service_fields(self) -> dict:
        """The cleaned values as keyword arguments of the forum services (without `reason`)."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data["members"] = list(data["members"])
        return data


class DecisionRequestForm(StyledFormMixin, forms.Form):
    """Ask for a decision; it is routed when saved."""

    decision_type = forms.ModelChoiceField(queryset=DecisionType.objects.none(), to_field_name="key")
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, to_field_name="slug")
    mode = forms.ModelChoiceField(queryset=Mode.objects.none(), required=False, to_field_name="key")
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_type"].queryset = DecisionType.objects.order_by("order", "name")
        self.fields["org_unit"].queryset = (
            OrgUnit.objects.restrict(user, "view") if user else OrgUnit.objects.all()
        )
        self.fields["mode"].queryset = Mode.objects.all()
        self.style_widgets()

    def service_fields(self) -> dict:
        """Keyword arguments of decision_request_open (without actor)."""
        data = dict(self.cleaned_data)
        data["decision_type"] = data["decision_type"].key
        return data


class DecideForm(BootstrapFormMixin, forms.Form):
    """Approve or reject a decision request (optionally at a meeting of its forum)."""

    outcome = forms.ChoiceField(choices=[("approved", "Approve"), ("rejected", "Reject")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason / note")
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False)

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings
        self.style_widgets()


class MeetingForm(StyledFormMixin, forms.Form):
    """Plan a meeting of a forum."""

    scheduled_for = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class AttendanceForm(StyledFormMixin, forms.Form):
    """Who attends a meeting (the forum's chair and members, and guests)."""

    attendees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, forum=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = User.objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        )
        self.forum = forum
        self.style_widgets()


class MinutesForm(StyledFormMixin, forms.Form):
    """The minutes of a meeting."""

    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class AgendaRecordForm(StyledFormMixin, forms.Form):
    """What the forum did with one agenda item."""

    outcome = forms.ChoiceField(choices=[c for c in AgendaOutcome.choices if c[0]])
    notes = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class TopicForm(StyledFormMixin, forms.Form):
    """A free topic for the agenda."""

    topic = forms.CharField(max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
