"""Forms of the governance pages: the policy editor and the policy try-out."""

from __future__ import annotations

import json

from django import forms

from bimodal.core.forms import StyledFormMixin
from bimodal.core.models import User
from bimodal.governance.choices import CHANGE_TYPES, ForumKind
from bimodal.governance.engine import SAMPLE_CONTEXT
from bimodal.governance.models import Forum, Policy
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
        required=False, help_text="Required artefacts, comma-separated (e.g. test_report, security_scan)"
    )
    reason = forms.CharField(required=False, max_length=500, help_text="Why (recorded in the audit log)")

    class Meta:
        model = Policy
        fields = [
            "name",
            "description",
            "policy_set",
            "priority",
            "enabled",
            "modes",
            "change_types",
            "criticalities",
            "expression",
            "effect",
            "message",
            "approver_role",
            "approver_forum",
            "approvals_required",
            "evidence",
        ]
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

    def policy_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return data


class PolicyTryForm(PolicyForm):
    """A draft policy and an example change (JSON) to evaluate it against."""

    context = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        initial=json.dumps(SAMPLE_CONTEXT, indent=2),
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
        value["service"] = {**SAMPLE_CONTEXT["service"], **value["service"]}
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
