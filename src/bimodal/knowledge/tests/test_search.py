"""Full-text search: PostgreSQL's text search, or the SQLite fallback, find the same articles for plain
words (CI runs this module on both databases)."""

from __future__ import annotations

import pytest

from bimodal.knowledge import selectors
from bimodal.knowledge.models import Article
from bimodal.knowledge.tests.factories import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(w):
    published(w, title="Reset a card reader", body="Hold the power button for ten seconds.")
    published(w, title="Connect to the VPN", body="Open the client and choose the London gateway.")
    published(w, title="Printer jams", body="Open the tray, remove the paper, close the tray.")
    published(w, title="Card payments declined", body="Check the terminal is online, then retry.")
    return Article.objects.all()


def _titles(queryset):
    return sorted(queryset.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("card", ["Card payments declined", "Reset a card reader"]),
        ("card reader", ["Reset a card reader"]),
        ("tray paper", ["Printer jams"]),
        ("london", ["Connect to the VPN"]),
        ("the", []),  # a stop word alone says nothing
        ("submarine", []),
    ],
)
def test_every_word_must_match(articles, query, expected):
    assert _titles(selectors.search(articles, query)) == expected


def test_any_word_for_suggestions_ranks_title_matches_first(articles):
    found = list(selectors.search(articles, "card reader power", any_word=True))
    assert {a.title for a in found} == {"Reset a card reader", "Card payments declined"}
    assert found[0].title == "Reset a card reader"


def test_suggestions_come_only_from_published_articles_the_person_may_read(w, articles):
    from bimodal.knowledge import services

    services.article_create(actor=w["author"], title="Card reader draft", body="x", service=w["service"])
    published(w, title="Card reader internal", body="x", audience="internal")
    found = selectors.suggestions(user=w["requester"], text="card reader")
    assert {a.title for a in found} == {"Reset a card reader", "Card payments declined"}


def test_suggestions_for_a_catalogue_item_are_its_articles(w, articles):
    published(w, title="Ordering a card reader", body="Say which shop.", catalogue_items=[w["item"]])
    found = selectors.suggestions(user=w["requester"], text="", catalogue_item=w["item"])
    assert [a.title for a in found] == ["Ordering a card reader"]
