"""Models of the knowledge app: articles with their versions, feedback, portal suggestions, deflections and
the tickets an article helped resolve."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.knowledge.choices import ArticleState, Audience
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import Ticket
from bimodal.suppliers.selectors import current_contracts


def stale_after() -> timedelta:
    """How long a published article may go without a revision before it counts as stale."""
    return timedelta(days=getattr(settings, "KNOWLEDGE_STALE_AFTER_DAYS", 180))


def contracted_service_ids(supplier_id: int) -> QuerySet:
    """Ids of the services a current contract of the supplier covers (a subquery)."""
    return current_contracts(supplier_id=supplier_id).values("services")


def contracted_services_q(supplier_id: int, prefix: str = "") -> Q:
    """Rows whose service (`prefix` leads to it) a current contract of the supplier covers."""
    return Q(**{f"{prefix}service__in": contracted_service_ids(supplier_id)})


def published_q(user: User, prefix: str = "") -> Q:
    """Published public articles (`prefix` leads to the article) on services `user` may see."""
    return Q(
        **{f"{prefix}state": ArticleState.PUBLISHED, f"{prefix}audience": Audience.PUBLIC},
    ) & Q(**{f"{prefix}service__in": Service.objects.restrict(user, "view").values("pk")})


def article_visibility(user: User, action: str, prefix: str = "") -> Q | None:
    """Which articles `user` may `action`: staff with view_all_articles read every article; a supplier
    agent the articles of services its supplier is contracted for now, plus published public ones of the
    services it sees; requesters published public articles of the services they see. Changes: a supplier
    agent only its contracted services' articles, staff any."""
    if user.supplier_id:
        mine = contracted_services_q(user.supplier_id, prefix)
        return mine | published_q(user, prefix) if action == "view" else mine
    if action == "view":
        if user.has_perm("knowledge.view_all_articles"):
            return None
        return published_q(user, prefix)
    return None


class ArticleQuerySet(RestrictedQuerySet["Article"]):
    """Object restriction of articles (see `article_visibility`)."""

    def restriction(self, user, action: str) -> Q | None:
        return article_visibility(user, action)

    def with_related(self) -> ArticleQuerySet:
        """What lists and pages show of an article, in flat queries."""
        return self.select_related("service__mode", "owner", "author", "published_by").prefetch_related(
            "catalogue_items"
        )

    def stale(self) -> ArticleQuerySet:
        """Published articles past their review-by date or not revised for `stale_after()`."""
        now = timezone.now()
        return self.filter(state=ArticleState.PUBLISHED).filter(
            Q(review_by__lt=timezone.localdate(now)) | Q(revised_at__lt=now - stale_after())
        )


class Article(TimeStampedModel):
    """A knowledge article (a how-to, a known fix, a troubleshooting guide) about one service."""

    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    state = models.CharField(max_length=20, choices=ArticleState.choices, default=ArticleState.DRAFT)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    service = models.ForeignKey("portfolio.Service", on_delete=models.PROTECT, related_name="articles")
    catalogue_items = models.ManyToManyField("servicedesk.CatalogueItem", blank=True, related_name="articles")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="authored_articles")
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="owned_articles", help_text="Keeps the article current."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    revised_at = models.DateTimeField(default=timezone.now, editable=False)
    review_by = models.DateField(null=True, blank=True, help_text="Review the article by this day.")
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # Filled on PostgreSQL only (services.articles keeps it in step); SQLite searches the text columns.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = RestrictedManager.from_queryset(ArticleQuerySet)()

    class Meta:
        ordering = ["-revised_at", "-id"]
        permissions = [
            ("view_all_articles", "Can read every article, drafts and internal ones included"),
            ("review_article", "Can review articles: publish, send back, retire"),
            ("view_knowledge_metrics", "Can see the knowledge dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article_detail", args=[self.number])

    @property
    def is_stale(self) -> bool:
        """Published and past its review-by date or not revised for `stale_after()`."""
        if self.state != ArticleState.PUBLISHED:
            return False
        now = timezone.now()
        overdue = self.review_by is not None and self.review_by < timezone.localdate(now)
        return overdue or self.revised_at < now - stale_after()


class ArticleVersionQuerySet(RestrictedQuerySet):
    """A version is readable by whoever may read its article."""

    def restriction(self, user, action: str) -> Q | None:
        return Q(article__in=Article.objects.restrict(user, "view").values("pk"))


class ArticleVersion(models.Model):
    """The title and body of an article as of one revision (every edit keeps the previous one)."""

    # Part of the article (its history), not a reference: it goes with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    edited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    objects = RestrictedManager.from_queryset(ArticleVersionQuerySet)()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="one_version_number")]

    def __str__(self) -> str:
        return f"{self.article.number} v{self.number}"


class FeedbackQuerySet(RestrictedQuerySet):
    """Staff read all feedback on the articles they see; anyone else their own."""

    def restriction(self, user, action: str) -> Q | None:
        visible = Q(article__in=Article.objects.restrict(user, "view").values("pk"))
        if action == "view" and user.has_perm("knowledge.view_all_articles") and not user.supplier_id:
            return visible
        if user.supplier_id and action == "view":
            return visible & (Q(user=user) | contracted_services_q(user.supplier_id, "article__"))
        return visible & Q(user=user)


class ArticleFeedback(TimeStampedModel):
    """Whether an article (as of one version) helped a reader, with an optional comment."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="feedback")
    version = models.PositiveIntegerField()
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=2000)

    objects = RestrictedManager.from_queryset(FeedbackQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "article feedback"
        verbose_name_plural = "article feedback"
        constraints = [
            models.UniqueConstraint(fields=["article", "version", "user"], name="one_feedback_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.article.number} v{self.version}: {'helpful' if self.helpful else 'not helpful'}"


class Suggestion(models.Model):
    """Articles were suggested to a person on the request portal (one row per typing session)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)
    query = models.CharField(max_length=200)
    articles = models.ManyToManyField(Article, related_name="suggestions")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-shown_at", "-id"]
        indexes = [models.Index(fields=["user", "shown_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.query}"


class DeflectionQuerySet(RestrictedQuerySet):
    """Deflections on the articles the user may read; a reader without view_all_articles only their own."""

    def restriction(self, user, action: str) -> Q | None:
        visible = Q(article__in=Article.objects.restrict(user, "view").values("pk"))
        if user.has_perm("knowledge.view_all_articles") and not user.supplier_id:
            return visible
        return visible & Q(user=user)


class Deflection(models.Model):
    """A person read a suggested article and said it solved their problem: no ticket was raised."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="deflections")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.PROTECT, null=True, blank=True, related_name="deflections"
    )
    at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager.from_queryset(DeflectionQuerySet)()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.article.number} solved it for {self.user}"


class TicketArticleQuerySet(RestrictedQuerySet):
    """A link is seen by whoever sees both the ticket and the article."""

    def restriction(self, user, action: str) -> Q | None:
        return Q(article__in=Article.objects.restrict(user, "view").values("pk")) & Q(
            ticket__in=Ticket.objects.restrict(user, "view").values("pk")
        )


class TicketArticle(models.Model):
    """A ticket was resolved with (or worked using) an article: "resolved with KB-12"."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.PROTECT, related_name="article_links")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="ticket_links")
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager.from_queryset(TicketArticleQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ticket article link"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="one_link_per_ticket_article")
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} resolved with {self.article.number}"
