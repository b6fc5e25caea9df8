"""Page tests of editing low-code apps and cloud accounts: writes go through the services (audited), bad input
writes nothing, 403 for those who see but may not change, 404 for those who see nothing."""

import pytest

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.registers.forms import CloudAccountForm, LowCodeAppForm
from bimodal.registers.models import CloudAccount, LowCodeApp
from bimodal.registers.tests.factories import CloudAccountFactory, LowCodeAppFactory

pytestmark = pytest.mark.django_db


def _post_data(form_class, instance, user, **changes) -> dict:
    """What the edit page submits when nothing is touched, plus `changes`."""
    form = form_class(instance=instance, user=user)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    data.update(changes)
    return data


def _audit(verb: str) -> int:
    return AuditEntry.objects.filter(verb=verb).count()


def test_owner_edits_low_code_app_and_risk_is_recomputed(make_user, client_for):
    owner = make_user("product_team_member")
    app = LowCodeAppFactory(
        owner=owner, user_count=5, data_classification="public", support_wrapper="it_supported"
    )
    tier0 = ServiceFactory(criticality=0)
    client = client_for(owner)
    page = client.get(app.get_absolute_url()).content.decode()
    assert 'data-testid="edit-lowcode"' in page
    assert client.get(f"/registers/low-code/{app.slug}/edit/").status_code == 200
    data = _post_data(
        LowCodeAppForm,
        app,
        owner,
        user_count="300",
        data_classification="restricted",
        support_wrapper="none",
        integrations=[str(tier0.pk)],
    )
    response = client.post(f"/registers/low-code/{app.slug}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    app.refresh_from_db()
    # 30 users + 25 restricted + 5 one integration + 10 tier 0 + 20 nobody = 90
    assert (app.user_count, app.risk_score, app.risk_level) == (300, 90, "critical")
    assert list(app.integrations.all()) == [tier0]
    assert _audit("lowcode_update") == 1
    entry = AuditEntry.objects.get(verb="lowcode_update")
    assert entry.actor == owner and entry.before["user_count"] == 5 and entry.after["user_count"] == 300


def test_low_code_edit_bad_input_writes_nothing(make_user, client_for):
    owner = make_user("product_team_member")
    app = LowCodeAppFactory(owner=owner, user_count=5)
    before = AuditEntry.objects.count()
    data = _post_data(LowCodeAppForm, app, owner, name="", user_count="-3")
    response = client_for(owner).post(f"/registers/low-code/{app.slug}/edit/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="form-errors"' in body and "nothing has been saved" in body
    assert AuditEntry.objects.count() == before
    app.refresh_from_db()
    assert app.name != "" and app.user_count == 5


def test_low_code_edit_rejects_impossible_stage_and_keeps_promoted(make_user, client_for):
    lead = make_user("governance_lead")
    retired = LowCodeAppFactory(stage="retired")
    data = _post_data(LowCodeAppForm, retired, lead, stage="in_use")
    response = client_for(lead).post(f"/registers/low-code/{retired.slug}/edit/", data)
    assert response.status_code == 400 and "form-errors" in response.content.decode()
    retired.refresh_from_db()
    assert retired.stage == "retired" and _audit("lowcode_update") == 0
    # A promoted app stays promoted through an edit of its other fields.
    promoted = LowCodeAppFactory(stage="promoted")
    data = _post_data(LowCodeAppForm, promoted, lead, purpose="Still useful")
    response = client_for(lead).post(f"/registers/low-code/{promoted.slug}/edit/", data)
    assert response.status_code == 302
    promoted.refresh_from_db()
    assert promoted.stage == "promoted" and promoted.purpose == "Still useful"


def test_low_code_edit_permissions(make_user, client_for):
    team_member = make_user("product_team_member")
    team = TeamFactory(members=[team_member])
    app = LowCodeAppFactory(owner_team=team)
    url = f"/registers/low-code/{app.slug}/edit/"
    # A member of the owner team may change it.
    assert client_for(team_member).get(url).status_code == 200
    # Others who can see it but not change it: no button, 403 on the page and on a post.
    for role in ("service_owner", "auditor"):
        other = make_user(role)
        client = client_for(other)
        assert 'data-testid="edit-lowcode"' not in client.get(app.get_absolute_url()).content.decode()
        assert client.get(url).status_code == 403
        assert client.post(url, _post_data(LowCodeAppForm, app, other, name="Hijacked")).status_code == 403
    # Those who see no register: 404.
    assert client_for(make_user("requester")).get(url).status_code == 404
    assert client_for(make_user("requester")).post(url, {"name": "x"}).status_code == 404
    app.refresh_from_db()
    assert app.name != "Hijacked" and _audit("lowcode_update") == 0
    assert LowCodeApp.objects.count() == 1


def test_owner_edits_cloud_account(make_user, client_for):
    owner = make_user("service_owner")
    account = CloudAccountFactory(owner=owner, total_resources=10, tagged_resources=5)
    service = ServiceFactory()
    client = client_for(owner)
    assert 'data-testid="edit-cloud"' in client.get(account.get_absolute_url()).content.decode()
    data = _post_data(
        CloudAccountForm,
        account,
        owner,
        tagged_resources="10",
        monthly_budget="1500.00",
        services=[str(service.pk)],
    )
    response = client.post(f"/registers/cloud/{account.slug}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.tagged_resources == 10 and str(account.monthly_budget) == "1500.00"
    assert list(account.services.all()) == [service]
    entry = AuditEntry.objects.get(verb="cloudaccount_update")
    assert entry.actor == owner and entry.before["tagged_resources"] == 5


def test_cloud_edit_bad_input_writes_nothing(make_user, client_for):
    lead = make_user("governance_lead")
    account = CloudAccountFactory(total_resources=10)
    before = AuditEntry.objects.count()
    data = _post_data(CloudAccountForm, account, lead, provider="moon", total_resources="many")
    response = client_for(lead).post(f"/registers/cloud/{account.slug}/edit/", data)
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    assert AuditEntry.objects.count() == before
    account.refresh_from_db()
    assert account.provider == "aws" and account.total_resources == 10


def test_cloud_edit_permissions(make_user, client_for):
    account = CloudAccountFactory()
    url = f"/registers/cloud/{account.slug}/edit/"
    for role in ("service_owner", "change_manager"):
        other = make_user(role)
        client = client_for(other)
        assert 'data-testid="edit-cloud"' not in client.get(account.get_absolute_url()).content.decode()
        assert client.get(url).status_code == 403
        assert (
            client.post(url, _post_data(CloudAccountForm, account, other, name="Hijacked")).status_code == 403
        )
    assert client_for(make_user("requester")).get(url).status_code == 404
    assert CloudAccount.objects.get().name != "Hijacked" and _audit("cloudaccount_update") == 0
    # Governance leads change every account.
    assert client_for(make_user("governance_lead")).get(url).status_code == 200


def test_register_a_cloud_account_through_the_page(make_user, client_for):
    lead = make_user("governance_lead")
    client = client_for(lead)
    assert client.get("/registers/cloud/new/").status_code == 200
    data = {
        "name": "Data lake",
        "provider": "aws",
        "account_ref": "4242",
        "owner": lead.pk,
        "monthly_budget": "800",
        "total_resources": "4",
        "tagged_resources": "4",
        "idle_resources": "0",
        "orphaned_resources": "0",
        "stage": "in_use",
    }
    bad = client.post("/registers/cloud/new/", {**data, "tagged_resources": "9"})
    assert bad.status_code == 400 and not CloudAccount.objects.exists()
    response = client.post("/registers/cloud/new/", data)
    account = CloudAccount.objects.get()
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    assert (account.slug, account.owner, account.stage) == ("data-lake", lead, "in_use")
    assert _audit("cloudaccount_create") == 1


def test_cloud_account_page_needs_the_add_permission(make_user, client_for):
    client = client_for(make_user("service_owner"))
    assert client.get("/registers/cloud/new/").status_code == 403
    assert client.post("/registers/cloud/new/", {"name": "Mine"}).status_code == 403
    assert not CloudAccount.objects.exists()


def test_registering_a_low_code_app_says_its_risk(make_user, client_for):
    owner = make_user("product_team_member")
    unit = OrgUnitFactory()
    data = {
        "name": "Branch roster",
        "platform": "power_apps",
        "owner": owner.pk,
        "business_unit": unit.pk,
        "purpose": "Shifts",
        "user_count": "5",
        "data_classification": "internal",
        "support_wrapper": "none",
        "stage": "in_use",
    }
    response = client_for(owner).post("/registers/low-code/new/", data, follow=True)
    app = LowCodeApp.objects.get(name="Branch roster")
    assert response.redirect_chain[-1][0] == app.get_absolute_url()
    message = [str(m) for m in response.context["messages"]]
    assert message == [f"“Branch roster” registered: risk {app.get_risk_level_display()} ({app.risk_score})."]
    assert _audit("lowcode_create") == 1
