"""The knowledge API: articles with their life cycle, versions and diffs; feedback; links; deflections.
Refusals and bad input (a 400 naming the field)."""

from __future__ import annotations

import pytest

from bimodal.knowledge import services
from bimodal.knowledge.models import Article
from bimodal.knowledge.tests.factories import published
from bimodal.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_write_submit_and_publish_through_the_api(client_for, w):
    c = client_for(w["author"])
    response = c.post(
        "/api/knowledge/articles/",
        {"title": "VPN", "body": "Connect.", "service": "payments", "catalogue_items": ["card-reader"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert response.json()["state"] == "draft" and response.json()["catalogue_items"] == ["card-reader"]
    assert (
        c.post(
            f"/api/knowledge/articles/{number}/transition/", {"state": "in_review"}, content_type=JSON
        ).status_code
        == 200
    )
    refused = c.post(
        f"/api/knowledge/articles/{number}/transition/", {"state": "published"}, content_type=JSON
    )
    assert refused.status_code == 403
    r = client_for(w["reviewer"]).post(
        f"/api/knowledge/articles/{number}/transition/", {"state": "published"}, content_type=JSON
    )
    assert r.status_code == 200 and r.json()["published_by"] == "reviewer"
    as_requester = client_for(w["requester"]).get(f"/api/knowledge/articles/{number}/").json()
    assert (as_requester["author"], as_requester["owner"], as_requester["published_by"]) == (None, None, None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x", "body": "y", "service": "nope"}, "service"),
        ({"title": "x", "body": "y", "service": "payments", "audience": "everyone"}, "audience"),
        ({"body": "y", "service": "payments"}, "title"),
        ({"title": "x", "body": "y", "service": "payments", "catalogue_items": ["nope"]}, "catalogue_items"),
        (
            {"title": "x", "body": "y", "service": "mobile-app", "catalogue_items": ["card-reader"]},
            "catalogue_items",
        ),
        ({"title": "x", "body": "y", "service": "payments", "review_by": "soon"}, "review_by"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_for, w, payload, field):
    response = client_for(w["author"]).post("/api/knowledge/articles/", payload, content_type=JSON)
    assert response.status_code == 400 and field in response.json(), response.content


def test_a_bad_state_or_version_is_a_400_naming_it(client_for, w):
    article = published(w, title="VPN", body="x")
    c = client_for(w["reviewer"])
    response = c.post(
        f"/api/knowledge/articles/{article.number}/transition/", {"state": "draft"}, content_type=JSON
    )
    assert response.status_code == 400 and "state" in response.json()
    assert "a" in c.get(f"/api/knowledge/articles/{article.number}/diff/?a=5&b=1").json()
    assert "b" in c.get(f"/api/knowledge/articles/{article.number}/diff/?a=1&b=x").json()


def test_versions_and_diff(client_for, w):
    article = published(w, title="VPN", body="Choose London.")
    services.article_update(actor=w["author"], article=article, body="Choose Leeds.")
    c = client_for(w["requester"])
    assert [v["number"] for v in c.get(f"/api/knowledge/articles/{article.number}/versions/").json()] == [
        2,
        1,
    ]
    lines = c.get(f"/api/knowledge/articles/{article.number}/diff/?a=2&b=1").json()
    assert [(ln["kind"], ln["text"]) for ln in lines if ln["kind"] in "+-"] == [
        ("-", "Choose London."),
        ("+", "Choose Leeds."),
    ]


def test_search_and_what_each_caller_lists(client_for, w):
    published(w, title="Card reader", body="Restart it.")
    published(w, title="Card internal", body="x", audience="internal")
    services.article_create(actor=w["sunil"], title="Card draft", body="x", service=w["service"])
    published(w, title="Mobile card", body="x", service=w["other"], audience="internal")

    def titles(user):
        response = client_for(user).get("/api/knowledge/articles/?q=card")
        return sorted(a["title"] for a in response.json()["results"])

    assert titles(w["requester"]) == ["Card reader"]
    assert titles(w["sunil"]) == ["Card draft", "Card internal", "Card reader"]
    assert titles(w["bora"]) == ["Mobile card"]
    assert client_for(w["nobody"]).get("/api/knowledge/articles/").status_code == 403


def test_a_supplier_agent_cannot_write_for_a_service_without_contract(client_for, w):
    c = client_for(w["sunil"])
    response = c.post(
        "/api/knowledge/articles/", {"title": "x", "body": "y", "service": "mobile-app"}, content_type=JSON
    )
    assert response.status_code in (400, 403) and not Article.objects.exists()
    theirs = published(w, title="Mobile", body="x", service=w["other"])
    patch = c.patch(f"/api/knowledge/articles/{theirs.number}/", {"title": "Mine"}, content_type=JSON)
    assert patch.status_code == 404  # a service Atlas has no contract for: not even readable
    assert Article.objects.get(pk=theirs.pk).title == "Mobile"


def test_feedback_and_links(client_for, w):
    article = published(w, title="Card reader", body="Restart it.")
    c = client_for(w["requester"])
    r = c.post("/api/knowledge/feedback/", {"article": article.number, "helpful": True}, content_type=JSON)
    assert r.status_code == 201 and r.json()["version"] == 1
    bad = c.post("/api/knowledge/feedback/", {"article": "KB-0", "helpful": True}, content_type=JSON)
    assert bad.status_code == 400 and "article" in bad.json()
    ticket = desk_services.ticket_create(
        actor=w["requester"], ticket_type="incident", title="Reader dead", service=w["service"]
    )
    desk_services.ticket_assign(actor=w["admin"], ticket=ticket, group=w["desk"])
    refused = c.post(
        "/api/knowledge/links/", {"ticket": ticket.number, "article": article.number}, content_type=JSON
    )
    assert refused.status_code == 403
    agent = client_for(w["author"])
    r = agent.post(
        "/api/knowledge/links/", {"ticket": ticket.number, "article": article.number}, content_type=JSON
    )
    assert r.status_code == 201 and r.json()["linked_by"] == "author"
    again = agent.post(
        "/api/knowledge/links/", {"ticket": ticket.number, "article": article.number}, content_type=JSON
    )
    assert again.status_code == 400 and "article" in again.json()
    assert [
        x["article"] for x in agent.get(f"/api/knowledge/links/?ticket={ticket.number}").json()["results"]
    ] == [article.number]
