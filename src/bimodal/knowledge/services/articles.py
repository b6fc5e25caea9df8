"""Writes of articles: create, edit (each edit a new version) and the life cycle draft → in review →
published → retired (→ draft), every step audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from bimodal.core import numbers
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    lock,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.knowledge.choices import REVIEW_MOVES, TRANSITIONS, ArticleState
from bimodal.knowledge.models import Article, ArticleVersion, contracted_service_ids
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import CatalogueItem

# The fields a person sets on an article: the form, the API's serializer and these services' keyword
# arguments list the same names.
ARTICLE_FIELDS: Final = ("title", "body", "audience", "service", "catalogue_items", "owner", "review_by")

# A new article is due for review a year after it is written unless given a day.
DEFAULT_REVIEW_DAYS: Final = 365

_VERB = {
    ArticleState.DRAFT: AuditVerb.ARTICLE_DRAFT,
    ArticleState.IN_REVIEW: AuditVerb.ARTICLE_IN_REVIEW,
    ArticleState.PUBLISHED: AuditVerb.ARTICLE_PUBLISHED,
    ArticleState.RETIRED: AuditVerb.ARTICLE_RETIRED,
}


def _check_service(actor: User, service: Service, items: Iterable[CatalogueItem]) -> None:
    """The actor may write about the service: sees it and, as a supplier agent, holds a current contract
    for it; the catalogue items belong to it."""
    if not Service.objects.restrict(actor, "view").filter(pk=service.pk).exists():
        raise ValidationError({"service": "Choose a service you can see."})
    if actor.supplier_id and not (
        Service.objects.filter(pk=service.pk)
        .filter(pk__in=contracted_service_ids(actor.supplier_id))
        .exists()
    ):
        raise PermissionDenied(f"Your supplier has no current contract for {service}.")
    for item in items:
        if item.service_id != service.pk:
            raise ValidationError({"catalogue_items": f"“{item}” is not an item of {service}."})


def _index(article: Article) -> None:
    """Keep the PostgreSQL search vector in step with the title (weight A) and body (weight B)."""
    if connection.vendor != "postgresql":
        return
    Article.objects.filter(pk=article.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
    )


def _version(article: Article, *, actor: User, note: str = "") -> ArticleVersion:
    version = ArticleVersion(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        edited_by=actor,
        created_at=article.revised_at,
        note=note[:200],
    )
    version.full_clean()
    version.save()
    return version


@transactional
def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    service: Service,
    audience: str = "",
    catalogue_items: Iterable[CatalogueItem] = (),
    owner: User | None = None,
    review_by: date | None = None,
) -> Article:
    """Write a new article (a draft, version 1) about a service; the author owns it unless told otherwise."""
    require_perm(actor, "knowledge.add_article")
    items = list(catalogue_items)
    _check_service(actor, service, items)
    now = timezone.now()
    article = Article(
        number=f"KB-{numbers.next_number('knowledge_article', seed=(Article, 'id'))}",
        title=title,
        body=body,
        service=service,
        author=actor,
        owner=owner or actor,
        revised_at=now,
        review_by=review_by or timezone.localdate(now) + timedelta(days=DEFAULT_REVIEW_DAYS),
        **given(audience=audience or UNSET),
    )
    create_audited(article, actor=actor, m2m={"catalogue_items": items}, verb=AuditVerb.ARTICLE_CREATE)
    _version(article, actor=actor, note="Created")
    _index(article)
    return article


@transactional
def article_update(
    *,
    actor: User,
    article: Article,
    reason: str = "",
    title: str | NotGiven = UNSET,
    body: str | NotGiven = UNSET,
    audience: str | NotGiven = UNSET,
    service: Service | NotGiven = UNSET,
    catalogue_items: Iterable[CatalogueItem] | NotGiven = UNSET,
    owner: User | NotGiven = UNSET,
    review_by: date | NotGiven | None = UNSET,
) -> Article:
    """Edit an article; a new title or body makes a new version (the previous one stays readable). A
    retired article is reopened (back to draft) before it is edited."""
    require_perm(actor, "knowledge.change_article")
    require_object(actor, "change", article)
    current = lock(article)
    if current.state == ArticleState.RETIRED:
        raise ValidationError({"state": "A retired article is reopened as a draft before it is edited."})
    new_service = current.service if service is UNSET else service
    items = None if catalogue_items is UNSET else list(catalogue_items)
    _check_service(actor, new_service, items if items is not None else current.catalogue_items.all())
    fields = given(
        title=title, body=body, audience=audience, service=service, owner=owner, review_by=review_by
    )
    revised = any(name in fields and fields[name] != getattr(current, name) for name in ("title", "body"))
    if revised:
        fields.update(version=current.version + 1, revised_at=timezone.now())
    m2m: dict[str, Iterable[Any]] = {} if items is None else {"catalogue_items": items}
    update_audited(article, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.ARTICLE_UPDATE)
    if revised:
        _version(article, actor=actor, note=reason)
        _index(article)
    return article


@transactional
def article_transition(*, actor: User, article: Article, state: str, reason: str = "") -> Article:
    """Move an article along its life cycle. Publishing, sending back and retiring need the review
    permission, and the reviewer who publishes is neither the author nor the last editor."""
    require_perm(actor, "knowledge.change_article")
    require_object(actor, "change", article)
    current = lock(article)
    if state not in TRANSITIONS.get(current.state, set()):
        raise ValidationError(
            {"state": f"An article cannot go from {current.get_state_display().lower()} to {state!r}."}
        )
    move = (current.state, state)
    withdraw = move == (ArticleState.IN_REVIEW, ArticleState.DRAFT) and actor.pk == current.author_id
    if move in REVIEW_MOVES and not withdraw:
        require_perm(actor, "knowledge.review_article")
    fields: dict[str, object] = {"state": state}
    if state == ArticleState.PUBLISHED:
        last_editor = current.versions.order_by("-number").values_list("edited_by_id", flat=True).first()
        if actor.pk in (current.author_id, last_editor):
            raise PermissionDenied("Someone other than the author reviews and publishes an article.")
        fields.update(published_at=timezone.now(), published_by=actor)
    return update_audited(article, actor=actor, fields=fields, reason=reason, verb=_VERB[ArticleState(state)])
