"""API views of the knowledge app: articles (with their life cycle, versions and diffs), feedback, links
from tickets and deflections."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.response import Response

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.knowledge import selectors, services
from bimodal.knowledge.api import serializers as s
from bimodal.knowledge.filtersets import (
    ArticleFeedbackFilterSet,
    ArticleFilterSet,
    DeflectionFilterSet,
    TicketArticleFilterSet,
)
from bimodal.knowledge.models import ArticleFeedback, Deflection, TicketArticle


class ArticleViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Knowledge articles by number (KB-12); `?q=` searches their text. Workflow: `transition`."""

    serializer_class = s.ArticleSerializer
    write_serializer_class = s.ArticleWriteSerializer
    filterset_class = ArticleFilterSet
    lookup_field = "number"
    ordering_fields = ["number", "revised_at", "review_by"]
    action_perms = {
        "transition": ["knowledge.change_article"],
        "versions": ["knowledge.view_articleversion"],
        "diff": ["knowledge.view_articleversion"],
    }

    def get_queryset(self):
        return selectors.article_list(user=self.request.user)

    def create_object(self, data):
        return services.article_create(actor=self.actor, **data)

    def update_object(self, instance, data):
        return services.article_update(actor=self.actor, article=instance, **data)

    @extend_schema(request=s.ArticleTransitionSerializer, responses=s.ArticleSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, number=None):
        """Move the article along its life cycle (publishing needs a reviewer other than the author)."""
        serializer = s.ArticleTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_transition(
            actor=self.actor, article=self.get_object(), **serializer.validated_data
        )
        return self.read_response(article)

    @extend_schema(responses=s.ArticleVersionSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, number=None):
        """Every version of the article, newest first."""
        return Response(s.ArticleVersionSerializer(selectors.versions(self.get_object()), many=True).data)

    @extend_schema(
        parameters=[s.DiffQuerySerializer], responses=s.DiffLineSerializer(many=True), filters=False
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def diff(self, request, number=None):
        """The lines that differ between versions `a` and `b` of the article."""
        article = self.get_object()  # a hidden article is a 404 whatever the query
        query = s.DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by_number = {v.number: v for v in selectors.versions(article)}
        missing = {k: "No such version." for k in ("a", "b") if query.validated_data[k] not in by_number}
        if missing:
            raise DrfValidationError(missing)
        old, new = sorted(
            (by_number[query.validated_data["a"]], by_number[query.validated_data["b"]]),
            key=lambda v: v.number,
        )
        lines = [{"kind": line.kind, "text": line.text} for line in selectors.diff(old, new)]
        return Response(s.DiffLineSerializer(lines, many=True).data)


class ArticleFeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Feedback on articles; POST answers for the article's current version (again: changes the answer)."""

    serializer_class = s.ArticleFeedbackSerializer
    filterset_class = ArticleFeedbackFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return ArticleFeedback.objects.restrict(self.request.user, "view").select_related("article", "user")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        feedback = services.feedback_record(
            actor=self.actor,
            article=data["article"],
            helpful=data["helpful"],
            comment=data.get("comment", ""),
        )
        return self.read_response(feedback, status.HTTP_201_CREATED)


class TicketArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Tickets resolved with articles; POST links one (agents who work the ticket)."""

    serializer_class = s.TicketArticleSerializer
    filterset_class = TicketArticleFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return TicketArticle.objects.restrict(self.request.user, "view").select_related(
            "ticket", "article", "linked_by"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.ticket_link(actor=self.actor, **serializer.validated_data)
        return self.read_response(link, status.HTTP_201_CREATED)


class DeflectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Deflections: a suggested article solved someone's problem (recorded from the portal)."""

    serializer_class = s.DeflectionSerializer
    filterset_class = DeflectionFilterSet
    ordering_fields = ["at"]

    def get_queryset(self):
        return Deflection.objects.restrict(self.request.user, "view").select_related("article", "user")
