"""Service tests of the registers: risk on create, promotion, ethics decisions, reviews once only,
cost import all-or-nothing, cost by mode and sprawl numbers, permission denials."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry, Notification
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.registers import csvio, selectors, services
from bimodal.registers.models import AIUseCase, CloudCost, LowCodeApp, ReviewTask
from bimodal.registers.tests.factories import AIUseCaseFactory, CloudAccountFactory, LowCodeAppFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(make_user):
    return make_user("governance_lead")


def test_lowcode_create_scores_and_audits(lead):
    tier0 = ServiceFactory(criticality=0)
    other = ServiceFactory(criticality=2)
    app = services.lowcode_create(
        actor=lead,
        name="Branch Cash",
        owner=lead,
        business_unit=OrgUnitFactory(),
        platform="power_apps",
        purpose="Cash",
        user_count=300,
        data_classification="restricted",
        integrations=[tier0, other],
        support_wrapper="none",
    )
    assert (app.risk_score, app.risk_level, app.review_cadence_days) == (95, "critical", 90)
    assert app.next_review_due == app.created_at.date() + dt.timedelta(days=30)
    assert AuditEntry.objects.filter(verb="lowcode_create", object_id=str(app.pk)).exists()


def test_lowcode_update_recomputes_risk(lead):
    app = services.lowcode_create(
        actor=lead,
        name="Small",
        owner=lead,
        business_unit=OrgUnitFactory(),
        platform="sharepoint",
        purpose="x",
        user_count=5,
        data_classification="public",
        support_wrapper="it_supported",
    )
    assert app.risk_level == "low"
    app = services.lowcode_update(actor=lead, app=app, user_count=300, data_classification="restricted")
    assert (app.risk_score, app.risk_level) == (55, "high")


def test_service_owner_cannot_change_someone_elses_app(make_user):
    app = LowCodeAppFactory()
    owner = make_user("service_owner")
    with pytest.raises(PermissionDenied):
        services.lowcode_update(actor=owner, app=app, user_count=3)


def test_requester_cannot_register(make_user):
    with pytest.raises(PermissionDenied):
        services.lowcode_create(
            actor=make_user("requester"),
            name="x",
            owner=make_user(),
            business_unit=OrgUnitFactory(),
            platform="other",
            purpose="x",
        )


def test_promote_creates_a_service_once(lead):
    team = TeamFactory()
    target = ServiceFactory()
    app = LowCodeAppFactory(owner_team=team)
    app.integrations.add(target)
    app = services.lowcode_promote(actor=lead, app=app, mode=mode("mode-2"))
    assert app.stage == "promoted"
    service = Service.objects.get(pk=app.promoted_service_id)
    assert (service.name, service.mode.key, service.owner_team) == (app.name, "mode-2", team)
    assert service.dependencies.filter(target=target).exists()
    with pytest.raises(ValidationError):
        services.lowcode_promote(actor=lead, app=app, mode=mode("mode-2"))


def test_only_apps_in_use_are_promoted(lead):
    app = LowCodeAppFactory(stage="proposed", owner_team=TeamFactory())
    with pytest.raises(ValidationError):
        services.lowcode_promote(actor=lead, app=app, mode=mode("mode-1"))
    assert not Service.objects.filter(name=app.name).exists()


def test_ai_create_tiers_and_requires_dpia(lead):
    use_case = services.aiusecase_create(
        actor=lead,
        name="Scoring",
        owner=lead,
        purpose="p",
        model_vendor="m",
        personal_data=True,
        risk_answers={"creditworthiness": True},
    )
    assert use_case.risk_tier == "high"
    assert use_case.dpia_status == "required"
    assert "Conformity assessment before use" in use_case.required_controls


def test_ai_bad_answers_are_field_errors(lead):
    with pytest.raises(ValidationError) as exc:
        services.aiusecase_create(
            actor=lead, name="x", owner=lead, purpose="p", model_vendor="m", risk_answers={"magic": True}
        )
    assert "risk_answers" in exc.value.message_dict
    assert not AIUseCase.objects.exists()


def test_high_risk_approval_needs_dpia_and_oversight(lead):
    use_case = services.aiusecase_create(
        actor=lead,
        name="Scoring",
        owner=lead,
        purpose="p",
        model_vendor="m",
        risk_answers={"employment": True},
    )
    with pytest.raises(ValidationError) as exc:
        services.aiusecase_decide(actor=lead, use_case=use_case, decision="approved")
    assert set(exc.value.message_dict) == {"dpia_status", "human_oversight"}
    use_case = services.aiusecase_update(
        actor=lead, use_case=use_case, dpia_status="completed", human_oversight="HR reviews"
    )
    with pytest.raises(ValidationError):
        services.aiusecase_decide(actor=lead, use_case=use_case, decision="conditional", conditions="  ")
    use_case = services.aiusecase_decide(
        actor=lead, use_case=use_case, decision="conditional", conditions="Bias report"
    )
    assert (use_case.ethics_decision, use_case.ethics_decided_by) == ("conditional", lead)


def test_prohibited_cannot_be_approved(lead):
    use_case = services.aiusecase_create(
        actor=lead,
        name="Scores",
        owner=lead,
        purpose="p",
        model_vendor="m",
        risk_answers={"social_scoring": True},
    )
    with pytest.raises(ValidationError):
        services.aiusecase_decide(actor=lead, use_case=use_case, decision="approved")


def test_product_team_member_cannot_decide(make_user):
    with pytest.raises(PermissionDenied):
        services.aiusecase_decide(
            actor=make_user("product_team_member"), use_case=AIUseCaseFactory(), decision="approved"
        )


def test_shadow_ai(lead):
    shadow = AIUseCaseFactory(ethics_decision="not_reviewed")
    AIUseCaseFactory(ethics_decision="approved")
    AIUseCaseFactory(stage="proposed")
    prohibited = AIUseCaseFactory(ethics_decision="approved", risk_tier="prohibited")
    assert set(selectors.shadow_ai(user=lead)) == {shadow, prohibited}


# --- reviews ---------------------------------------------------------------------------------------


def test_reviews_are_scheduled_once_only(lead, make_user):
    today = dt.date(2025, 6, 1)
    # Owners who may view the registers are told; one who may not gets the task but no notification.
    overdue = LowCodeAppFactory(next_review_due=dt.date(2025, 5, 1), owner=make_user("governance_lead"))
    soon = AIUseCaseFactory(next_review_due=dt.date(2025, 6, 10), owner=make_user("governance_lead"))
    blind = LowCodeAppFactory(next_review_due=dt.date(2025, 5, 2))
    CloudAccountFactory(next_review_due=dt.date(2025, 7, 30))  # not yet
    LowCodeAppFactory(next_review_due=dt.date(2025, 5, 1), stage="retired")  # retired: no review
    assert services.reviews_schedule(today=today) == {"low_code": 2, "ai": 1, "cloud": 0}
    assert services.reviews_schedule(today=today) == {"low_code": 0, "ai": 0, "cloud": 0}
    assert ReviewTask.objects.count() == 3
    subjects = {n.recipient: n.subject for n in Notification.objects.all()}
    assert blind.owner not in subjects and len(subjects) == 2
    assert subjects[overdue.owner].startswith("Review overdue")
    assert subjects[soon.owner].startswith("Review due")


def test_review_closes_tasks_and_moves_due_date(lead):
    app = LowCodeAppFactory(next_review_due=dt.date(2025, 5, 1), review_cadence_days=90)
    services.reviews_schedule(today=dt.date(2025, 6, 1))
    app = services.item_review(actor=lead, item=app, today=dt.date(2025, 6, 2))
    assert app.next_review_due == dt.date(2025, 8, 31)
    assert ReviewTask.objects.get().review_state == "done"
    # The new due date gets a new task when it comes; the old one is not recreated.
    assert services.reviews_schedule(today=dt.date(2025, 6, 2))["low_code"] == 0
    assert services.reviews_schedule(today=dt.date(2025, 8, 20))["low_code"] == 1


def test_review_dashboard(lead):
    LowCodeAppFactory(next_review_due=dt.date(2025, 5, 1))
    AIUseCaseFactory(next_review_due=dt.date(2025, 6, 10))
    services.reviews_schedule(today=dt.date(2025, 6, 1))
    board = selectors.review_dashboard(user=lead, today=dt.date(2025, 6, 1))
    assert board["counts"] == {"overdue": 1, "due": 1}


def test_owner_sees_only_own_review_tasks(make_user):
    owner = make_user("service_owner")
    LowCodeAppFactory(owner=owner, next_review_due=dt.date(2025, 5, 1))
    LowCodeAppFactory(next_review_due=dt.date(2025, 5, 1))
    services.reviews_schedule(today=dt.date(2025, 6, 1))
    assert selectors.review_tasks(user=owner).count() == 1


# --- cloud -----------------------------------------------------------------------------------------


def test_cost_import_all_or_nothing_with_line_numbers(lead):
    account = CloudAccountFactory(slug="prod")
    text = "account,month,amount\nprod,2025-01,100\nprod,2025-13,5\nnope,2025-02,1\nprod,2025-03,-4\n"
    result = csvio.import_costs(actor=lead, text=text)
    assert [(e.line, e.column) for e in result.errors] == [(3, "month"), (4, "account"), (5, "amount")]
    assert not CloudCost.objects.exists()
    result = csvio.import_costs(
        actor=lead, text="account,month,amount\nprod,2025-01,100\nprod,2025-02,120.50\n"
    )
    assert result.ok and CloudCost.objects.filter(account=account).count() == 2
    # Re-import corrects a month instead of duplicating it.
    csvio.import_costs(actor=lead, text="account,month,amount\nprod,2025-02,99\n")
    assert CloudCost.objects.get(account=account, month=dt.date(2025, 2, 1)).amount == Decimal("99.00")


def test_cost_by_mode_splits_accounts_over_their_services(lead):
    today = dt.date(2025, 6, 15)
    m1, m2 = ServiceFactory(mode=mode("mode-1")), ServiceFactory(mode=mode("mode-2"))
    m1b = ServiceFactory(mode=mode("mode-1"))
    shared = CloudAccountFactory()
    shared.services.set([m1, m1b, m2])
    lonely = CloudAccountFactory()
    for month, amount in ((dt.date(2025, 5, 1), 300), (dt.date(2025, 4, 1), 600)):
        CloudCost.objects.create(account=shared, month=month, amount=amount)
    CloudCost.objects.create(account=lonely, month=dt.date(2025, 5, 1), amount=50)
    CloudCost.objects.create(account=shared, month=dt.date(2024, 1, 1), amount=10_000)  # outside 12 months
    rows = {r["mode"]: r["total"] for r in selectors.cost_by_mode(user=lead, today=today)}
    # 900 over three services: two thirds (600) Mode 1, one third (300) Mode 2; 50 unallocated.
    assert rows == {"Mode 1": Decimal("600.00"), "Mode 2": Decimal("300.00"), "Unallocated": Decimal("50.00")}


def test_sprawl_summary(lead):
    month = selectors.last_month()
    a = CloudAccountFactory(
        monthly_budget=100, total_resources=10, tagged_resources=5, idle_resources=2, orphaned_resources=0
    )
    a.services.add(ServiceFactory())
    b = CloudAccountFactory(owner=None, monthly_budget=100, total_resources=10, tagged_resources=10)
    CloudCost.objects.create(account=a, month=month, amount=150)
    CloudCost.objects.create(account=b, month=month, amount=50)
    summary = selectors.sprawl_summary(user=lead)
    assert summary["accounts"] == 2
    assert (
        summary["no_owner"],
        summary["no_service"],
        summary["under_tagged"],
        summary["over_budget"],
        summary["wasteful"],
    ) == (1, 1, 1, 1, 1)
    assert summary["last_month_cost"] == Decimal("200")


def test_register_import_all_or_nothing(lead):
    unit = OrgUnitFactory(slug="retail")
    text = (
        "name,platform,owner,business_unit,purpose,user_count\n"
        f"Good app,power_apps,{lead.username},retail,p,10\n"
        f"Bad app,nonsense,{lead.username},retail,p,ten\n"
    )
    result = csvio.import_register(actor=lead, key="low_code", text=text)
    assert [(e.line, e.column) for e in result.errors] == [(3, "platform"), (3, "user_count")]
    assert not LowCodeApp.objects.exists()
    result = csvio.import_register(actor=lead, key="low_code", text=text.rsplit("Bad", 1)[0])
    assert result.created == ["good-app"]
    exported = csvio.export_register("low_code", LowCodeApp.objects.all())
    assert exported.splitlines()[1].startswith(f"good-app,Good app,,power_apps,{lead.username},,{unit.slug}")


def test_register_fields_are_named_once():
    from bimodal.core.tests.fieldspec import spec_mismatches
    from bimodal.registers.api.serializers import (
        AIUseCaseWriteSerializer,
        CloudAccountWriteSerializer,
        LowCodeAppWriteSerializer,
    )
    from bimodal.registers.forms import AIUseCaseForm, CloudAccountForm, LowCodeAppForm

    assert not spec_mismatches(
        services.LOWCODE_FIELDS,
        services={services.lowcode_create: (), services.lowcode_update: ("app",)},
        serializer=LowCodeAppWriteSerializer,
        form=LowCodeAppForm,
        form_omits=("slug",),
    )
    assert not spec_mismatches(
        services.AIUSECASE_FIELDS,
        services={services.aiusecase_create: (), services.aiusecase_update: ("use_case",)},
        serializer=AIUseCaseWriteSerializer,
        form=AIUseCaseForm,
        form_omits=("slug", "risk_answers"),  # the page asks one checkbox per question
    )
    assert not spec_mismatches(
        services.CLOUDACCOUNT_FIELDS,
        services={services.cloudaccount_create: (), services.cloudaccount_update: ("account",)},
        serializer=CloudAccountWriteSerializer,
        form=CloudAccountForm,
        form_omits=("slug",),
    )


def test_blank_choices_take_the_model_defaults(lead):
    app = services.lowcode_create(
        actor=lead,
        name="Defaults",
        owner=lead,
        business_unit=OrgUnitFactory(),
        platform="mendix",
        purpose="x",
    )
    assert (app.stage, app.data_classification) == (
        LowCodeApp._meta.get_field("stage").default,
        LowCodeApp._meta.get_field("data_classification").default,
    )
    account = services.cloudaccount_create(actor=lead, name="Sandbox", provider="aws", account_ref="1234")
    assert (account.monthly_budget, account.stage) == (0, "proposed")


def test_cloudaccount_update_changes_only_what_is_given(lead):
    owner_team = TeamFactory()
    account = services.cloudaccount_create(
        actor=lead,
        name="Prod",
        provider="azure",
        account_ref="sub-1",
        owner=lead,
        owner_team=owner_team,
        monthly_budget=Decimal("1000"),
    )
    services.cloudaccount_update(actor=lead, account=account, idle_resources=0, total_resources=10)
    account.refresh_from_db()
    assert (account.owner, account.owner_team, account.monthly_budget) == (lead, owner_team, Decimal("1000"))
    services.cloudaccount_update(actor=lead, account=account, owner_team=None, reason="team disbanded")
    account.refresh_from_db()
    assert account.owner_team is None and account.total_resources == 10
    assert AuditEntry.objects.filter(verb="cloudaccount_update", reason="team disbanded").count() == 1
