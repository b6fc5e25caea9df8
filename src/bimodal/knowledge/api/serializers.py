"""Serializers of the knowledge API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField, user_field
from bimodal.knowledge.choices import ArticleState
from bimodal.knowledge.models import Article, ArticleFeedback, ArticleVersion, Deflection, TicketArticle
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import CatalogueItem, Ticket


class ArticleSerializer(serializers.ModelSerializer):
    """An article as read: its current version, state, service and catalogue items."""

    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    catalogue_items: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    published_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    stale = serializers.BooleanField(source="is_stale", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "number",
            "title",
            "body",
            "state",
            "audience",
            "service",
            "catalogue_items",
            "author",
            "owner",
            "version",
            "revised_at",
            "review_by",
            "stale",
            "published_at",
            "published_by",
            "created_at",
        ]

    def to_representation(self, instance: Article) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not may_see_people(request.user):
            data.update(author=None, owner=None, published_by=None)
        return data


def may_see_people(user: Any) -> bool:
    """Who wrote, owns and published an article is shown to support staff only: requesters and supplier
    agents are not shown the organisation's people."""
    return bool(user.has_perm("knowledge.view_all_articles") and not getattr(user, "supplier_id", None))


class ArticleWriteSerializer(serializers.ModelSerializer):
    """What a person writes on an article (services.ARTICLE_FIELDS); `reason` is kept with a new version."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    catalogue_items = RestrictedSlugRelatedField(
        slug_field="slug", queryset=CatalogueItem.objects.all(), many=True, required=False
    )
    owner = user_field(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Article
        fields = ["title", "body", "audience", "service", "catalogue_items", "owner", "review_by", "reason"]


class ArticleTransitionSerializer(serializers.Serializer):
    """The state to move an article to, and why."""

    state = serializers.ChoiceField(choices=ArticleState.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ArticleVersionSerializer(serializers.ModelSerializer):
    """One version of an article."""

    edited_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "edited_by", "created_at", "note"]


class DiffLineSerializer(serializers.Serializer):
    """One line of a diff: " " kept, "-" only in the older version, "+" only in the newer, "@" a hunk."""

    kind = serializers.CharField()
    text = serializers.CharField()


class DiffQuerySerializer(serializers.Serializer):
    """The two versions to compare."""

    a = serializers.IntegerField(min_value=1, max_value=1_000_000)
    b = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ArticleFeedbackSerializer(serializers.ModelSerializer):
    """Whether an article (as of one version) helped; POST answers for the current version."""

    article = RestrictedSlugRelatedField(slug_field="number", queryset=Article.objects.all())
    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ArticleFeedback
        fields = ["id", "article", "version", "user", "helpful", "comment", "created_at"]
        read_only_fields = ["version", "created_at"]
        validators: list[object] = []  # one per person and version: the service updates an existing one


class TicketArticleSerializer(serializers.ModelSerializer):
    """A ticket resolved with an article."""

    ticket = RestrictedSlugRelatedField(slug_field="number", queryset=Ticket.objects.all())
    article = RestrictedSlugRelatedField(slug_field="number", queryset=Article.objects.all())
    linked_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = TicketArticle
        fields = ["id", "ticket", "article", "linked_by", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[object] = []  # a second link is the service's 400 naming `article`


class DeflectionSerializer(serializers.ModelSerializer):
    """A suggested article solved a person's problem."""

    article: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )
    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Deflection
        fields = ["id", "article", "user", "at"]
