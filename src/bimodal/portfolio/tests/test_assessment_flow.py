"""Assessments, proposals, pathways and drift: services, permissions, views, API and commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio import services
from bimodal.portfolio.models import Assessment, MigrationPathway, Questionnaire, ReclassificationProposal
from bimodal.portfolio.selectors import current_questionnaire
from bimodal.portfolio.tasks import detect_drift
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db

AGILE = {
    "change_requests": "very_high",
    "business_volatility": "high",
    "release_effort": "low",
    "coupling": "low",
}
STABLE = {"change_requests": "none", "business_criticality": "very_high", "regulatory_burden": "high"}


@pytest.fixture
def team():
    return TeamFactory(name="Lending", slug="lending")


@pytest.fixture
def service(team):
    return ServiceFactory(name="Loans", slug="loans", owner_team=team, mode=mode("mode-1"))


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gloria")


@pytest.fixture
def member(make_user, team):
    return make_user("product_team_member", teams=[team], username="pat")


def test_default_questionnaire_is_seeded_and_published():
    questionnaire = current_questionnaire()
    assert questionnaire.version == 1 and questionnaire.criteria.count() == 16


def test_team_member_records_an_assessment_with_history(member, service):
    first = services.assessment_record(actor=member, service=service, answers=STABLE)
    second = services.assessment_record(
        actor=member, service=service, answers=AGILE, notes="after the pipeline"
    )
    first.refresh_from_db()
    assert not first.is_latest and second.is_latest
    assert first.recommended_mode.key == "mode-1" and second.recommended_mode.key == "mode-2"
    assert second.differs and second.assessed_by == member
    assert second.rationale[0].startswith("Recommended Mode 2")
    assert AuditEntry.objects.filter(verb="assessment_record").count() == 2


def test_bad_answers_are_field_errors_and_nothing_is_written(member, service):
    with pytest.raises(ValidationError) as exc:
        services.assessment_record(actor=member, service=service, answers={"change_requests": "lots"})
    assert "change_requests" in exc.value.message_dict
    assert not Assessment.objects.exists()


def test_outsider_cannot_assess(make_user, service):
    outsider = make_user("product_team_member")
    with pytest.raises(PermissionDenied):
        services.assessment_record(actor=outsider, service=service, answers=AGILE)


def test_proposal_accept_moves_the_service_with_the_reason(member, gov, service):
    proposal = services.proposal_create(
        actor=member, service=service, to_mode=mode("mode-2"), reason="Agile now"
    )
    with pytest.raises(PermissionDenied):
        services.proposal_accept(actor=member, proposal=proposal)
    services.proposal_accept(actor=gov, proposal=proposal, note="Agreed at the board")
    service.refresh_from_db()
    proposal.refresh_from_db()
    assert service.mode.key == "mode-2" and proposal.status == "accepted" and proposal.decided_by == gov
    entry = AuditEntry.objects.filter(verb="service_change_mode").get()
    assert "Agile now" in entry.reason
    with pytest.raises(ValidationError):
        services.proposal_reject(actor=gov, proposal=proposal, note="too late")


def test_reject_needs_a_note_and_one_open_proposal_per_service(member, gov, service):
    proposal = services.proposal_create(actor=member, service=service, to_mode=mode("mode-2"), reason="x")
    with pytest.raises(ValidationError):
        services.proposal_create(actor=member, service=service, to_mode=mode("mode-2"), reason="again")
    with pytest.raises(ValidationError):
        services.proposal_reject(actor=gov, proposal=proposal, note=" ")
    services.proposal_reject(actor=gov, proposal=proposal, note="Not ready")
    assert ReclassificationProposal.objects.get().status == "rejected"


def test_pathway_progress_blockers_and_completion_rule(member, service):
    pathway = services.pathway_create(
        actor=member,
        service=service,
        to_mode=mode("mode-2"),
        title="To Mode 2",
        owner=member,
        steps=[{"title": "Pipeline"}, {"title": "Tests", "blocker": "No test data"}],
        readiness=["Deployment automation"],
    )
    services.pathway_set_status(actor=member, pathway=pathway, status="in_progress")
    services.pathway_step_update(actor=member, step=pathway.steps.first(), done=True)
    with pytest.raises(ValidationError):
        services.pathway_set_status(actor=member, pathway=pathway, status="completed")
    with pytest.raises(ValidationError):
        services.pathway_set_status(actor=member, pathway=pathway, status="planned")
    from bimodal.portfolio.selectors import pathway_list, progress

    row = pathway_list(user=member).get(pk=pathway.pk)
    assert (row.steps_done, row.steps_total, row.readiness_met, row.blockers) == (1, 2, 0, 1)
    assert progress(row) == 33


def test_drift_opens_a_proposal_once(member, service):
    services.assessment_record(actor=member, service=service, answers=AGILE)
    assert detect_drift.call() == 1
    proposal = ReclassificationProposal.objects.get()
    assert proposal.source == "drift" and proposal.to_mode.key == "mode-2"
    assert proposal.evidence["source"] == "assessment"
    assert detect_drift.call() == 0


def test_drift_evidence_carries_the_service_s_delivery_figures(member, service):
    """Deployments and incidents recorded by the insights app become evidence. In the last 90 days:
    5 successful production deployments on 3 days (a staging one and a 120-day-old one do not count),
    and one incident 2 hours after the newest deployment: change failure rate 1/5 = 20 %."""
    from datetime import timedelta

    from django.utils import timezone

    from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory

    now = timezone.now()
    for days_ago in (1, 1, 8, 15, 15):
        DeploymentFactory(service=service, finished_at=now - timedelta(days=days_ago, hours=3))
    DeploymentFactory(service=service, environment="staging", finished_at=now - timedelta(days=3))
    DeploymentFactory(service=service, finished_at=now - timedelta(days=120))
    TicketFactory(service=service, opened_at=now - timedelta(days=1, hours=1))
    services.assessment_record(actor=member, service=service, answers=AGILE)
    assert detect_drift.call() == 1
    evidence = ReclassificationProposal.objects.get().evidence
    delivery = evidence["delivery"]
    assert delivery["days"] == 90 and delivery["deployment_frequency"]["count"] == 5
    assert delivery["change_failure_rate"]["value"] == pytest.approx(0.2)
    line = evidence["rationale"][-1]
    assert line.startswith("Delivery, last 90 days: 5 deployments") and "change failure rate 20 %" in line


def test_drift_without_deployments_has_no_delivery_evidence(member, service):
    services.assessment_record(actor=member, service=service, answers=AGILE)
    assert detect_drift.call() == 1
    assert "delivery" not in ReclassificationProposal.objects.get().evidence


def test_drift_from_attributes_for_unassessed_services():
    critical = ServiceFactory(slug="ledger", mode=mode("mode-2"), criticality=0, hosting="mainframe")
    out = StringIO()
    call_command("detect_drift", "--dry-run", stdout=out)
    assert "ledger: Mode 2 → Mode 1" in out.getvalue()
    assert not ReclassificationProposal.objects.exists()
    call_command("detect_drift", stdout=StringIO())
    assert ReclassificationProposal.objects.get().service == critical


def test_questionnaire_versions(gov, member):
    published = current_questionnaire()
    with pytest.raises(PermissionDenied):
        services.questionnaire_new_version(actor=member, source=published)
    draft = services.questionnaire_new_version(actor=gov, source=published)
    criterion = draft.criteria.get(key="change_requests")
    services.criterion_update(actor=gov, criterion=criterion, weight=8)
    with pytest.raises(ValidationError):
        services.criterion_update(actor=gov, criterion=criterion, options=[{"value": "x"}])
    services.questionnaire_publish(actor=gov, questionnaire=draft)
    assert current_questionnaire().pk == draft.pk
    assert Questionnaire.objects.get(pk=published.pk).status == "retired"
    with pytest.raises(PermissionDenied):  # a published version is frozen
        services.criterion_update(actor=gov, criterion=published.criteria.first(), weight=1)


def test_criterion_fields_are_named_once():
    from bimodal.core.tests.fieldspec import spec_mismatches
    from bimodal.portfolio.forms import CriterionForm

    assert not spec_mismatches(
        services.CRITERION_FIELDS,
        services={
            services.criterion_update: ("criterion",),
            services.criterion_add: ("questionnaire", "key"),
        },
        form=CriterionForm,
    )


def test_criterion_update_changes_only_what_is_given(gov):
    draft = services.questionnaire_new_version(actor=gov, source=current_questionnaire())
    criterion = draft.criteria.get(key="change_requests")
    label, options = criterion.label, criterion.options
    services.criterion_update(actor=gov, criterion=criterion, weight=3, reason="less weight")
    criterion.refresh_from_db()
    assert (criterion.weight, criterion.label, criterion.options) == (3, label, options)
    entry = AuditEntry.objects.get(verb="criterion_update")
    assert entry.reason == "less weight" and entry.after["weight"] == 3


# --- views --------------------------------------------------------------------------------------------


def test_complete_an_assessment_in_the_ui(client_for, member, service):
    client = client_for(member)
    assert client.get("/portfolio/services/loans/assess/").status_code == 200
    response = client.post("/portfolio/services/loans/assess/", {**AGILE, "notes": ""})
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portfolio/assessments/{assessment.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Change requests per quarter" in page and "differs from the current mode" in page
    bad = client.post("/portfolio/services/loans/assess/", {"change_requests": "lots"})
    assert bad.status_code == 400 and Assessment.objects.count() == 1


def test_map_and_lists_render(client_for, gov, member, service):
    services.assessment_record(actor=member, service=service, answers={**AGILE, "functional_fit": "high"})
    client = client_for(gov)
    page = client.get("/portfolio/map/").content.decode()
    assert "Portfolio map" in page and "plotly.min.js" in page and "Heritage" in page and "Loans" in page
    for url in [
        "/portfolio/assessments/",
        "/portfolio/proposals/",
        "/portfolio/pathways/",
        "/portfolio/questionnaire/",
    ]:
        assert client.get(url).status_code == 200, url


def test_member_cannot_decide_in_the_ui(client_for, member, gov, service):
    proposal = services.proposal_create(actor=member, service=service, to_mode=mode("mode-2"), reason="x")
    url = f"/portfolio/proposals/{proposal.pk}/"
    assert client_for(member).post(url, {"decision": "accept"}).status_code == 403
    assert client_for(gov).post(url, {"decision": "accept"}).status_code == 302
    service.refresh_from_db()
    assert service.mode.key == "mode-2"


def test_requester_sees_no_assessment_pages(client_for, make_user):
    client = client_for(make_user("requester"))
    assert client.get("/portfolio/map/").status_code == 403
    assert client.get("/portfolio/proposals/").status_code == 403


def test_assessment_list_query_count_is_flat(client_for, gov, member, team):
    client = client_for(gov)

    def add(n):
        for _ in range(n):
            s = ServiceFactory(owner_team=team)
            services.assessment_record(actor=gov, service=s, answers=AGILE)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/portfolio/assessments/").status_code == 200
            assert client.get("/api/portfolio/assessments/").status_code == 200
            assert client.get("/portfolio/map/").status_code == 200
        return len(ctx)

    add(2)
    count()
    few = count()
    add(6)
    assert count() == few


# --- API ----------------------------------------------------------------------------------------------


def test_api_assess_and_decide(client_for, member, gov, service):
    client = client_for(member)
    response = client.post(
        "/api/portfolio/assessments/", {"service": "loans", "answers": AGILE}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["recommended_mode"]["key"] == "mode-2"
    bad = client.post(
        "/api/portfolio/assessments/",
        {"service": "loans", "answers": {"coupling": "x"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "coupling" in bad.json()
    created = client.post(
        "/api/portfolio/proposals/",
        {"service": "loans", "to_mode": "mode-2", "reason": "ready"},
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post(f"/api/portfolio/proposals/{pk}/accept/").status_code == 403
    accepted = client_for(gov).post(
        f"/api/portfolio/proposals/{pk}/accept/", {"note": "ok"}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_api_bulk_classify_with_bad_rows(client_for, make_user):
    client = client_for(make_user("cab_member"))
    rows = [
        {"id": "a", "answers": AGILE},
        {"id": "b", "attributes": {"criticality": 0, "hosting": "mainframe", "regulatory_tags": 4}},
    ]
    response = client.post(
        "/api/portfolio/assessments/classify/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 200
    assert [r["recommended_mode"] for r in response.json()] == ["mode-2", "mode-1"]
    rows.append({"id": "c", "answers": {"coupling": "huge"}, "attributes": {"criticality": 9}})
    bad = client.post("/api/portfolio/assessments/classify/", {"rows": rows}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()["rows[2]"]) == {"coupling", "criticality"}


# --- command -------------------------------------------------------------------------------------------


def test_assess_command_with_bad_rows(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "service,change_requests,criticality,hosting\ncore,none,0,mainframe\napp,very_high,3,public_cloud\n"
    )
    out = StringIO()
    call_command("assess", str(good), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("service,recommended_mode")
    assert lines[1].startswith("core,mode-1") and lines[2].startswith("app,mode-2")
    bad = tmp_path / "bad.csv"
    bad.write_text("service,change_requests,criticality\nok,low,1\nx,lots,7\n")
    err = StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("assess", str(bad), stdout=StringIO(), stderr=err)
    assert (
        "line 3, column change_requests" in err.getvalue() and "line 3, column criticality" in err.getvalue()
    )
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("service,colour\nx,blue\n")
    with pytest.raises(CommandError):
        call_command("assess", str(unknown), stdout=StringIO(), stderr=StringIO())


def test_pathway_api_lists_in_flight(client_for, member, service):
    services.pathway_create(
        actor=member,
        service=service,
        to_mode=mode("mode-2"),
        title="Move",
        owner=member,
        steps=[{"title": "a"}],
    )
    data = client_for(member).get("/api/portfolio/pathways/").json()
    assert data["results"][0]["progress"] == 0 and data["results"][0]["steps"][0]["title"] == "a"
    assert MigrationPathway.objects.count() == 1
