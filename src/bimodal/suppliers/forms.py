"""Forms of the suppliers app: they collect and validate input; the services write."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import BootstrapFormMixin
from bimodal.core.models import User
from bimodal.people.models import Skill
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import Priority, SlaTarget
from bimodal.servicedesk.models import CatalogueItem, SupportSchedule
from bimodal.suppliers.choices import (
    PRIORITIES,
    ContactRole,
    ContractStatus,
    Criterion,
    SupplierStatus,
    SupplierTier,
)
from bimodal.suppliers.models import (
    MspCandidate,
    Supplier,
    SupplierCategory,
    SupplierCertification,
    SupplierContact,
)
from bimodal.suppliers.services import CERTIFICATION_FIELDS, CONTACT_FIELDS


def _codes(text: str) -> list[str]:
    return [c.strip() for c in (text or "").replace(";", ",").split(",") if c.strip()]


class SupplierForm(BootstrapFormMixin, forms.Form):
    """A supplier's profile."""

    name = forms.CharField(max_length=120)
    tier = forms.ChoiceField(choices=SupplierTier.choices)
    status = forms.ChoiceField(choices=SupplierStatus.choices)
    website = forms.URLField(required=False, assume_scheme="https")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.ModelMultipleChoiceField(queryset=SupplierCategory.objects.all(), required=False)
    skills = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Skills and technologies")
    covers_24x7 = forms.BooleanField(required=False, label="24×7")
    covers_extended_hours = forms.BooleanField(required=False, label="Extended hours")
    covers_business_hours = forms.BooleanField(required=False, label="Business hours")
    remote_support = forms.BooleanField(required=False, label="Remote")
    on_site_support = forms.BooleanField(required=False, label="On-site")
    regions = forms.CharField(required=False, help_text="Comma-separated, e.g. GB, IE, EU.")
    relationship_owner = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = Skill.objects.all()
        self.style_widgets()

    def clean_regions(self):
        return _codes(self.cleaned_data["regions"])


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    """A person at the supplier and what to call them for (the fields are CONTACT_FIELDS)."""

    role = forms.ChoiceField(choices=ContactRole.choices)
    escalation_level = forms.IntegerField(
        min_value=1, max_value=5, required=False, help_text="1 is called first; empty if not on the path."
    )

    class Meta:
        model = SupplierContact
        fields = CONTACT_FIELDS


class CertificationForm(BootstrapFormMixin, forms.ModelForm):
    """A certification the supplier holds, its validity and the evidence (the fields are CERTIFICATION_FIELDS)."""

    name = forms.CharField(
        max_length=120, label="Standard", help_text="e.g. ISO/IEC 27001:2022, SOC 2 Type II"
    )
    evidence_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Evidence",
        help_text="Link to the certificate or report.",
    )

    class Meta:
        model = SupplierCertification
        fields = CERTIFICATION_FIELDS
        help_texts = {
            "issuer": "Certification body or auditor.",
            "reference": "Certificate or report number.",
        }
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", "A certification cannot expire before it is valid.")
        return data


class RemoveForm(BootstrapFormMixin, forms.Form):
    """Why a row is removed (optional, kept in the audit log)."""

    reason = forms.CharField(max_length=200, required=False)


class ContractForm(BootstrapFormMixin, forms.Form):
    """A contract's terms and coverage."""

    reference = forms.CharField(max_length=40)
    title = forms.CharField(max_length=200)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(max_length=3, initial="GBP")
    credit_cap_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=10
    )
    renewal_notice_days = forms.IntegerField(min_value=0, max_value=730, initial=90)
    auto_renew = forms.BooleanField(required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    schedule = forms.ModelChoiceField(queryset=None)
    services = forms.ModelMultipleChoiceField(queryset=None, required=False)
    catalogue_items = forms.ModelMultipleChoiceField(queryset=None, required=False)
    terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = SupportSchedule.objects.all()
        self.fields["services"].queryset = Service.objects.restrict(user, "view")
        self.fields["catalogue_items"].queryset = CatalogueItem.objects.restrict(user, "view")
        self.style_widgets()


class TargetForm(BootstrapFormMixin, forms.Form):
    """A contracted target for one priority."""

    priority = forms.ChoiceField(choices=Priority.choices)
    target = forms.ChoiceField(choices=SlaTarget.choices)
    minutes = forms.IntegerField(min_value=1, help_text="Business minutes on the contract's schedule.")
    credit = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, initial=0)


class ContractTransitionForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(choices=ContractStatus.choices)
    reason = forms.CharField(required=False)


class RenewForm(BootstrapFormMixin, forms.Form):
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    reason = forms.CharField(required=False)


class PeriodForm(forms.Form):
    """A scorecard period (inclusive dates)."""

    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 3 * 366:
                raise forms.ValidationError("Choose a period of at most three years.")
        return data


class JsonMinutesField(forms.CharField):
    """Minutes per priority, typed as 'P1=15, P2=30'."""

    def to_python(self, value):
        value = super().to_python(value)
        out = {}
        for part in _codes(value):
            key, _, minutes = part.partition("=")
            key = key.strip().upper()
            if key not in PRIORITIES:
                raise forms.ValidationError(f"{key or part!r} is not a priority (P1–P4).")
            try:
                out[key] = int(minutes)
            except ValueError as exc:
                raise forms.ValidationError(f"Give whole minutes for {key}.") from exc
            if out[key] <= 0:
                raise forms.ValidationError(f"Minutes for {key} must be positive.")
        return out

    def prepare_value(self, value):
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items())
        return value


class EvaluationForm(BootstrapFormMixin, forms.Form):
    """An MSP evaluation's scope, weights and needs."""

    name = forms.CharField(max_length=160)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, help_text="Services to outsource."
    )
    required_response = JsonMinutesField(required=False, help_text="e.g. P1=15, P2=30, P3=240")
    needs_remote = forms.BooleanField(required=False, initial=True)
    needs_on_site = forms.BooleanField(required=False)
    regions = forms.CharField(required=False, help_text="Comma-separated, e.g. GB, IE.")

    def __init__(self, *args, user=None, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.restrict(user, "view")
        for criterion in Criterion:
            self.fields[f"w_{criterion.value}"] = forms.IntegerField(
                min_value=0, max_value=100, label=f"Weight: {criterion.label}"
            )
        self.style_widgets()

    def clean_regions(self):
        return _codes(self.cleaned_data["regions"])

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["weights"] = {c.value: data.pop(f"w_{c.value}") for c in Criterion}
        return data


class RequirementForm(BootstrapFormMixin, forms.Form):
    skill = forms.ModelChoiceField(queryset=None)
    weight = forms.IntegerField(min_value=1, max_value=5, initial=3)
    future = forms.BooleanField(required=False, label="Planned future technology")

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.all()
        self.style_widgets()


class CandidateForm(BootstrapFormMixin, forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.all())
    demonstrated_response = JsonMinutesField(
        required=False, help_text="e.g. P1=12, P2=25. Empty: taken from the supplier's real tickets."
    )
    response_source = forms.CharField(required=False, max_length=200)
    customisation = forms.IntegerField(min_value=0, max_value=5, initial=3)
    annual_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CandidateEditForm(BootstrapFormMixin, forms.Form):
    """A candidate's response times, customisation, cost and notes (not its supplier)."""

    demonstrated_response = JsonMinutesField(required=False, help_text="e.g. P1=12, P2=25")
    response_source = forms.CharField(required=False, max_length=200)
    customisation = forms.IntegerField(min_value=0, max_value=5)
    annual_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(required=False, max_length=200, help_text="Kept in the audit log.")

    @classmethod
    def initial_for(cls, candidate: MspCandidate) -> dict:
        return {f: getattr(candidate, f) for f in cls.base_fields if f != "reason"}


class CancelForm(BootstrapFormMixin, forms.Form):
    """Why an evaluation closes without a decision."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(BootstrapFormMixin, forms.Form):
    candidate = forms.ModelChoiceField(queryset=MspCandidate.objects.none())
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluation is not None:
            self.fields["candidate"].queryset = evaluation.candidates.select_related("supplier")
        self.style_widgets()
