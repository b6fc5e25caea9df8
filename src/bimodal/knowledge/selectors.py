"""Reads of the knowledge app: restricted article lists, full-text search (PostgreSQL) with its SQLite
fallback, portal suggestions, version diffs and the knowledge metrics."""

from __future__ import annotations

import difflib
import functools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce

from bimodal.core.models import Actor, User
from bimodal.knowledge.choices import SUGGESTION_WINDOW, ArticleState
from bimodal.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleQuerySet,
    ArticleVersion,
    Deflection,
    Suggestion,
    TicketArticle,
)
from bimodal.servicedesk.models import CatalogueItem, Ticket

_WORD: Final = re.compile(r"[^\W_]+", re.UNICODE)
# Words too common to say anything (PostgreSQL's english configuration drops them too): without this
# list the SQLite fallback would match "the" or "with" in every article.
STOP_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
MAX_WORDS: Final = 8
SUGGESTIONS: Final = 5


def search_words(text: str) -> list[str]:
    """The words of a query that are searched for: lower case, no stop words, at most MAX_WORDS."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def article_list(*, user: Actor) -> ArticleQuerySet:
    """Articles `user` may read, with what a list shows."""
    return Article.objects.restrict(user, "view").with_related()


def published_count(user: User) -> int:
    """How many published articles `user` may read (the home page's figure)."""
    return Article.objects.restrict(user, "view").filter(state=ArticleState.PUBLISHED).count()


def search(queryset: ArticleQuerySet, text: str, *, any_word: bool = False) -> ArticleQuerySet:
    """Articles matching `text`: every word (or, with `any_word`, at least one), best first. PostgreSQL
    ranks with its full-text search (title weighs more than body); elsewhere a word matches where the
    title or body contains it, and an article ranks by the words it matches (in its title twice)."""
    words = search_words(text)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        queries = [SearchQuery(w, search_type="plain", config="english") for w in words]
        query = functools.reduce(operator.or_ if any_word else operator.and_, queries)
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-revised_at", "-id")
        )
    matches = [Q(title__icontains=w) | Q(body__icontains=w) for w in words]
    condition = functools.reduce(operator.or_ if any_word else operator.and_, matches)
    rank = functools.reduce(
        operator.add,
        [
            Case(
                When(title__icontains=w, then=Value(2)),
                When(body__icontains=w, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for w in words
        ],
    )
    return queryset.filter(condition).annotate(rank=rank).order_by("-rank", "-revised_at", "-id")


def suggestions(*, user: Actor, text: str, catalogue_item: CatalogueItem | None = None) -> list[Article]:
    """Published articles to suggest on the portal for what the person typed (any word), or for the
    catalogue item they are requesting, best first."""
    published = Article.objects.restrict(user, "view").filter(state=ArticleState.PUBLISHED)
    found = search(published, text, any_word=True) if text.strip() else published.none()
    if catalogue_item is not None and not text.strip():
        found = published.filter(catalogue_items=catalogue_item).order_by("-revised_at", "-id")
    return list(found.select_related("service")[:SUGGESTIONS])


def versions(article: Article) -> list[ArticleVersion]:
    """Every version of an article, newest first."""
    return list(article.versions.select_related("edited_by").order_by("-number"))


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: " " kept, "-" only in the older version, "+" only in the newer."""

    kind: str
    text: str


def diff(old: ArticleVersion, new: ArticleVersion) -> list[DiffLine]:
    """The lines of the title and body that differ between two versions (difflib), with context."""
    before = [f"# {old.title}", "", *old.body.splitlines()]
    after = [f"# {new.title}", "", *new.body.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        kind = line[:1] if line[:1] in "+- " else "@"
        lines.append(DiffLine(kind, line[1:] if kind != "@" else line))
    return lines


def feedback_summary(article: Article) -> dict[str, int]:
    """Helpful / not helpful answers on the article's current version."""
    counts = ArticleFeedback.objects.filter(article=article, version=article.version).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    return {"helpful": counts["yes"], "not_helpful": counts["no"]}


def ticket_links_of_article(*, user: Actor, article: Article) -> list[TicketArticle]:
    """The tickets resolved with the article that `user` may see."""
    return list(
        TicketArticle.objects.restrict(user, "view")
        .filter(article=article)
        .select_related("ticket", "linked_by")
    )


def ticket_links_of_ticket(*, user: Actor, ticket: Ticket) -> list[TicketArticle]:
    """The articles a ticket was resolved with that `user` may read."""
    return list(
        TicketArticle.objects.restrict(user, "view")
        .filter(ticket=ticket)
        .select_related("article", "linked_by")
    )


def link_candidates(*, user: Actor, ticket: Ticket) -> list[Article]:
    """Published articles on the ticket's service, to offer when linking."""
    return list(
        Article.objects.restrict(user, "view")
        .filter(state=ArticleState.PUBLISHED, service_id=ticket.service_id)
        .exclude(ticket_links__ticket=ticket)
        .order_by("number")[:10]
    )


@dataclass(frozen=True)
class Metrics:
    """The knowledge figures over a period."""

    deflections: int
    tickets_after_suggestion: int
    suggestions_shown: int
    deflection_rate: float | None  # deflections / (deflections + tickets raised after a suggestion)
    links: int
    articles_used: int
    stale: int
    published: int
    helpful: int
    not_helpful: int


def tickets_after_suggestion(since: datetime) -> int:
    """Tickets opened since `since` by a person who had been shown suggestions within SUGGESTION_WINDOW
    before opening it."""
    shown = Suggestion.objects.filter(
        user=OuterRef("requester"),
        shown_at__lte=OuterRef("opened_at"),
        shown_at__gte=OuterRef("opened_at") - SUGGESTION_WINDOW,
    )
    return Ticket.objects.filter(opened_at__gte=since).filter(Exists(shown)).count()


def metrics(*, since: datetime) -> Metrics:
    """Deflection rate, use in resolutions, staleness and feedback since a moment (in set-based queries)."""
    deflections = Deflection.objects.filter(at__gte=since).count()
    raised = tickets_after_suggestion(since)
    links = TicketArticle.objects.filter(created_at__gte=since).aggregate(
        n=Count("pk"), articles=Count("article", distinct=True)
    )
    feedback = ArticleFeedback.objects.filter(created_at__gte=since).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    total = deflections + raised
    return Metrics(
        deflections=deflections,
        tickets_after_suggestion=raised,
        suggestions_shown=Suggestion.objects.filter(shown_at__gte=since).count(),
        deflection_rate=deflections / total if total else None,
        links=links["n"],
        articles_used=links["articles"],
        stale=Article.objects.stale().count(),
        published=Article.objects.filter(state=ArticleState.PUBLISHED).count(),
        helpful=feedback["yes"],
        not_helpful=feedback["no"],
    )


def top_used(*, user: Actor, since: datetime, limit: int = 10) -> Sequence[Article]:
    """The articles most used in resolutions since a moment, with `uses` and `deflected` counts."""
    return list(
        Article.objects.restrict(user, "view")
        .annotate(
            uses=Count("ticket_links", filter=Q(ticket_links__created_at__gte=since), distinct=True),
            deflected=Count("deflections", filter=Q(deflections__at__gte=since), distinct=True),
        )
        .filter(Q(uses__gt=0) | Q(deflected__gt=0))
        .select_related("service")
        .order_by("-uses", "-deflected", "number")[:limit]
    )


def stale_articles(*, user: Actor) -> list[Article]:
    """Stale published articles `user` may read, the longest overdue first."""
    return list(
        Article.objects.restrict(user, "view")
        .stale()
        .select_related("service", "owner")
        .annotate(due=Coalesce("review_by", F("revised_at__date")))
        .order_by("due", "number")
    )
