"""The demo's survey answers: most resolved tickets carry a varied rating given after their resolution and
not after the load; rita still has a survey to answer, with the form on her ticket."""

from __future__ import annotations

from django.db.models import F
from django.test import Client
from django.utils import timezone

from bimodal.core.models import Notification, User
from bimodal.servicedesk.models import SatisfactionRating, Ticket


def test_the_demo_has_varied_survey_answers_dated_after_each_resolution(demo, db):
    answers = SatisfactionRating.objects.all()
    resolved = Ticket.objects.filter(status__in=["resolved", "closed"])
    assert answers.count() >= resolved.count() // 2 > 0
    assert set(answers.values_list("rating", flat=True)) >= {1, 2, 3, 4, 5}
    assert answers.exclude(comment="").count() >= 3
    assert not answers.filter(answered_at__lt=F("ticket__resolved_at")).exists()
    assert not answers.filter(answered_at__gt=timezone.now()).exists()
    assert not answers.exclude(answered_by=F("ticket__requester")).exists()


def test_rita_has_a_survey_to_answer(demo, db):
    rita = User.objects.get(username="rita")
    open_survey = Ticket.objects.filter(
        requester=rita, status__in=["resolved", "closed"], satisfaction__isnull=True
    ).first()
    assert open_survey is not None
    client = Client()
    client.force_login(rita)
    page = client.get(open_survey.get_absolute_url()).content.decode()
    assert "How satisfied are you with the resolution?" in page and "Send rating" in page
    # She was asked when it was resolved (the demo's settled history reads as read, docs/servicedesk.md).
    assert Notification.objects.filter(
        recipient=rita, kind="ticket_survey", object_id=str(open_survey.pk)
    ).exists()


def test_the_satisfaction_page_and_the_cio_dashboard_show_the_demo_answers(demo, db):
    client = Client()
    client.force_login(User.objects.get(username="sam"))
    page = client.get("/servicedesk/satisfaction/?days=365").content.decode()
    assert page.count("<tr>") > 4 and "No answers or resolved tickets" not in page.split("By mode")[1]
