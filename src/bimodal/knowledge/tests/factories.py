"""Test data of the knowledge app: a small organisation with a contracted supplier, and articles."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from bimodal.core.tests.factories import SupplierFactory, TeamFactory, UserFactory
from bimodal.knowledge import services
from bimodal.knowledge.choices import ArticleState
from bimodal.knowledge.models import Article
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.servicedesk.tests.factories import CatalogueItemFactory
from bimodal.suppliers.tests.factories import active_contract


def kb_world(make_user) -> dict:
    """Two live services, the first covered by the Atlas supplier's current contract; an author (service-desk
    agent), a reviewer (service owner), a requester, Atlas's agent and an agent of a supplier without it."""
    admin = UserFactory(username="kbadmin", is_superuser=True)
    desk = TeamFactory(name="KB desk", slug="kb-desk")
    atlas = SupplierFactory(name="Atlas", slug="atlas")
    other_supplier = SupplierFactory(name="Borealis", slug="borealis")
    queue = TeamFactory(name="Atlas queue", slug="atlas-queue", supplier=atlas)
    service = ServiceFactory(name="Payments", slug="payments")
    other = ServiceFactory(name="Mobile app", slug="mobile-app")
    item = CatalogueItemFactory(
        name="Card reader", slug="card-reader", service=service, fulfilment_group=desk
    )
    # The contracts run from before the tests' fixed dates (2026) to a year after today, whatever day it is.
    today = timezone.localdate()
    span = {
        "start_date": min(today - timedelta(days=365), date(2025, 1, 1)),
        "end_date": max(today + timedelta(days=365), date(2027, 12, 31)),
    }
    active_contract(admin, atlas, [service], **span)
    active_contract(admin, other_supplier, [other], **span)
    return {
        "admin": admin,
        "service": service,
        "other": other,
        "item": item,
        "desk": desk,
        "author": make_user("service_desk_agent", teams=[desk], username="author"),
        "agent2": make_user("service_desk_agent", teams=[desk], username="agent2"),
        "reviewer": make_user("service_owner", username="reviewer"),
        "requester": make_user("requester", username="kbreq"),
        "sunil": make_user("supplier_agent", teams=[queue], supplier=atlas, username="sunil"),
        "bora": make_user("supplier_agent", supplier=other_supplier, username="bora"),
        "nobody": UserFactory(username="norole"),
    }


def published(w: dict, *, title: str, body: str, service=None, audience: str = "public", **fields) -> Article:
    """An article written by the author and published by the reviewer."""
    article = services.article_create(
        actor=w["author"],
        title=title,
        body=body,
        service=service or w["service"],
        audience=audience,
        **fields,
    )
    services.article_transition(actor=w["author"], article=article, state=ArticleState.IN_REVIEW)
    return services.article_transition(actor=w["reviewer"], article=article, state=ArticleState.PUBLISHED)
