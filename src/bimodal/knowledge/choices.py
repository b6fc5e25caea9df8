"""Choices of the knowledge app: an article's life cycle and audience."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.db import models


class ArticleState(models.TextChoices):
    """Where an article is in its life cycle."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


# The only moves between states (enforced in services.articles.article_transition).
TRANSITIONS: dict[str, set[str]] = {
    ArticleState.DRAFT: {ArticleState.IN_REVIEW},
    ArticleState.IN_REVIEW: {ArticleState.PUBLISHED, ArticleState.DRAFT},
    ArticleState.PUBLISHED: {ArticleState.RETIRED},
    ArticleState.RETIRED: {ArticleState.DRAFT},
}

# Moves that need the review permission (and a reviewer other than the author, for publishing).
REVIEW_MOVES: set[tuple[str, str]] = {
    (ArticleState.IN_REVIEW, ArticleState.PUBLISHED),
    (ArticleState.IN_REVIEW, ArticleState.DRAFT),
    (ArticleState.PUBLISHED, ArticleState.RETIRED),
}


class Audience(models.TextChoices):
    """Who may read a published article: requesters too (public) or the support staff only (internal)."""

    PUBLIC = "public", "Public (requesters too)"
    INTERNAL = "internal", "Internal (support staff)"


#: Suggestions shown to one person within this time are one typing session; a ticket that person raises
#: within it counts as raised after a suggestion (selectors.metrics).
SUGGESTION_WINDOW: Final = timedelta(minutes=60)
