"""Writes of the knowledge app (articles and their life cycle; feedback, suggestions, deflections, links)."""

from bimodal.knowledge.services.articles import (
    ARTICLE_FIELDS,
    article_create,
    article_transition,
    article_update,
)
from bimodal.knowledge.services.usage import (
    deflection_record,
    feedback_record,
    suggestion_record,
    ticket_link,
)

__all__ = [
    "ARTICLE_FIELDS",
    "article_create",
    "article_transition",
    "article_update",
    "deflection_record",
    "feedback_record",
    "suggestion_record",
    "ticket_link",
]
