"""Decision pages and API: permission denials (UI and API), segregation of duties, the RACI grid, forum and
meeting pages (printable), the org-unit panel, the report (CSV, chart) and flat query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bimodal.core.tests.factories import OrgUnitFactory, UserFactory
from bimodal.governance import services
from bimodal.governance.models import DecisionRequest, DecisionRight, DecisionType
from bimodal.governance.tests.factories import ForumFactory


class People(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def org(db):
    p = People(
        lead=UserFactory(username="gina", roles=["governance_lead"]),
        lead2=UserFactory(username="glen", roles=["governance_lead"]),
        chris=UserFactory(username="chris", roles=["change_manager"]),
        carla=UserFactory(username="carla", roles=["cab_member"]),
        cora=UserFactory(username="cora", roles=["cab_member"]),
        pat=UserFactory(username="pat", roles=["product_team_member"]),
        audrey=UserFactory(username="audrey", roles=["auditor"]),
    )
    p.board = ForumFactory(
        slug="portfolio-board",
        name="Portfolio board",
        kind="portfolio_board",
        chair=p.chris,
        members=[p.carla, p.cora],
    )
    spend = DecisionType.objects.get(key="approve_spend")
    DecisionRight.objects.create(decision_type=spend, party_kind="role", role="governance_lead", raci="A")
    p.unit = OrgUnitFactory(slug="central", name="Central", governance_model="centralised")
    return p


def open_spend(org, actor, amount=1000):
    return services.decision_request_open(
        actor=actor,
        decision_type="approve_spend",
        title="Buy servers",
        org_unit=org.unit,
        amount=Decimal(amount),
    )


# --- UI ------------------------------------------------------------------------------------------------


def test_request_pages_and_decide_permissions(client, org):
    client.force_login(org.pat)
    response = client.post(
        "/governance/decisions/new/",
        {"decision_type": "approve_spend", "org_unit": "central", "title": "Buy servers", "amount": "1000"},
    )
    request = DecisionRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/governance/decisions/{request.pk}/"
    page = client.get(response.url).content.decode()
    assert "Governance lead" in page and 'data-testid="decide-form"' not in page
    assert (
        client.post(f"/governance/decisions/{request.pk}/decide/", {"outcome": "approved"}).status_code == 403
    )
    client.force_login(org.carla)
    assert (
        client.post(f"/governance/decisions/{request.pk}/decide/", {"outcome": "approved"}).status_code == 403
    )
    client.force_login(org.lead)
    assert 'data-testid="decide-form"' in client.get(f"/governance/decisions/{request.pk}/").content.decode()
    client.post(f"/governance/decisions/{request.pk}/decide/", {"outcome": "approved", "note": "fine"})
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == org.lead


def test_requester_holding_the_right_is_refused_in_the_ui(client, org):
    request = open_spend(org, org.lead)
    client.force_login(org.lead)
    page = client.get(f"/governance/decisions/{request.pk}/").content.decode()
    assert "Segregation of duties" in page
    assert (
        client.post(f"/governance/decisions/{request.pk}/decide/", {"outcome": "approved"}).status_code == 403
    )
    request.refresh_from_db()
    assert request.status == "pending"


def test_readers_cannot_open_requests_and_strangers_see_nothing(client, org):
    client.force_login(org.audrey)
    assert client.get("/governance/decisions/").status_code == 200
    assert client.get("/governance/decisions/new/").status_code == 403
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get("/governance/decisions/").status_code == 403
    request = open_spend(org, org.pat)
    assert client.get(f"/governance/decisions/{request.pk}/").status_code == 404


def test_request_list_query_count_is_flat(client, org):
    client.force_login(org.audrey)
    open_spend(org, org.pat)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/governance/decisions/").status_code == 200
    for _ in range(8):
        open_spend(org, org.pat, 300000)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/governance/decisions/").content.decode()
    assert len(many) == len(one)
    assert page.count('data-testid="decision-status"') == 9


def test_raci_grid_is_editable_by_governance_leads_only(client, org):
    client.force_login(org.carla)
    page = client.get("/governance/decision-rights/central/").content.decode()
    assert 'data-testid="raci-grid"' in page and 'data-testid="save-grid"' not in page
    assert (
        client.post("/governance/decision-rights/central/", {"cell__approve_spend__head": "A"}).status_code
        == 403
    )
    assert not DecisionRight.objects.filter(org_unit=org.unit).exists()
    client.force_login(org.lead)
    page = client.get("/governance/decision-rights/central/").content.decode()
    assert 'name="cell__approve_spend__head"' in page
    response = client.post("/governance/decision-rights/central/", {"cell__approve_spend__head": "A"})
    assert response.status_code == 302
    assert DecisionRight.objects.get(org_unit=org.unit).party == "head"
    # Two A in one decision type: refused, nothing saved.
    client.post(
        "/governance/decision-rights/central/",
        {"cell__approve_spend__head": "A", "cell__approve_spend__role:service_owner": "A"},
    )
    assert DecisionRight.objects.filter(org_unit=org.unit).count() == 1
    assert (
        client.get("/governance/decision-rights/?unit=central").url == "/governance/decision-rights/central/"
    )
    assert client.get("/governance/decision-rights/").status_code == 200


def test_forum_and_meeting_pages(client, org):
    open_spend(org, org.pat, 300000)
    client.force_login(org.carla)  # a member: may not plan meetings
    page = client.get("/governance/forums/portfolio-board/").content.decode()
    assert "Buy servers" in page and 'data-testid="plan-meeting"' not in page
    assert (
        client.post(
            "/governance/forums/portfolio-board/meetings/new/", {"scheduled_for": "2030-01-07T10:00"}
        ).status_code
        == 403
    )
    client.force_login(org.chris)  # the chair
    response = client.post(
        "/governance/forums/portfolio-board/meetings/new/", {"scheduled_for": "2030-01-07T10:00"}
    )
    meeting_url = response.url
    client.post(meeting_url + "agenda/build/")
    client.post(meeting_url + "attendance/", {"attendees": [org.carla.pk, org.cora.pk]})
    page = client.get(meeting_url).content.decode()
    assert "Buy servers" in page and "quorum met" in page
    item = org.board.meetings.get().agenda_items.get()
    client.force_login(org.carla)
    client.post(meeting_url + f"agenda/{item.pk}/record/", {"outcome": "approved", "notes": "Agreed"})
    assert DecisionRequest.objects.get().status == "approved"
    client.force_login(org.chris)
    client.post(meeting_url + "minutes/", {"minutes": "Agreed the server purchase."})
    printable = client.get(meeting_url + "?print=1").content.decode()
    assert 'data-testid="meeting-print"' in printable and "Agreed the server purchase." in printable
    assert "<nav" not in printable


def test_org_unit_page_shows_how_decisions_route(client, org):
    client.force_login(org.audrey)
    page = client.get("/org-units/central/").content.decode()
    assert 'data-testid="unit-governance"' in page and "Approve spend" in page
    assert "Governance lead" in page and "Portfolio board" in page  # above the threshold


def test_report_page_csv_and_permission(client, org):
    request = open_spend(org, org.pat)
    services.decision_record(actor=org.lead, request=request, outcome="approved")
    client.force_login(org.audrey)
    page = client.get("/governance/report/").content.decode()
    assert 'data-testid="report-table"' in page and "plotly" in page
    csv_text = client.get("/governance/report/?format=csv").content.decode()
    assert csv_text.splitlines()[0].startswith("source,decision_type,mode,requests")
    assert any(line.startswith("requests,approve_spend,,1,1,1.0,1.0,") for line in csv_text.splitlines())
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/governance/report/").status_code == 403


# --- API -----------------------------------------------------------------------------------------------


def test_api_open_and_decide_with_permission_checks(client, org):
    client.force_login(org.pat)
    response = client.post(
        "/api/governance/decision-requests/",
        {"decision_type": "approve_spend", "org_unit": "central", "title": "Buy", "amount": "300000"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["forum"] == "portfolio-board" and body["step_count"] == 2
    assert [s["raci"] for s in body["route"]["steps"]] == ["R", "A"]
    pk = body["id"]
    cheap = client.post(
        "/api/governance/decision-requests/",
        {"decision_type": "approve_spend", "org_unit": "central", "title": "Cheap", "amount": "10"},
        content_type="application/json",
    ).json()["id"]
    assert (
        client.post(
            f"/api/governance/decision-requests/{cheap}/decide/",
            {"outcome": "approved"},
            content_type="application/json",
        ).status_code
        == 403
    )  # the requester (and no right)
    client.force_login(org.carla)
    assert (
        client.post(
            f"/api/governance/decision-requests/{pk}/decide/",
            {"outcome": "approved"},
            content_type="application/json",
        ).status_code
        == 403
    )  # a board member, but not at a quorate meeting
    client.force_login(org.lead)
    bad = client.post(
        f"/api/governance/decision-requests/{cheap}/decide/",
        {"outcome": "perhaps"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "outcome" in bad.json()
    ok = client.post(
        f"/api/governance/decision-requests/{cheap}/decide/",
        {"outcome": "rejected", "note": "Not now"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "rejected" and ok.json()["decided_by"] == "gina"
    preview = client.post(
        "/api/governance/decision-requests/route/",
        {"decision_type": "approve_spend", "org_unit": "central", "amount": "1"},
        content_type="application/json",
    )
    assert preview.json()["steps"][0]["ref"] == "governance_lead"


def test_api_auditor_reads_but_cannot_open(client, org):
    client.force_login(org.audrey)
    assert client.get("/api/governance/decision-requests/").status_code == 200
    assert (
        client.post(
            "/api/governance/decision-requests/",
            {"decision_type": "approve_spend", "title": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_api_list_query_count_is_flat(client, org):
    client.force_login(org.audrey)
    open_spend(org, org.pat)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/governance/decision-requests/")
    for _ in range(6):
        open_spend(org, org.pat, 300000)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/governance/decision-requests/").json()["results"]) == 7
    assert len(many) == len(one)


def test_api_rights_only_governance_leads_write_and_one_accountable(client, org):
    client.force_login(org.chris)
    data = {"decision_type": "approve_spend", "org_unit": "central", "party": "head", "raci": "A"}
    assert (
        client.post("/api/governance/decision-rights/", data, content_type="application/json").status_code
        == 403
    )
    client.force_login(org.lead)
    created = client.post("/api/governance/decision-rights/", data, content_type="application/json")
    assert created.status_code == 201 and created.json()["party"] == "head"
    second = {**data, "party": "role:service_owner"}
    refused = client.post("/api/governance/decision-rights/", second, content_type="application/json")
    assert refused.status_code == 400
    assert DecisionRight.objects.filter(org_unit=org.unit).count() == 1
    bad = client.post(
        "/api/governance/decision-rights/", {**data, "party": "role:nobody"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "party" in bad.json()
    listed = client.get("/api/governance/decision-rights/?org_unit=central").json()["results"]
    assert [r["party"] for r in listed] == ["head"]
    right_id = listed[0]["id"]
    assert client.delete(f"/api/governance/decision-rights/{right_id}/").status_code == 204


def test_api_meetings_build_agenda_and_minutes(client, org):
    request = open_spend(org, org.pat, 300000)
    client.force_login(org.chris)
    created = client.post(
        "/api/governance/meetings/",
        {
            "forum": "portfolio-board",
            "scheduled_for": timezone.now().isoformat(),
            "attendees": ["carla", "cora"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["quorum_met"] is True
    pk = created.json()["id"]
    client.force_login(org.carla)
    assert client.post(f"/api/governance/meetings/{pk}/build-agenda/").status_code == 403
    client.force_login(org.chris)
    built = client.post(f"/api/governance/meetings/{pk}/build-agenda/").json()
    assert [i["decision_request"] for i in built["agenda"]] == [request.pk]
    client.force_login(org.cora)
    decided = client.post(
        f"/api/governance/decision-requests/{request.pk}/decide/",
        {"outcome": "approved", "meeting": pk},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["meeting"] == pk
    client.force_login(org.chris)
    held = client.post(
        f"/api/governance/meetings/{pk}/minutes/", {"minutes": "Done."}, content_type="application/json"
    )
    assert held.json()["status"] == "held"
    report = client.get("/api/governance/report/").json()
    assert any(r["decision_type"] == "approve_spend" and r["decided"] == 1 for r in report)
