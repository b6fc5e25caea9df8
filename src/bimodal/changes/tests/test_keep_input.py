"""A refused vote or review keeps what was typed: the change's page again with the vote form (or the review
notes) as posted and the reason — 403 when the person may not vote, 400 when the vote breaks a rule —
and nothing written."""

import html
import re

from bimodal.changes.models import Change
from bimodal.core.tests.factories import UserFactory

PLANS = dict(implementation_plan="a", backout_plan="b", test_plan="c")


def _awaiting_approval(client, estate, saturday) -> Change:
    client.force_login(estate.owner)
    client.post(
        "/changes/new/",
        {
            "title": "Patch",
            "change_type": "normal",
            "environment": "production",
            "services": [estate.core.pk],
            "planned_start": saturday[0].strftime("%Y-%m-%dT%H:%M"),
            "planned_end": saturday[1].strftime("%Y-%m-%dT%H:%M"),
            "risk_downtime": "on",
            **PLANS,
        },
    )
    change = Change.objects.get()
    client.post(f"/changes/{change.reference}/submit/")
    client.force_login(estate.manager)
    client.post(f"/changes/{change.reference}/assess/")
    change.refresh_from_db()
    assert change.status == "awaiting_approval"
    return change


def _vote_form(response) -> str:
    found = re.search(r'<form[^>]*data-testid="vote-form".*?</form>', response.content.decode(), re.S)
    assert found, "the change's page with its vote form"
    return html.unescape(found.group(0))


def test_a_vote_from_outside_the_cab_is_refused_on_the_page_with_the_comment(client, estate, saturday):
    change = _awaiting_approval(client, estate, saturday)
    client.force_login(UserFactory(username="cleo", roles=["cab_member"]))  # not a member of this CAB
    comment = "Backout plan untested — reject until it is rehearsed."
    response = client.post(f"/changes/{change.reference}/vote/", {"vote": "reject", "comment": comment})
    assert response.status_code == 403
    form = _vote_form(response)
    assert "You are not one of the approvers this change needs." in form
    assert comment in form
    assert re.search(r'<option value="reject"[^>]*selected', form)
    assert change.approvals.count() == 0


def test_a_second_vote_is_refused_with_400_and_keeps_the_comment(client, estate, saturday):
    change = _awaiting_approval(client, estate, saturday)
    client.force_login(estate.cab1)
    assert client.post(f"/changes/{change.reference}/vote/", {"vote": "approve"}).status_code == 302
    comment = "On reflection the slot clashes with month end."
    response = client.post(f"/changes/{change.reference}/vote/", {"vote": "reject", "comment": comment})
    assert response.status_code == 400
    form = _vote_form(response)
    assert "You have already voted on this change." in form and comment in form
    assert list(change.approvals.values_list("vote", flat=True)) == ["approve"]


def test_a_plain_button_refused_by_a_rule_still_says_why(client, estate):
    from bimodal.changes import services

    change = services.change_create(actor=estate.owner, title="No slot", services=[estate.core], **PLANS)
    client.force_login(estate.owner)
    response = client.post(f"/changes/{change.reference}/submit/")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == "draft"


def _decide_card(response) -> str:
    page = response.content.decode()
    found = re.search(r'data-testid="template-decide".*?(?=<div class="card-header">Versions)', page, re.S)
    assert found, "the template's page with its decide card"
    return html.unescape(found.group(0))


def test_approving_a_template_past_its_review_date_is_refused_with_400_and_keeps_the_reason(client, estate):
    from datetime import timedelta

    from django.utils import timezone

    from bimodal.changes import services
    from bimodal.changes.models import StandardChangeTemplate
    from bimodal.changes.tests.conftest import mode

    template = services.template_propose(
        actor=estate.dev,
        name="Rotate a certificate",
        modes=[mode("mode-2")],
        review_date=timezone.localdate() + timedelta(days=30),
        risk_ceiling=60,
        **PLANS,
    )
    StandardChangeTemplate.objects.filter(pk=template.pk).update(review_date=timezone.localdate())
    client.force_login(estate.manager)
    reason = "Walked through the runbook with the platform team."
    response = client.post(f"/changes/standard/{template.pk}/approve/", {"reason": reason})
    assert response.status_code == 400
    card = _decide_card(response)
    assert "The review date must be in the future." in card
    approve = re.search(r'data-testid="template-approve-form".*?</form>', card, re.S)
    assert approve and reason in approve.group(0)
    template.refresh_from_db()
    assert template.status == "proposed" and template.approved_by is None


def test_a_suspension_the_person_may_not_make_is_refused_with_403_on_the_page(client, estate, template):
    client.force_login(estate.dev)  # the template's owner: may retire it, not suspend it
    reason = "Two failed restarts this week."
    response = client.post(f"/changes/standard/{template.pk}/suspend/", {"reason": reason})
    assert response.status_code == 403
    card = _decide_card(response)
    assert "permission" in card.lower() or "may not" in card.lower()
    template.refresh_from_db()
    assert template.status == "approved"
