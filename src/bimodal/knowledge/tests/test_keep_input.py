"""A refused move of an article keeps what was typed: the article's page again with the reason as posted and
why the move was refused — 403 when the person may not make it, 400 when the article may not — and the
article unchanged."""

from __future__ import annotations

import html
import re

import pytest

from bimodal.knowledge import services
from bimodal.knowledge.models import Article
from bimodal.knowledge.tests.factories import published

pytestmark = pytest.mark.django_db


def _transition_form(response) -> str:
    found = re.search(r'<form[^>]*data-testid="transition-form".*?</form>', response.content.decode(), re.S)
    assert found, "the article's page with its life-cycle form, not a bare page"
    return html.unescape(found.group(0))


def test_a_reviewer_publishing_their_own_article_is_refused_on_the_page_with_the_reason(client_for, w):
    article = services.article_create(actor=w["reviewer"], title="Printer", body="x", service=w["service"])
    services.article_transition(actor=w["reviewer"], article=article, state="in_review")
    reason = "Checked against the vendor's manual — ready to go."
    response = client_for(w["reviewer"]).post(
        f"/knowledge/articles/{article.number}/transition/", {"state": "published", "reason": reason}
    )
    assert response.status_code == 403
    form = _transition_form(response)
    assert "Someone other than the author reviews and publishes an article." in form
    assert f'value="{reason}"' in form
    assert Article.objects.get(pk=article.pk).state == "in_review"


def test_a_move_the_article_may_not_make_is_refused_with_400_and_keeps_the_reason(client_for, w):
    article = published(w, title="VPN", body="Connect.")
    reason = "Superseded by the new VPN client."
    response = client_for(w["reviewer"]).post(
        f"/knowledge/articles/{article.number}/transition/", {"state": "in_review", "reason": reason}
    )
    assert response.status_code == 400
    form = _transition_form(response)
    assert "An article cannot go from published to 'in_review'." in form
    assert f'value="{reason}"' in form
    assert Article.objects.get(pk=article.pk).state == "published"


def test_a_move_with_its_reason_is_recorded(client_for, w):
    article = published(w, title="VPN", body="Connect.")
    response = client_for(w["reviewer"]).post(
        f"/knowledge/articles/{article.number}/transition/", {"state": "retired", "reason": "Superseded"}
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).state == "retired"
