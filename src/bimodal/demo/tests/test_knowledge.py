"""The demo's knowledge base: published articles on demo services and items, one in review, one stale, one
by Atlas's supplier agent, feedback, deflections and tickets resolved with articles."""

from __future__ import annotations

import pytest

from bimodal.core.models import User
from bimodal.knowledge import selectors
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, TicketArticle

pytestmark = pytest.mark.django_db


def test_the_demo_knowledge_base(demo, db):
    assert Article.objects.filter(state="published").count() == 14
    assert list(Article.objects.filter(state="in_review").values_list("title", flat=True)) == [
        "Core banking: end-of-day batch overrun"
    ]
    assert list(Article.objects.stale().values_list("title", flat=True)) == ["VPN client for remote access"]
    sunils = Article.objects.get(author__username="sunil")
    assert (sunils.service.slug, sunils.state, sunils.published_by.username) == (
        "network-services",
        "published",
        "owen",
    )
    assert Article.objects.filter(catalogue_items__isnull=False).distinct().count() == 5
    assert ArticleFeedback.objects.count() == 4
    assert Deflection.objects.count() == 2
    assert TicketArticle.objects.count() >= 1


def test_what_the_demo_people_read(demo, db):
    rita, sunil = User.objects.get(username="rita"), User.objects.get(username="sunil")
    rita_reads = set(Article.objects.restrict(rita, "view").values_list("audience", "state"))
    assert rita_reads == {("public", "published")}
    assert Article.objects.restrict(sunil, "view").filter(title__startswith="Core banking").count() == 0
    # Atlas is contracted for network services: both its articles, and no other.
    assert set(Article.objects.restrict(sunil, "change").values_list("title", flat=True)) == {
        "Branch network link down: first-line checks",
        "VPN client for remote access",
    }
    # "password" is in these two titles and in no other public article.
    assert {a.title for a in selectors.suggestions(user=rita, text="my password")} == {
        "Reset your network password",
        "Outlook keeps asking for a password",
    }
