"""Forms of the portfolio pages: they display and validate input; views hand the cleaned data to services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from bimodal.core.forms import StyledFormMixin, set_choices
from bimodal.core.models import Team, User
from bimodal.portfolio.choices import DependencyKind, StepStatus
from bimodal.portfolio.models import BusinessCapability, Mode, RegulatoryTag, Service
from bimodal.portfolio.services import CRITERION_FIELDS, MODE_FIELDS, SERVICE_FIELDS

MAX_IMPORT_BYTES = 2 * 1024 * 1024


# --- filter bar -----------------------------------------------------------------------------------

# (filter, label, "any" option)
FILTER_BAR = [
    ("mode", "Mode", "Any mode"),
    ("lifecycle", "Lifecycle", "Any lifecycle"),
    ("criticality", "Criticality", "Any tier"),
    ("owner_team", "Owner team", "Any team"),
    ("hosting", "Hosting", "Any hosting"),
    ("support_coverage", "Coverage", "Any coverage"),
    ("regulatory_tag", "Regulatory scope", "Any regulation"),
    ("supplier", "Supplier", "Any supplier"),
]


class FilterSelect(forms.SelectMultiple):
    """A single-choice select for a multi-valued filter: one value from the bar, several from a URL."""

    allow_multiple_selected = False

    def __init__(self, attrs=None, choices=(), empty_label: str = "Any"):
        super().__init__(attrs, choices)
        self.empty_label = empty_label

    def value_from_datadict(self, data, files, name):
        # "Any" submits an empty value: it means no filter, not an invalid choice.
        return [value for value in super().value_from_datadict(data, files, name) or [] if value]

    def optgroups(self, name, value, attrs=None):
        any_option = self.create_option(name, "", self.empty_label, not value, 0, attrs=attrs)
        return [(None, [any_option], 0), *super().optgroups(name, value, attrs)]


def prepare_filter_form(form: forms.Form, user) -> list[forms.BoundField]:
    """Restrict the filter choices to what `user` may see and return the bar's select fields."""
    querysets = {
        "mode": Mode.objects.restrict(user),
        "owner_team": Team.objects.restrict(user),
        "capability": BusinessCapability.objects.restrict(user),
        "regulatory_tag": RegulatoryTag.objects.restrict(user),
        "supplier": Service.supplier.field.related_model.objects.restrict(user),
    }
    form.fields["q"].widget.attrs.update(
        {
            "class": "form-control form-control-sm",
            "placeholder": "Name, slug or description",
            "type": "search",
        }
    )
    shown = []
    for name, label, empty_label in FILTER_BAR:
        field = form.fields[name]
        field.label = label
        field.widget = FilterSelect(attrs={"class": "form-select form-select-sm"}, empty_label=empty_label)
        if name in querysets:
            field.queryset = querysets[name]
        # One query per select: the widget renders from a list, validation still uses the queryset.
        field.widget.choices = list(field.choices)
        shown.append(name)
    for name, queryset in querysets.items():
        if name not in shown:
            form.fields[name].queryset = queryset
    return [form[name] for name in shown]


# --- services -------------------------------------------------------------------------------------


class ServiceForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a service; the mode is chosen on create only (afterwards it changes by reclassification)."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for the change",
        help_text="Optional; recorded in the audit log.",
    )
    documentation_url = forms.URLField(
        required=False, max_length=200, assume_scheme="https", label="Documentation URL"
    )

    class Meta:
        model = Service
        fields = [name for name in SERVICE_FIELDS if name != "slug"]  # the service derives the slug
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "regulatory_tags": forms.CheckboxSelectMultiple,
        }
        labels = {"capability": "Business capability", "regulatory_tags": "Regulatory scope"}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            del self.fields["mode"]
        else:
            del self.fields["reason"]
            set_choices(self, "mode", Mode.objects.restrict(user))
        current_team = self.instance.owner_team_id if editing else None
        if user.has_perm("portfolio.manage_all_services"):
            teams = Team.objects.restrict(user)
        else:
            teams = Team.objects.filter(Q(members=user) | Q(lead=user) | Q(pk=current_team)).distinct()
        set_choices(self, "owner_team", teams)
        if user.has_perm("core.view_user"):
            people = User.objects.filter(is_active=True)
        else:
            # Without the right to browse people: the members and leads of the teams they may choose.
            people = User.objects.filter(
                Q(is_active=True, teams__in=teams)
                | Q(is_active=True, led_teams__in=teams)
                | Q(pk=self.instance.service_owner_id if editing else None)
            ).distinct()
        set_choices(self, "service_owner", people)
        set_choices(self, "capability", BusinessCapability.objects.restrict(user))
        set_choices(self, "regulatory_tags", RegulatoryTag.objects.restrict(user))
        set_choices(self, "supplier", Service.supplier.field.related_model.objects.restrict(user))
        self.style_widgets()

    def service_fields(self) -> dict:
        """The cleaned values for the service function (without the reason)."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data["regulatory_tags"] = list(data.get("regulatory_tags") or [])
        return data


class DependencyForm(StyledFormMixin, forms.Form):
    """Record that this service depends on another."""

    target = forms.ModelChoiceField(queryset=Service.objects.none(), label="Depends on")
    kind = forms.ChoiceField(choices=DependencyKind.choices, initial=DependencyKind.RUNTIME)
    description = forms.CharField(required=False, max_length=255)

    def __init__(self, *args, service: Service, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "target",
            (Service.objects.restrict(user).exclude(pk=service.pk).select_related("mode").order_by("name")),
        )
        self.fields["description"].widget.attrs["placeholder"] = "What for (optional)"
        self.style_widgets()


class ChangeModeForm(StyledFormMixin, forms.Form):
    """Move a service to another mode, with the reason that the audit log keeps."""

    mode = forms.ModelChoiceField(queryset=Mode.objects.none(), label="New mode", empty_label=None)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Required: why the service changes mode (e.g. the readiness assessment result).",
    )

    def __init__(self, *args, service: Service, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "mode", Mode.objects.restrict(user).exclude(pk=service.mode_id))
        self.style_widgets()


class ServiceImportForm(StyledFormMixin, forms.Form):
    """A CSV file of services to import."""

    file = forms.FileField(label="CSV file", help_text="UTF-8 text, at most 2 MB, in the template's columns.")
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run",
        help_text="Check every row and show what would change; write nothing.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"
        self.style_widgets()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB. Split it into parts."
            )
        raw = upload.read()
        try:
            self.cleaned_data["text"] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"The file is not UTF-8 text (undecodable byte at position {exc.start}). "
                "Save it as “CSV UTF-8” and try again."
            ) from exc
        return upload


# --- modes ----------------------------------------------------------------------------------------


class ModeForm(StyledFormMixin, forms.ModelForm):
    """Edit a mode's name and governance profile."""

    reason = forms.CharField(
        required=False, max_length=500, label="Reason for the change", help_text="Recorded in the audit log."
    )

    class Meta:
        model = Mode
        fields = [*MODE_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "colour": forms.TextInput(attrs={"type": "color"}),
        }
        labels = {
            "kpi_set": "KPI set",
            "standard_changes_preapproved": "Standard changes pre-approved",
            "order": "Display order",
            "exploration": "Place on the axis (0 stability … 1 exploration)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
        self.fields["colour"].widget.attrs["class"] = "form-control form-control-color"

    def mode_fields(self) -> dict:
        """The cleaned values for `mode_update` (without the reason)."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        return data


# --- assessment, proposals, pathways -------------------------------------------------------------------


class ModeTryForm(StyledFormMixin, forms.Form):
    """A sample change or deployment of a mode, to run through the policy engine ("try it")."""

    change_type = forms.ChoiceField(
        choices=[("standard", "Standard"), ("normal", "Normal"), ("emergency", "Emergency")]
    )
    source = forms.ChoiceField(
        choices=[("manual", "A change record"), ("gate", "A pipeline deployment (gate)")], label="Raised as"
    )
    risk_score = forms.IntegerField(min_value=0, max_value=100, initial=42)
    tests_passed = forms.BooleanField(required=False, initial=True, label="Tests passed")
    security_scan = forms.BooleanField(required=False, initial=True, label="Security scan passed")
    in_window = forms.BooleanField(required=False, initial=True, label="In a change window")
    in_freeze = forms.BooleanField(required=False, label="In a freeze")
    off_train = forms.BooleanField(required=False, label="Off the release train")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class AssessmentForm(StyledFormMixin, forms.Form):
    """One select per criterion of the questionnaire (blank = not answered), plus notes."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[criterion.key] = forms.ChoiceField(
                label=criterion.label,
                help_text=criterion.help_text,
                required=False,
                choices=[("", "— not answered —")]
                + [(o["value"], f"{o['label']} ({o['score']}/4)") for o in criterion.options],
            )
        self.fields["notes"] = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
        self.style_widgets()

    def answers(self) -> dict:
        """The answered criteria."""
        return {k: v for k, v in self.cleaned_data.items() if k != "notes" and v}


