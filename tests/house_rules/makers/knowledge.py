"""Makers of knowledge rows."""

from __future__ import annotations

from django.utils import timezone

from bimodal.knowledge.models import Article, ArticleFeedback, ArticleVersion, Deflection, TicketArticle
from tests.house_rules.makers.base import Side, _numbers, maker
from tests.house_rules.makers.operations import _ticket


def _article(side: Side, **fields) -> Article:
    """A published internal article on the side's service, written by its desk agent, with its version."""
    title = side.name("article")
    values = {
        "number": f"KB-{900000 + next(_numbers)}",
        "title": title,
        "body": f"{title} body",
        "state": "published",
        "audience": "internal",
        "service": side.service,
        "author": side.desk_agent,
        "owner": side.owner,
        "published_by": side.owner,
        "published_at": timezone.now(),
    }
    article = Article.objects.create(**{**values, **fields})
    ArticleVersion.objects.create(
        article=article, number=1, title=article.title, body=article.body, edited_by=side.desk_agent
    )
    return article


@maker("knowledge.Article")
def _article_maker(side: Side):
    return _article(side)


@maker("knowledge.ArticleFeedback")
def _feedback(side: Side):
    return ArticleFeedback.objects.create(
        article=_article(side), version=1, user=side.desk_agent, helpful=True, comment=side.name("comment")
    )


@maker("knowledge.TicketArticle")
def _ticket_article(side: Side):
    return TicketArticle.objects.create(
        ticket=_ticket(side), article=_article(side), linked_by=side.desk_agent
    )


@maker("knowledge.Deflection")
def _deflection(side: Side):
    return Deflection.objects.create(article=_article(side, audience="public"), user=side.requester)
