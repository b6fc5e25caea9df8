"""Forms of the knowledge pages."""

from __future__ import annotations

from django import forms

from bimodal.core.forms import AutocompleteChoiceField, AutocompleteSelect, BootstrapFormMixin
from bimodal.core.models import User
from bimodal.knowledge.choices import ArticleState, Audience
from bimodal.knowledge.models import Article
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import CatalogueItem


class ArticleForm(BootstrapFormMixin, forms.Form):
    """Write or edit an article (its fields are services.ARTICLE_FIELDS)."""

    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}))
    audience = forms.ChoiceField(choices=Audience.choices)
    service = AutocompleteChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=AutocompleteSelect("portfolio:service_options"),  # thousands of services: searched, not listed
        help_text="Type part of its name; or its slug",
    )
    catalogue_items = forms.ModelMultipleChoiceField(
        queryset=CatalogueItem.objects.none(), to_field_name="slug", required=False
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), to_field_name="username", required=False
    )
    review_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, required=False, label="What changed (kept with the version)")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.restrict(user, "view").order_by("name")
        self.fields["catalogue_items"].queryset = (
            CatalogueItem.objects.restrict(user, "view").filter(active=True).order_by("name")
        )


class TransitionForm(BootstrapFormMixin, forms.Form):
    """Move an article to another state (the state is the button pressed), with an optional reason."""

    state = forms.ChoiceField(choices=ArticleState.choices)
    reason = forms.CharField(max_length=200, required=False, label="Why (optional, kept in the history)")


class FeedbackForm(BootstrapFormMixin, forms.Form):
    """Was the article helpful?"""

    helpful = forms.TypedChoiceField(
        choices=[("yes", "Helpful"), ("no", "Not helpful")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DiffForm(forms.Form):
    """Which two versions to compare."""

    a = forms.IntegerField(min_value=1, max_value=1_000_000)
    b = forms.IntegerField(min_value=1, max_value=1_000_000)


class SuggestForm(forms.Form):
    """What the person is typing on the portal (title) or which catalogue item they request."""

    title = forms.CharField(max_length=200, required=False)
    item = forms.ModelChoiceField(queryset=CatalogueItem.objects.none(), to_field_name="slug", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogueItem.objects.restrict(user, "view")


class LinkForm(forms.Form):
    """Link an article (by number, e.g. KB-12) to a ticket."""

    article = forms.ModelChoiceField(queryset=Article.objects.none(), to_field_name="number")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = Article.objects.restrict(user, "view")


class PeriodForm(forms.Form):
    """The period the dashboard covers."""

    days = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days"), (365, "365 days")], coerce=int, required=False
    )
