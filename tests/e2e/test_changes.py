"""A Mode 1 change goes from draft through CAB approval; a Mode 2 gate call is allowed and shows as a
standard change."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bimodal.changes import services
from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.governance import engine
from bimodal.governance.defaults import apply_default_policies
from bimodal.governance.models import Forum
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode


@pytest.fixture
def estate(transactional_db):
    engine._cache.update(signature=None, snapshot=None)
    admin = UserFactory(username="root", is_superuser=True)
    owner = UserFactory(username="owen", roles=["service_owner"])
    chris = UserFactory(username="chris", roles=["change_manager"])
    carla = UserFactory(username="carla", roles=["cab_member"])
    team = TeamFactory(name="Core Banking Platform", slug="core-banking-platform", members=[owner])
    core = ServiceFactory(
        name="Core Banking", slug="core-banking", mode=mode("mode-1"), owner_team=team, criticality=0
    )
    app = ServiceFactory(
        name="Mobile Banking App", slug="mobile-banking-app", mode=mode("mode-2"), owner_team=team
    )
    DependencyFactory(source=app, target=core)
    apply_default_policies(actor=admin)
    Forum.objects.get(slug="cab").members.set([chris, carla])
    yield {"admin": admin, "owner": owner, "chris": chris, "carla": carla, "core": core, "app": app}
    engine._cache.update(signature=None, snapshot=None)


def test_mode1_change_from_draft_through_cab_approval(page, login, estate):
    login(estate["owner"])
    page.click("a[data-area=changes]")
    page.get_by_test_id("add-change").click()
    page.fill("#id_title", "Core banking patch")
    page.select_option("#id_services", label="Core Banking")
    start = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    page.fill("#id_planned_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_planned_end", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_implementation_plan", "Apply the patch")
    page.fill("#id_backout_plan", "Restore the snapshot")
    page.fill("#id_test_plan", "Smoke tests")
    page.get_by_test_id("save-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Draft")
    url = page.url
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Submitted")

    for user in ("chris", "carla"):
        page.context.clear_cookies()
        login(estate[user])
        page.goto(url)
        if user == "chris":
            page.get_by_test_id("step-assess").click()
            expect(page.get_by_test_id("change-status")).to_have_text("Awaiting approval")
            expect(page.get_by_test_id("decision")).to_contain_text("CAB")
        page.select_option("#id_vote", "approve")
        page.fill("#id_comment", f"Fine by {user}")
        page.get_by_test_id("cast-vote").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Approved")
    expect(page.get_by_test_id("votes")).to_contain_text("Fine by carla")
    expect(page.get_by_test_id("timeline")).to_contain_text("approved")


def test_mode2_gate_call_is_allowed_and_shows_as_a_standard_change(page, login, estate, client):
    _, secret = services.pipeline_token_create(actor=estate["admin"], name="app ci", services=[estate["app"]])
    response = client.post(
        "/api/gate/",
        {
            "service": "mobile-banking-app",
            "version": "4.2.0",
            "idempotency_key": "run-42",
            "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 90.0},
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.json()["outcome"] == "allow"
    login(estate["chris"])
    page.goto("/changes/?change_type=standard")
    table = page.get_by_test_id("change-table")
    expect(table).to_contain_text("Deploy mobile-banking-app 4.2.0")
    expect(table).to_contain_text("pipeline")
    page.get_by_role("link", name=re.compile(r"CHG-")).first.click()
    expect(page.get_by_test_id("change-status")).to_have_text("Implementing")


def test_raise_a_standard_change_from_a_template(page, login, estate):
    template = services.template_propose(
        actor=estate["owner"],
        name="Scale Kubernetes deployment",
        modes=[mode("mode-2")],
        implementation_plan="Change the replicas in the Helm values and let the pipeline roll it out",
        backout_plan="Revert the values commit",
        test_plan="Rollout completes; error rate within the SLO",
        review_date=timezone.localdate() + timedelta(days=120),
    )
    services.template_approve(actor=estate["chris"], template=template)
    login(estate["owner"])
    page.goto("/changes/")
    page.get_by_test_id("templates-link").click()
    page.get_by_role("link", name="Scale Kubernetes deployment").click()
    expect(page.get_by_test_id("template-status")).to_contain_text("Approved")
    page.get_by_test_id("raise-from-template").click()
    page.fill("#id_title", "Scale the app for payday")
    # Only the services the template covers and the user may change are offered: not Mode 1 core banking.
    expect(page.locator("#id_services option")).to_have_text(["Mobile Banking App"])
    page.select_option("#id_services", label="Mobile Banking App")
    page.fill("#id_evidence", '{"tests_passed": true, "security_scan": "pass"}')
    page.get_by_test_id("save-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Draft")
    expect(page.get_by_test_id("change-template")).to_contain_text("Scale Kubernetes deployment")
    expect(page.locator("body")).to_contain_text("Revert the values commit")
    page.get_by_test_id("step-submit").click()
    # Mode 2 pre-approves a standard change from an approved, in-date template: no vote is asked.
    expect(page.get_by_test_id("change-status")).to_have_text("Approved")
    expect(page.get_by_test_id("decision")).to_contain_text("approved, in-date template")


def test_start_outside_the_slot_shows_the_refusal(page, login, estate):
    """The Start button of a change scheduled for next week: the page says why not, nothing changes."""
    start = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    services.window_create(
        actor=estate["admin"],
        name="Weekend",
        kind="window",
        start=start - timedelta(hours=1),
        end=start + timedelta(hours=3),
    )
    change = services.change_create(
        actor=estate["owner"],
        title="Core banking patch",
        services=[estate["core"]],
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        implementation_plan="Apply the patch",
        backout_plan="Restore the snapshot",
        test_plan="Smoke tests",
    )
    services.change_submit(actor=estate["owner"], change=change)
    services.change_assess(actor=estate["chris"], change=change)
    services.change_vote(actor=estate["chris"], change=change, vote="approve")
    services.change_vote(actor=estate["carla"], change=change, vote="approve")
    services.change_schedule(actor=estate["owner"], change=change)
    login(estate["owner"])
    page.goto(f"/changes/{change.reference}/")
    expect(page.get_by_test_id("change-status")).to_have_text("Scheduled")
    page.get_by_test_id("step-start").click()
    expect(page.get_by_test_id("message").first).to_contain_text(f"{change.reference} is planned for")
    expect(page.get_by_test_id("message").first).to_contain_text("may start from")
    expect(page.get_by_test_id("change-status")).to_have_text("Scheduled")
