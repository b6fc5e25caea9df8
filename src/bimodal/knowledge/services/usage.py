"""Writes about how articles are used: feedback, suggestions on the request portal, deflections (a
suggested article solved the problem) and links from tickets ("resolved with KB-12")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.models import User
from bimodal.core.services import create_audited, put_audited, require_perm, transactional
from bimodal.core.verbs import AuditVerb
from bimodal.knowledge.choices import SUGGESTION_WINDOW, ArticleState
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, Suggestion, TicketArticle
from bimodal.servicedesk.models import Ticket


def _readable_published(actor: User, article: Article) -> None:
    if not Article.objects.restrict(actor, "view").filter(pk=article.pk).exists():
        raise PermissionDenied(f"You may not read {article.number}.")
    if article.state != ArticleState.PUBLISHED:
        raise ValidationError({"article": f"{article.number} is not published."})


@transactional
def feedback_record(*, actor: User, article: Article, helpful: bool, comment: str = "") -> ArticleFeedback:
    """Say whether the current version of an article helped (once per person and version: again changes
    the answer)."""
    require_perm(actor, "knowledge.add_articlefeedback")
    _readable_published(actor, article)
    return put_audited(
        ArticleFeedback,
        actor=actor,
        lookup={"article": article, "version": article.version, "user": actor},
        fields={"helpful": helpful, "comment": comment},
        verb=AuditVerb.ARTICLE_FEEDBACK,
    )


def recent_suggestion(user: User, at: datetime | None = None) -> Suggestion | None:
    """The person's suggestion session open at `at` (now): shown within SUGGESTION_WINDOW before it."""
    at = at or timezone.now()
    return (
        Suggestion.objects.filter(user=user, shown_at__gte=at - SUGGESTION_WINDOW, shown_at__lte=at)
        .order_by("-shown_at", "-id")
        .first()
    )


@transactional
def suggestion_record(
    *, actor: User, query: str, articles: Sequence[Article], at: datetime | None = None
) -> Suggestion | None:
    """Record that articles were suggested to a person typing on the portal: one row per session (the
    articles of later keystrokes join it, unaudited: they add nothing anyone reviews). `at` (now) is for
    loading history."""
    if not articles:
        return None
    at = at or timezone.now()
    session = recent_suggestion(actor, at)
    if session is None:
        session = create_audited(
            Suggestion(user=actor, query=query[:200], shown_at=at),
            actor=actor,
            m2m={"articles": articles},
            verb=AuditVerb.ARTICLE_SUGGEST,
        )
    else:
        session.articles.add(*articles)
    return session


@transactional
def deflection_record(*, actor: User, article: Article, at: datetime | None = None) -> Deflection:
    """A suggested article solved the person's problem: no ticket (once per article and session). `at`
    (now) is for loading history."""
    require_perm(actor, "knowledge.view_article")
    _readable_published(actor, article)
    at = at or timezone.now()
    session = recent_suggestion(actor, at)
    existing = Deflection.objects.filter(user=actor, article=article, suggestion=session).first()
    if existing is not None and session is not None:
        return existing
    return create_audited(
        Deflection(article=article, user=actor, suggestion=session, at=at),
        actor=actor,
        verb=AuditVerb.ARTICLE_DEFLECTION,
    )


@transactional
def ticket_link(*, actor: User, ticket: Ticket, article: Article) -> TicketArticle:
    """Record that a ticket was resolved with an article (the agent works the ticket and reads the article)."""
    require_perm(actor, "knowledge.add_ticketarticle")
    if not Ticket.objects.restrict(actor, "change").filter(pk=ticket.pk).exists():
        raise PermissionDenied(f"You may not work {ticket.number}.")
    _readable_published(actor, article)
    if TicketArticle.objects.filter(ticket=ticket, article=article).exists():
        raise ValidationError({"article": f"{ticket.number} is already linked to {article.number}."})
    return create_audited(
        TicketArticle(ticket=ticket, article=article, linked_by=actor, created_at=timezone.now()),
        actor=actor,
        verb=AuditVerb.ARTICLE_LINK_TICKET,
    )
