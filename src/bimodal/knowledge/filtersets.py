"""FilterSets of the knowledge app, shared by pages and the API."""

from __future__ import annotations

import django_filters

from bimodal.core.filtersets import FilterSet, visible
from bimodal.knowledge import selectors
from bimodal.knowledge.choices import ArticleState, Audience
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, TicketArticle
from bimodal.portfolio.models import Service


class ArticleFilterSet(FilterSet):
    """Filters of articles; `q` is the full-text search (every word)."""

    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    state = django_filters.ChoiceFilter(choices=ArticleState.choices, empty_label="Any state")
    audience = django_filters.ChoiceFilter(choices=Audience.choices, empty_label="Any audience")
    service = django_filters.ModelChoiceFilter(
        field_name="service__slug",
        to_field_name="slug",
        queryset=visible(Service),
        label="Service",
        empty_label="Any service",
    )
    stale = django_filters.BooleanFilter(method="filter_stale", label="Stale")

    class Meta:
        model = Article
        fields = ["q", "state", "audience", "service", "stale"]

    def filter_q(self, queryset, name, value):
        return selectors.search(queryset, value) if value.strip() else queryset

    def filter_stale(self, queryset, name, value):
        if value is None:
            return queryset
        stale = queryset.model.objects.stale().values("pk")
        return queryset.filter(pk__in=stale) if value else queryset.exclude(pk__in=stale)


class ArticleFeedbackFilterSet(FilterSet):
    """Filters of article feedback."""

    article = django_filters.CharFilter(field_name="article__number")
    helpful = django_filters.BooleanFilter()

    class Meta:
        model = ArticleFeedback
        fields = ["article", "helpful"]


class TicketArticleFilterSet(FilterSet):
    """Filters of ticket-article links."""

    article = django_filters.CharFilter(field_name="article__number")
    ticket = django_filters.CharFilter(field_name="ticket__number")

    class Meta:
        model = TicketArticle
        fields = ["article", "ticket"]


class DeflectionFilterSet(FilterSet):
    """Filters of deflections."""

    article = django_filters.CharFilter(field_name="article__number")

    class Meta:
        model = Deflection
        fields = ["article"]