class ProposalForm(StyledFormMixin, forms.Form):
    """Propose moving a service to another mode."""

    to_mode = forms.ModelChoiceField(queryset=Mode.objects.none(), label="Proposed mode", empty_label=None)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, service: Service, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "to_mode", Mode.objects.restrict(user).exclude(pk=service.mode_id))
        self.style_widgets()


class DecisionForm(StyledFormMixin, forms.Form):
    """Accept or reject a proposal, with a note (required to reject)."""

    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class CriterionForm(StyledFormMixin, forms.ModelForm):
    """Edit a criterion of a draft questionnaire (options and mode weights as JSON)."""

    class Meta:
        from bimodal.portfolio.models import Criterion

        model = Criterion
        fields = [*CRITERION_FIELDS]
        labels = {"axis": "A high answer speaks for"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].required = False  # left out: off the axis, as before the axis existed
        self.style_widgets()

    def clean_axis(self) -> int:
        return self.cleaned_data.get("axis") or 0


# --- migration pathways ---------------------------------------------------------------------------------


def _active_users():
    return User.objects.filter(is_active=True).order_by("username")


class DateInput(forms.DateInput):
    """The browser's date picker."""

    input_type = "date"


class PathwayForm(StyledFormMixin, forms.Form):
    """A pathway's plan: target mode, title, owner, target date and description."""

    to_mode = forms.ModelChoiceField(queryset=Mode.objects.none(), label="Target mode", empty_label=None)
    title = forms.CharField(max_length=160)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), help_text="Who drives the move.")
    target_date = forms.DateField(required=False, widget=DateInput)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, from_mode: Mode, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "to_mode", Mode.objects.restrict(user).exclude(pk=from_mode.pk))
        set_choices(self, "owner", _active_users())
        self.style_widgets()


class StepForm(StyledFormMixin, forms.Form):
    """One step of a pathway: owner, due date, status and (when blocked) what blocks it."""

    title = forms.CharField(max_length=160)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(required=False, widget=DateInput)
    status = forms.ChoiceField(
        choices=StepStatus.choices,
        initial=StepStatus.TODO,
        widget=forms.Select(attrs={"style": "min-width: 8.5rem"}),  # "In progress" must fit in table rows
    )
    blocker = forms.CharField(max_length=255, required=False, help_text="Needed when the step is blocked.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.style_widgets()

    def clean(self):
        data = super().clean()
        if data.get("status") == StepStatus.BLOCKED and not (data.get("blocker") or "").strip():
            self.add_error("blocker", "Say what blocks this step.")
        return data


class ReadinessForm(StyledFormMixin, forms.Form):
    """A readiness criterion: a condition the service must meet before it moves."""

    label = forms.CharField(max_length=160, label="Readiness criterion")
    evidence = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


StepFormSet = forms.formset_factory(StepForm, extra=3)
ReadinessFormSet = forms.formset_factory(ReadinessForm, extra=3)


class NewCriterionForm(CriterionForm):
    """A criterion to add to a draft questionnaire (with its key)."""

    class Meta(CriterionForm.Meta):
        fields = ["key", *CriterionForm.Meta.fields]
