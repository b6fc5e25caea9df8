"""Pages of the knowledge app: who sees and does what, the portal's suggestions and deflections, the
ticket panel, versions and the dashboard; refusals and bad input."""

from __future__ import annotations

import pytest

from bimodal.knowledge import services
from bimodal.knowledge.models import Article, ArticleFeedback, Deflection, Suggestion, TicketArticle
from bimodal.knowledge.tests.factories import published
from bimodal.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client, w):
    article = published(w, title="VPN", body="x")
    for url in ("/knowledge/", article.get_absolute_url(), "/knowledge/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_someone_without_a_role_is_refused(client_for, w):
    article = published(w, title="VPN", body="x")
    c = client_for(w["nobody"])
    assert c.get("/knowledge/").status_code == 403
    assert c.get(article.get_absolute_url()).status_code == 403
    assert c.post("/knowledge/suggest/", {"title": "vpn"}).status_code == 403


def test_a_requester_reads_published_public_articles_only(client_for, w):
    public = published(w, title="VPN", body="Connect.")
    draft = services.article_create(actor=w["author"], title="Draft VPN", body="x", service=w["service"])
    internal = published(w, title="Internal VPN", body="x", audience="internal")
    c = client_for(w["requester"])
    listing = c.get("/knowledge/?q=vpn").content.decode()
    assert public.number in listing and draft.number not in listing and internal.number not in listing
    assert c.get(public.get_absolute_url()).status_code == 200
    assert c.get(draft.get_absolute_url()).status_code == 404
    assert c.get(internal.get_absolute_url()).status_code == 404
    assert c.get(f"/knowledge/articles/{public.number}/edit/").status_code == 403
    response = c.post(f"/knowledge/articles/{public.number}/transition/", {"state": "retired"})
    assert response.status_code == 403
    assert Article.objects.get(pk=public.pk).state == "published"


def test_a_supplier_agent_cannot_open_or_edit_another_services_draft(client_for, w):
    theirs = services.article_create(actor=w["author"], title="Mobile", body="x", service=w["other"])
    c = client_for(w["sunil"])
    assert c.get(theirs.get_absolute_url()).status_code == 404
    assert c.post(f"/knowledge/articles/{theirs.number}/edit/", {"title": "x"}).status_code == 404
    response = c.post(
        "/knowledge/new/", {"title": "x", "body": "y", "audience": "public", "service": "mobile-app"}
    )
    assert response.status_code == 400 and not Article.objects.filter(author=w["sunil"]).exists()
    response = c.post(
        "/knowledge/new/", {"title": "Atlas", "body": "y", "audience": "public", "service": "payments"}
    )
    assert response.status_code == 302
    assert Article.objects.get(author=w["sunil"]).service == w["service"]


def test_the_author_submits_and_a_reviewer_publishes_on_the_pages(client_for, w):
    c = client_for(w["author"])
    response = c.post(
        "/knowledge/new/",
        {"title": "Printer", "body": "Open the tray.", "audience": "public", "service": "payments"},
    )
    article = Article.objects.get(title="Printer")
    assert response["Location"] == article.get_absolute_url()
    c.post(f"/knowledge/articles/{article.number}/transition/", {"state": "in_review"})
    c.post(f"/knowledge/articles/{article.number}/transition/", {"state": "published"})
    assert Article.objects.get(pk=article.pk).state == "in_review"  # the author may not publish
    client_for(w["reviewer"]).post(
        f"/knowledge/articles/{article.number}/transition/", {"state": "published"}
    )
    assert Article.objects.get(pk=article.pk).state == "published"
    bad = c.post(f"/knowledge/articles/{article.number}/transition/", {"state": "gone"})
    assert bad.status_code == 400 and b"state" in bad.content


def test_the_history_page_shows_the_diff_and_refuses_unknown_versions(client_for, w):
    article = published(w, title="VPN", body="Choose London.")
    services.article_update(actor=w["author"], article=article, body="Choose Leeds.")
    c = client_for(w["requester"])
    page = c.get(f"/knowledge/articles/{article.number}/versions/?a=1&b=2")
    assert page.status_code == 200
    html = page.content.decode()
    assert "- Choose London." in html and "+ Choose Leeds." in html
    assert c.get(f"/knowledge/articles/{article.number}/versions/?a=1&b=9").status_code == 400
    assert c.get(f"/knowledge/articles/{article.number}/versions/?a=x&b=2").status_code == 400


def test_the_portal_suggests_articles_as_the_requester_types_and_counts_a_deflection(client_for, w):
    article = published(w, title="Reset a card reader", body="Hold the power button.")
    c = client_for(w["requester"])
    assert b"kb-suggestions" in c.get("/servicedesk/new/").content
    response = c.post("/knowledge/suggest/", {"title": "card reader broken"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"{article.get_absolute_url()}?from=portal" in response.content.decode()
    assert Suggestion.objects.get(user=w["requester"]).articles.get() == article
    page = c.get(f"{article.get_absolute_url()}?from=portal").content.decode()
    assert "This solved my problem" in page
    response = c.post(f"/knowledge/articles/{article.number}/solved/")
    assert response.status_code == 302
    deflection = Deflection.objects.get()
    assert (deflection.user, deflection.article, deflection.suggestion) == (
        w["requester"],
        article,
        Suggestion.objects.get(),
    )


def test_nothing_to_suggest_records_nothing(client_for, w):
    response = client_for(w["requester"]).post("/knowledge/suggest/", {"title": "submarine"})
    assert response.status_code == 200 and not Suggestion.objects.exists()
    assert client_for(w["requester"]).post("/knowledge/suggest/", {"item": "no-such-item"}).status_code == 400


def test_feedback_on_the_page(client_for, w):
    article = published(w, title="VPN", body="x")
    c = client_for(w["requester"])
    assert (
        c.post(
            f"/knowledge/articles/{article.number}/feedback/", {"helpful": "no", "comment": "Old"}
        ).status_code
        == 302
    )
    assert c.post(f"/knowledge/articles/{article.number}/feedback/", {"helpful": "maybe"}).status_code == 400
    assert list(ArticleFeedback.objects.values_list("helpful", "comment")) == [(False, "Old")]


def test_an_agent_links_an_article_from_the_ticket_page_and_both_pages_show_it(client_for, w):
    article = published(w, title="Card reader", body="Restart it.")
    ticket = desk_services.ticket_create(
        actor=w["requester"], ticket_type="incident", title="Reader dead", service=w["service"]
    )
    desk_services.ticket_assign(actor=w["admin"], ticket=ticket, group=w["desk"])
    c = client_for(w["author"])
    assert b"link-article-form" in c.get(ticket.get_absolute_url()).content
    response = c.post(f"/knowledge/tickets/{ticket.number}/link/", {"article": article.number})
    assert response.status_code == 302
    assert TicketArticle.objects.get().article == article
    assert (
        f'Resolved with <a href="{article.get_absolute_url()}">{article.number}</a>'
        in c.get(ticket.get_absolute_url()).content.decode()
    )
    assert ticket.number in c.get(article.get_absolute_url()).content.decode()
    assert c.post(f"/knowledge/tickets/{ticket.number}/link/", {"article": article.number}).status_code == 400
    assert c.post(f"/knowledge/tickets/{ticket.number}/link/", {"article": "KB-0"}).status_code == 400
    requester = client_for(w["requester"])
    assert (
        requester.post(f"/knowledge/tickets/{ticket.number}/link/", {"article": article.number}).status_code
        == 403
    )
    assert b"link-article-form" not in requester.get(ticket.get_absolute_url()).content


def test_the_dashboard(client_for, w):
    published(w, title="VPN", body="x")
    c = client_for(w["reviewer"])
    page = c.get("/knowledge/dashboard/")
    assert page.status_code == 200 and b"deflection-rate" in page.content
    assert c.get("/knowledge/dashboard/?days=7").status_code == 400
    assert client_for(w["requester"]).get("/knowledge/dashboard/").status_code == 403
