"""Forms of the integrations app: they collect and validate input; services write."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import AutocompleteChoiceField, AutocompleteSelect, BootstrapFormMixin, set_choices
from bimodal.integrations.choices import Provider
from bimodal.portfolio.models import Service


class RepositoryForm(BootstrapFormMixin, forms.Form):
    """Map a repository to a service; a blank secret on create means "generate one"."""

    provider = forms.ChoiceField(choices=Provider.choices)
    full_name = forms.CharField(
        max_length=255, label="Repository", help_text='GitHub "org/repo", or the GitLab project path'
    )
    external_id = forms.CharField(
        max_length=40,
        required=False,
        label="Provider id",
        help_text="Numeric repository / project id (optional)",
    )
    service = AutocompleteChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=AutocompleteSelect("portfolio:service_options"),  # thousands of services: searched, not listed
        help_text="Type part of its name; or its slug",
    )
    production_environments = forms.CharField(
        max_length=500,
        initial="production, prod",
        help_text="Environment names that count as production, comma-separated",
    )
    default_branch = forms.CharField(max_length=100, initial="main")
    deploy_workflow = forms.CharField(
        max_length=200,
        required=False,
        help_text="GitHub workflow / GitLab pipeline name whose successful run on the default branch is a "
        'production deployment ("*" for any); blank: only deployment events count',
    )
    webhook_secret = forms.CharField(
        max_length=128,
        required=False,
        label="Webhook secret",
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to generate one; it is shown once after saving",
    )
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "service", Service.objects.restrict(user, "view").order_by("name"))
        if editing:
            del self.fields["webhook_secret"]
            self.fields["provider"].disabled = True

    def clean_production_environments(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["production_environments"].split(",") if n.strip()]
        if not names:
            raise forms.ValidationError("Name at least one production environment.")
        return names
