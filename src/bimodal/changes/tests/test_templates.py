"""The standard-change catalogue's services: a template's life (proposed, approved by a change manager or
a CAB member who does not own it, versioned, suspended, retired), standard changes only from an approved,
in-date template that covers the services, fixed plans, the policies' `change.template_approved` fact and
the periodic review."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.choices import ChangeStatus as S
from bimodal.changes.choices import TemplateStatus as T
from bimodal.changes.models import Change, StandardChangeTemplate
from bimodal.changes.tests.conftest import make_template
from bimodal.core.models import AuditEntry, Notification
from bimodal.governance import engine

GOOD = {"tests_passed": True, "security_scan": "pass"}


def raise_from(estate, template, service=None, **fields):
    return services.change_create_from_template(
        actor=estate.dev, template=template, services=[service or estate.app], evidence=GOOD, **fields
    )


def test_template_fields_are_named_once():
    from bimodal.changes.api.serializers import TemplateWriteSerializer
    from bimodal.changes.forms import TemplateForm
    from bimodal.core.tests.fieldspec import spec_mismatches

    assert not spec_mismatches(
        services.TEMPLATE_FIELDS,
        services={services.template_propose: (), services.template_revise: ("template",)},
        serializer=TemplateWriteSerializer,
        form=TemplateForm,
    )


def test_a_proposed_template_is_approved_by_a_change_manager_and_audited(estate):
    template = services.template_propose(
        actor=estate.dev,
        name="Restart pods",
        implementation_plan="restart",
        backout_plan="undo",
        test_plan="smoke",
        review_date=timezone.localdate() + timedelta(days=30),
    )
    assert template.status == T.PROPOSED and template.owner == estate.dev and template.version == 1
    with pytest.raises(ValidationError):  # not yet usable
        raise_from(estate, template)
    template = services.template_approve(actor=estate.manager, template=template, reason="proven")
    assert template.status == T.APPROVED and template.approved_by == estate.manager
    verbs = AuditEntry.objects.filter(verb__startswith="template_").values_list("verb", "object_id")
    assert list(verbs.order_by("seq")) == [
        ("template_propose", str(template.pk)),
        ("template_approve", str(template.pk)),
    ]


def test_a_cab_member_approves_but_not_the_owner_nor_a_product_team(estate):
    template = services.template_propose(
        actor=estate.owner,
        name="Rotate TLS",
        implementation_plan="rotate",
        backout_plan="old cert",
        test_plan="openssl",
        review_date=timezone.localdate() + timedelta(days=30),
    )
    for who in (estate.owner, estate.dev, estate.auditor):
        with pytest.raises(PermissionDenied):
            services.template_approve(actor=who, template=template)
    assert services.template_approve(actor=estate.cab1, template=template).status == T.APPROVED


def test_the_change_manager_cannot_approve_a_template_they_own(estate):
    template = services.template_propose(
        actor=estate.manager,
        name="Mine",
        implementation_plan="a",
        backout_plan="b",
        test_plan="c",
        review_date=timezone.localdate() + timedelta(days=30),
    )
    with pytest.raises(PermissionDenied):
        services.template_approve(actor=estate.manager, template=template)


def test_a_past_review_date_is_refused(estate):
    with pytest.raises(ValidationError) as exc:
        services.template_propose(
            actor=estate.dev,
            name="Old",
            implementation_plan="a",
            backout_plan="b",
            test_plan="c",
            review_date=timezone.localdate(),
        )
    assert "review_date" in exc.value.message_dict


def test_a_standard_change_takes_the_plans_of_its_template_and_is_pre_approved(estate, template):
    change = raise_from(estate, template)
    assert change.change_type == "standard" and change.template == template
    assert change.implementation_plan == template.implementation_plan
    assert change.backout_plan == template.backout_plan and change.test_plan == template.test_plan
    change = services.change_submit(actor=estate.dev, change=change)
    assert change.status == S.APPROVED
    assert any("approved, in-date template" in rule["reason"] for rule in change.decision["fired"])


def test_the_plans_of_a_standard_change_cannot_be_edited(estate, template):
    change = raise_from(estate, template)
    for field in ("implementation_plan", "backout_plan", "test_plan"):
        with pytest.raises(ValidationError) as exc:
            services.change_update(actor=estate.dev, change=change, **{field: "something else"})
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.change_update(actor=estate.dev, change=change, change_type="normal")
    assert "change_type" in exc.value.message_dict
    assert services.change_update(actor=estate.dev, change=change, title="Renamed").title == "Renamed"


def test_no_change_becomes_standard_by_its_type_alone(estate, saturday):
    with pytest.raises(ValidationError) as exc:
        services.change_create(actor=estate.dev, title="x", services=[estate.app], change_type="standard")
    assert "change_type" in exc.value.message_dict
    change = services.change_create(actor=estate.dev, title="x", services=[estate.app])
    with pytest.raises(ValidationError) as exc:
        services.change_update(actor=estate.dev, change=change, change_type="standard")
    assert "change_type" in exc.value.message_dict
    assert not Change.objects.filter(change_type="standard").exists()


def test_a_template_covers_only_its_services_or_modes(estate, template):
    with pytest.raises(ValidationError) as exc:  # Mode 1 core banking: not covered by a Mode 2 template
        services.change_create_from_template(actor=estate.owner, template=template, services=[estate.core])
    assert "services" in exc.value.message_dict
    named = make_template(estate, name="Chatbot only", modes=(), services=[estate.other])
    with pytest.raises(ValidationError):
        raise_from(estate, named, estate.app)
    assert raise_from(estate, named, estate.other).template == named


def test_the_raiser_needs_the_right_on_the_service(estate, template):
    with pytest.raises(ValidationError) as exc:  # the owner is not in the app team
        services.change_create_from_template(actor=estate.owner, template=template, services=[estate.app])
    assert "services" in exc.value.message_dict


def test_a_change_above_the_risk_ceiling_is_not_standard(estate):
    low = make_template(estate, name="Tiny", risk_ceiling=5)
    with pytest.raises(ValidationError) as exc:
        raise_from(estate, low)
    assert "risk_answers" in exc.value.message_dict


def test_an_overdue_template_cannot_be_used_and_its_draft_is_not_pre_approved(estate, template):
    change = raise_from(estate, template)
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=False):
        with pytest.raises(ValidationError) as exc:
            raise_from(estate, template)
        assert "template" in exc.value.message_dict
        with pytest.raises(ValidationError):
            services.change_submit(actor=estate.dev, change=change)


def test_the_engine_pre_approves_only_a_catalogued_standard_change(estate, template):
    def decide(approved: bool):
        context = {
            **engine.SAMPLE_CONTEXT,
            "change": {**engine.SAMPLE_CONTEXT["change"], "type": "standard", "template_approved": approved},
            "service": {**engine.SAMPLE_SERVICE, "mode": "mode-2"},
            "evidence": GOOD,
        }
        return engine.evaluate(context, engine.current_policies())

    assert decide(True).outcome == "allow"
    refused = decide(False)
    assert refused.outcome == "needs_approval" and refused.approvals[0]["role"] == "change_manager"


def test_a_new_version_is_proposed_and_supersedes_the_old_once_approved(estate, template):
    v2 = services.template_revise(
        actor=estate.dev, template=template, test_plan="Smoke tests and a canary", reason="canary"
    )
    assert (v2.key, v2.version, v2.status) == (template.key, 2, T.PROPOSED)
    assert v2.implementation_plan == template.implementation_plan
    assert set(v2.modes.all()) == set(template.modes.all())
    with pytest.raises(ValidationError):  # one proposal at a time
        services.template_revise(actor=estate.dev, template=template, name="again")
    with pytest.raises(PermissionDenied):  # not the owner, not a change manager
        services.template_revise(actor=estate.dev2, template=template, name="mine")
    services.template_approve(actor=estate.manager, template=v2)
    template.refresh_from_db()
    assert template.status == T.SUPERSEDED
    assert raise_from(estate, v2).test_plan == "Smoke tests and a canary"


def test_retire_and_suspend(estate, template):
    with pytest.raises(PermissionDenied):
        services.template_suspend(actor=estate.dev, template=template, reason="x")
    with pytest.raises(ValidationError):
        services.template_suspend(actor=estate.manager, template=template, reason="")
    template = services.template_suspend(actor=estate.manager, template=template, reason="incident")
    assert Notification.objects.filter(recipient=estate.dev, subject__contains="suspended").exists()
    with pytest.raises(ValidationError):
        raise_from(estate, template)
    template = services.template_approve(actor=estate.cab1, template=template, reason="fixed")  # reinstated
    with pytest.raises(PermissionDenied):
        services.template_retire(actor=estate.dev2, template=template, reason="x")
    template = services.template_retire(actor=estate.dev, template=template, reason="replaced by GitOps")
    assert template.status == T.RETIRED
    with pytest.raises(ValidationError):
        services.template_approve(actor=estate.manager, template=template)


def _finish(estate, template, result):
    change = services.change_submit(actor=estate.dev, change=raise_from(estate, template))
    if change.status == S.AWAITING_APPROVAL:  # the service now fails too often: a change manager approves
        change = services.change_vote(actor=estate.manager, change=change, vote="approve")
    change = services.change_start(actor=estate.dev, change=change)
    return services.change_complete(actor=estate.dev, change=change, result=result)


def test_usage_counts_and_success_rate(estate, template):
    for result in (S.COMPLETED, S.COMPLETED, S.FAILED):
        _finish(estate, template, result)
    raise_from(estate, template)  # a draft: counted, not finished
    figures = services.template_usage()[template.pk]
    assert (figures["count"], figures["finished"], figures["failed"]) == (4, 3, 1)
    assert figures["success_rate"] == pytest.approx(2 / 3)
    row = StandardChangeTemplate.objects.with_usage().get(pk=template.pk)
    assert (row.used, row.finished, row.failed) == (4, 3, 1) and row.success_rate == pytest.approx(2 / 3)


def test_the_periodic_review_suspends_a_failing_template_and_notifies_its_owner(estate, template):
    healthy = make_template(estate, name="Healthy")
    for result in (S.COMPLETED, S.FAILED, S.BACKED_OUT):
        _finish(estate, template, result)
    for _ in range(3):
        _finish(estate, healthy, S.COMPLETED)
    assert services.templates_review() == {"reviewed": 2, "suspended": 1}
    template.refresh_from_db()
    healthy.refresh_from_db()
    assert template.status == T.SUSPENDED and "2 of the last 3" in template.status_reason
    assert healthy.status == T.APPROVED
    assert Notification.objects.filter(recipient=estate.dev, subject__contains=template.name).exists()
    entry = AuditEntry.objects.filter(verb="template_suspend").get()
    assert entry.actor is None
    assert services.templates_review() == {"reviewed": 1, "suspended": 0}


def test_the_review_ignores_old_changes_and_too_few(estate, template):
    with time_machine.travel(timezone.now() - timedelta(days=services.REVIEW_DAYS + 5), tick=False):
        for _ in range(3):
            _finish(estate, template, S.FAILED)
    _finish(estate, template, S.FAILED)  # one recent failure: below the minimum sample
    assert services.templates_review()["suspended"] == 0


def test_the_review_task_runs_and_reschedules(estate, template, settings):
    from bimodal.changes.tasks import template_review_task

    assert template_review_task.call(False) == {"reviewed": 1, "suspended": 0}
