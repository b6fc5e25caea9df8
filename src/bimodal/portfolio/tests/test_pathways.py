"""Migration pathways: planning and changing them through services, the API and the pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio import services
from bimodal.portfolio.models import MigrationPathway, PathwayStep, ReadinessCriterion
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db

API = "/api/portfolio/pathways/"


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


@pytest.fixture
def outsider(make_user):
    return make_user("product_team_member", teams=[TeamFactory()], username="olga")


@pytest.fixture
def pathway(member, service):
    return services.pathway_create(
        actor=member,
        service=service,
        to_mode=mode("mode-2"),
        title="Loans to Mode 2",
        owner=member,
        steps=[{"title": "Build the pipeline"}, {"title": "Contract tests", "status": "in_progress"}],
        readiness=["Deployment automation in place"],
    )


def _writes() -> tuple[int, int, int, int]:
    return (
        MigrationPathway.objects.count(),
        PathwayStep.objects.count(),
        ReadinessCriterion.objects.count(),
        AuditEntry.objects.count(),
    )


# --- services ---------------------------------------------------------------------------------------


def test_create_with_steps_and_readiness_is_audited(pathway, member):
    assert pathway.from_mode.key == "mode-1" and pathway.to_mode.key == "mode-2"
    steps = list(pathway.steps.all())
    assert [s.title for s in steps] == ["Build the pipeline", "Contract tests"]
    assert [s.status for s in steps] == ["todo", "in_progress"]
    assert pathway.readiness.get().label == "Deployment automation in place"
    verbs = list(AuditEntry.objects.values_list("verb", flat=True))
    assert verbs.count("pathway_create") == 1 and verbs.count("pathway_step_add") == 2
    assert verbs.count("readiness_add") == 1


def test_governance_lead_plans_for_any_service_outsider_refused(gov, outsider, service):
    services.pathway_create(actor=gov, service=service, to_mode=mode("mode-2"), title="By gov", owner=gov)
    before = _writes()
    with pytest.raises(PermissionDenied):
        services.pathway_create(
            actor=outsider, service=service, to_mode=mode("mode-2"), title="No", owner=outsider
        )
    assert _writes() == before


def test_blocked_step_needs_a_blocker_and_nothing_is_written(member, service):
    before = _writes()
    with pytest.raises(ValidationError) as exc:
        services.pathway_create(
            actor=member,
            service=service,
            to_mode=mode("mode-2"),
            title="Loans",
            owner=member,
            steps=[{"title": "ok"}, {"title": "stuck", "status": "blocked"}],
        )
    assert "blocker" in exc.value.message_dict
    assert _writes() == before


def test_step_status_transitions_and_done_in_step(pathway, member):
    step = pathway.steps.get(title="Contract tests")
    services.pathway_step_update(actor=member, step=step, status="blocked", blocker="No test env")
    step.refresh_from_db()
    assert step.status == "blocked" and not step.done
    services.pathway_step_update(actor=member, step=step, status="done")
    step.refresh_from_db()
    assert step.done and step.done_at is not None
    services.pathway_step_update(actor=member, step=step, done=False)  # the tick-box shortcut
    step.refresh_from_db()
    assert step.status == "todo" and not step.done and step.done_at is None
    with pytest.raises(ValidationError):
        services.pathway_step_update(actor=member, step=step, status="blocked", blocker="")
    step.refresh_from_db()
    assert step.status == "todo"


def test_update_add_step_and_readiness(pathway, member, gov, outsider):
    services.pathway_update(actor=gov, pathway=pathway, title="Renamed", target_date="2027-03-31")
    pathway.refresh_from_db()
    assert pathway.title == "Renamed" and str(pathway.target_date) == "2027-03-31"
    with pytest.raises(ValidationError):
        services.pathway_update(actor=member, pathway=pathway, to_mode=mode("mode-1"))
    with pytest.raises(TypeError):  # the status moves only through pathway_set_status
        services.pathway_update(actor=member, pathway=pathway, status="completed")  # type: ignore[call-arg]
    with pytest.raises(PermissionDenied):
        services.pathway_update(actor=outsider, pathway=pathway, title="Mine")
    step = services.pathway_step_add(actor=member, pathway=pathway, title="Cut over", owner=member)
    assert step.order == 2
    item = services.readiness_add(actor=member, pathway=pathway, label="On-call team staffed")
    assert item.order == 1
    with pytest.raises(PermissionDenied):
        services.readiness_add(actor=outsider, pathway=pathway, label="x")


# --- API --------------------------------------------------------------------------------------------


def test_api_create_and_workflow(client_for, member, service):
    client = client_for(member)
    response = client.post(
        API,
        {
            "service": "loans",
            "to_mode": "mode-2",
            "title": "Loans to Mode 2",
            "owner": "pat",
            "target_date": "2027-01-31",
            "steps": [{"title": "Pipeline", "owner": "pat", "due_date": "2026-12-01"}],
            "readiness": [{"label": "Automated tests above 70 %"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["from_mode"]["key"] == "mode-1" and data["to_mode"]["key"] == "mode-2"
    assert data["steps"][0]["owner"] == "pat" and data["steps"][0]["status"] == "todo"
    url = f"{API}{data['id']}/"

    r = client.post(f"{url}add_step/", {"title": "Cut over", "status": "blocked", "blocker": "CAB"})
    assert r.status_code == 201 and r.json()["blockers"] == 1
    step_id = r.json()["steps"][1]["id"]
    r = client.post(f"{url}update_step/", {"step": step_id, "status": "done"})
    assert r.status_code == 200 and r.json()["steps"][1]["done"] is True
    r = client.post(f"{url}add_criterion/", {"label": "On-call team staffed"})
    assert r.status_code == 201 and len(r.json()["readiness"]) == 2
    for item in r.json()["readiness"]:
        r = client.post(f"{url}meet_criterion/", {"criterion": item["id"], "evidence": "seen"})
        assert r.status_code == 200
    assert all(item["met"] for item in r.json()["readiness"])
    r = client.patch(url, {"title": "Renamed", "reason": "clearer"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    r = client.post(f"{url}set_status/", {"status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert AuditEntry.objects.filter(verb="pathway_update", reason="clearer").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to_mode": "mode-1"}, "to_mode"),  # already there
        ({"to_mode": "nope"}, "to_mode"),
        ({"owner": "nobody"}, "owner"),
        ({"target_date": "soon"}, "target_date"),
        ({"title": ""}, "title"),
        ({"steps": [{"title": "x", "due_date": "31/12"}]}, "steps"),
        ({"steps": [{"title": "x", "status": "stuck"}]}, "steps"),
        ({"steps": [{"title": "x", "status": "blocked"}]}, "blocker"),
        ({"readiness": [{"label": ""}]}, "readiness"),
    ],
)
def test_api_bad_input_is_400_with_field_errors_and_writes_nothing(
    client_for, member, service, payload, field
):
    body = {"service": "loans", "to_mode": "mode-2", "title": "T", "owner": "pat", **payload}
    before = _writes()
    response = client_for(member).post(API, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert _writes() == before


def test_api_bad_step_updates_are_400(client_for, member, pathway):
    client = client_for(member)
    url = f"{API}{pathway.pk}/"
    before = _writes()
    assert client.post(f"{url}update_step/", {"step": 999999, "status": "done"}).status_code == 400
    step = pathway.steps.first()
    r = client.post(f"{url}update_step/", {"step": step.pk, "status": "blocked"})
    assert r.status_code == 400 and "blocker" in r.json()
    assert client.post(f"{url}add_step/", {"title": ""}).status_code == 400
    assert client.post(f"{url}meet_criterion/", {"criterion": 999999}).status_code == 400
    assert client.post(f"{url}set_status/", {"status": "completed"}).status_code == 400
    assert _writes() == before


def test_api_permissions(client_for, make_user, outsider, gov, pathway):
    url = f"{API}{pathway.pk}/"
    before = _writes()
    other = client_for(outsider)
    assert other.post(f"{url}add_step/", {"title": "x"}).status_code == 403
    assert other.patch(url, {"title": "x"}, content_type="application/json").status_code == 403
    assert other.post(f"{url}add_criterion/", {"label": "x"}).status_code == 403
    body = {"service": "loans", "to_mode": "mode-2", "title": "T", "owner": "olga"}
    assert other.post(API, body, content_type="application/json").status_code == 403
    viewer = client_for(make_user("change_manager"))
    assert viewer.post(f"{url}add_step/", {"title": "x"}).status_code == 403
    assert viewer.post(API, body, content_type="application/json").status_code == 403
    assert _writes() == before
    assert client_for(gov).post(f"{url}add_step/", {"title": "By gov"}).status_code == 201


def test_api_list_query_count_is_flat(client_for, gov, member, team):
    client = client_for(gov)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API).status_code == 200
        return len(ctx.captured_queries)

    def plan(n: int):
        for i in range(n):
            svc = ServiceFactory(owner_team=team)
            services.pathway_create(
                actor=member,
                service=svc,
                to_mode=mode("mode-2"),
                title=f"P{i}",
                owner=member,
                steps=[{"title": "a", "owner": member}, {"title": "b"}],
                readiness=["r"],
            )

    plan(2)
    first = count()
    plan(5)
    assert count() == first


# --- pages ------------------------------------------------------------------------------------------


def _form(**extra) -> dict:
    data = {
        "to_mode": str(mode("mode-2").pk),
        "title": "Loans to Mode 2",
        "target_date": "2027-01-31",
        "description": "",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "readiness-TOTAL_FORMS": "3",
        "readiness-INITIAL_FORMS": "0",
        "steps-0-title": "Build the pipeline",
        "steps-0-status": "todo",
        "steps-1-status": "todo",
        "steps-2-status": "todo",
        "readiness-0-label": "Deployment automation in place",
    }
    data.update(extra)
    return data


def test_page_plans_a_pathway(client_for, member, service):
    client = client_for(member)
    page = client.get("/portfolio/services/loans/")
    assert b'data-testid="plan-pathway"' in page.content
    assert client.get("/portfolio/services/loans/pathways/new/").status_code == 200
    response = client.post("/portfolio/services/loans/pathways/new/", _form(owner=str(member.pk)))
    assert response.status_code == 302
    pathway = MigrationPathway.objects.get()
    assert pathway.steps.count() == 1 and pathway.readiness.count() == 1
    detail = client.get(response["Location"])
    assert b"Build the pipeline" in detail.content and b'data-testid="add-step-form"' in detail.content


def test_page_bad_input_shows_errors_and_writes_nothing(client_for, member, service):
    before = _writes()
    client = client_for(member)
    response = client.post(
        "/portfolio/services/loans/pathways/new/",
        _form(owner=str(member.pk), title="", **{"steps-1-title": "Stuck", "steps-1-status": "blocked"}),
    )
    assert response.status_code == 400
    assert (
        b"Say what blocks this step." in response.content and b"This field is required." in response.content
    )
    assert _writes() == before


def test_page_permissions(client_for, outsider, make_user, pathway):
    client = client_for(outsider)
    assert client.get("/portfolio/services/loans/pathways/new/").status_code == 403
    assert client.get(f"/portfolio/pathways/{pathway.pk}/edit/").status_code == 403
    assert client.post(f"/portfolio/pathways/{pathway.pk}/steps/add/", {"step-title": "x"}).status_code == 403
    step = pathway.steps.first()
    assert client.get(f"/portfolio/pathways/{pathway.pk}/steps/{step.pk}/edit/").status_code == 403
    assert b"plan-pathway" not in client.get("/portfolio/services/loans/").content


def test_page_edit_plan_add_and_edit_steps(client_for, gov, member, pathway):
    client = client_for(gov)
    url = f"/portfolio/pathways/{pathway.pk}/"
    r = client.post(
        f"{url}edit/",
        {"to_mode": str(mode("mode-2").pk), "title": "Renamed", "owner": str(member.pk), "target_date": ""},
    )
    assert r.status_code == 302
    pathway.refresh_from_db()
    assert pathway.title == "Renamed"
    r = client.post(
        f"{url}steps/add/", {"step-title": "Cut over", "step-status": "blocked", "step-blocker": ""}
    )
    assert r.status_code == 400 and b"Say what blocks this step." in r.content
    r = client.post(
        f"{url}steps/add/", {"step-title": "Cut over", "step-status": "blocked", "step-blocker": "CAB date"}
    )
    assert r.status_code == 302
    step = pathway.steps.get(title="Cut over")
    r = client.post(
        f"{url}steps/{step.pk}/edit/",
        {"title": "Cut over", "status": "in_progress", "blocker": "", "owner": str(member.pk)},
    )
    assert r.status_code == 302
    step.refresh_from_db()
    assert step.status == "in_progress" and step.owner == member
    r = client.post(f"{url}readiness/add/", {"readiness-label": "On-call team staffed"})
    assert r.status_code == 302 and pathway.readiness.count() == 2
    r = client.post(f"{url}readiness/add/", {"readiness-label": ""})
    assert r.status_code == 400


def test_pathway_step_and_readiness_fields_are_named_once():
    from bimodal.core.tests.fieldspec import spec_mismatches
    from bimodal.portfolio.api.serializers import (
        PathwayStepWriteSerializer,
        PathwayUpdateSerializer,
        ReadinessWriteSerializer,
    )
    from bimodal.portfolio.forms import PathwayForm, ReadinessForm, StepForm

    assert not spec_mismatches(
        services.READINESS_FIELDS,
        services={services.readiness_add: ("pathway",)},
        serializer=ReadinessWriteSerializer,
        form=ReadinessForm,
    )

    assert not spec_mismatches(
        services.PATHWAY_FIELDS,
        services={
            services.pathway_create: ("service", "steps", "readiness", "proposal"),
            services.pathway_update: ("pathway",),
        },
        serializer=PathwayUpdateSerializer,
        form=PathwayForm,
    )
    assert not spec_mismatches(
        services.STEP_FIELDS,
        services={services.pathway_step_add: ("pathway",), services.pathway_step_update: ("step", "done")},
        serializer=PathwayStepWriteSerializer,
        form=StepForm,
    )


def test_step_update_changes_only_what_is_given(pathway, member):
    step = pathway.steps.get(title="Contract tests")
    services.pathway_step_update(actor=member, step=step, blocker="")
    step.refresh_from_db()
    assert (step.title, step.status) == ("Contract tests", "in_progress")
    services.pathway_step_update(actor=member, step=step, owner=member, reason="taking it")
    step.refresh_from_db()
    assert step.owner == member and step.status == "in_progress"
    assert AuditEntry.objects.filter(verb="pathway_step_update", reason="taking it").count() == 1


def test_pathway_update_to_none_differs_from_not_given(pathway, gov):
    services.pathway_update(actor=gov, pathway=pathway, target_date=date(2027, 3, 31))
    services.pathway_update(actor=gov, pathway=pathway, description="Why we move")
    pathway.refresh_from_db()
    assert (pathway.target_date, pathway.description) == (date(2027, 3, 31), "Why we move")
    services.pathway_update(actor=gov, pathway=pathway, target_date=None)
    pathway.refresh_from_db()
    assert (pathway.target_date, pathway.title) == (None, "Loans to Mode 2")
