"""Core write services: validated, permission-checked and audited in one transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core import audit, services
from bimodal.core.choices import AuditAction, GovernanceModel
from bimodal.core.models import AuditEntry, OrgUnit, Team
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.core.verbs import AuditVerb

pytestmark = pytest.mark.django_db


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gov")


def _entries_for(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name))


def test_unique_slug_avoids_taken_slugs():
    OrgUnitFactory(name="Retail", slug="retail")
    OrgUnitFactory(name="Retail 2", slug="retail-2")
    assert services.unique_slug(OrgUnit, "Retail") == "retail-3"
    assert services.unique_slug(OrgUnit, "Corporate Banking") == "corporate-banking"
    assert services.unique_slug(OrgUnit, "!!!") == "item"


def test_orgunit_create_writes_one_audit_entry(gov):
    before = AuditEntry.objects.count()
    unit = services.orgunit_create(
        actor=gov, name="Retail Banking", governance_model=GovernanceModel.FEDERATED
    )
    assert unit.slug == "retail-banking"
    assert AuditEntry.objects.count() == before + 1
    (entry,) = _entries_for(unit)
    assert entry.action == AuditAction.CREATE
    assert entry.verb == "orgunit_create"
    assert entry.actor == gov
    assert entry.before is None
    assert entry.after["name"] == "Retail Banking"
    assert entry.after["governance_model"] == "federated"
    assert entry.after["id"] == unit.pk


def test_team_create_records_members(gov, make_user):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    team = services.team_create(actor=gov, name="Payments", org_unit=OrgUnitFactory(), members=[bob, alice])
    assert set(team.members.all()) == {alice, bob}
    (entry,) = _entries_for(team)
    assert entry.after["members"] == sorted([alice.pk, bob.pk])


def test_update_writes_before_and_after(gov):
    unit = services.orgunit_create(actor=gov, name="Retail")
    services.orgunit_update(actor=gov, org_unit=unit, description="Branches and cards", reason="tidy up")
    unit.refresh_from_db()
    assert unit.description == "Branches and cards"
    _, updated = sorted(_entries_for(unit), key=lambda e: e.seq)
    assert updated.action == AuditAction.UPDATE
    assert updated.verb == "orgunit_update"
    assert updated.reason == "tidy up"
    assert updated.before["description"] == ""
    assert updated.after["description"] == "Branches and cards"
    assert updated.changed_fields == [("description", "", "Branches and cards")]
    assert audit.verify()[1] == []


def test_update_with_no_change_writes_nothing(gov, make_user):
    member = make_user()
    team = services.team_create(actor=gov, name="Payments", org_unit=OrgUnitFactory(), members=[member])
    before = AuditEntry.objects.count()
    services.team_update(actor=gov, team=team, name="Payments", members=[member])
    services.team_update(actor=gov, team=Team.objects.get(pk=team.pk))
    assert AuditEntry.objects.count() == before


def test_changing_only_members_is_audited(gov, make_user):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    team = services.team_create(actor=gov, name="Payments", org_unit=OrgUnitFactory(), members=[alice])
    services.team_update(actor=gov, team=team, members=[alice, bob])
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.changed_fields == [("members", [alice.pk], sorted([alice.pk, bob.pk]))]


def test_invalid_create_writes_nothing(gov):
    OrgUnitFactory(name="Retail", slug="retail")
    units, entries = OrgUnit.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.orgunit_create(actor=gov, name="Retail", slug="retail-banking")  # duplicate name
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.orgunit_create(actor=gov, name="X" * 121)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.orgunit_create(actor=gov, name="Wealth", governance_model="anarchy")
    assert (OrgUnit.objects.count(), AuditEntry.objects.count()) == (units, entries)


def test_invalid_update_writes_nothing(gov):
    unit = OrgUnitFactory(name="Retail", slug="retail")
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.orgunit_update(actor=gov, org_unit=unit, slug="not a slug!")
    assert OrgUnit.objects.get(pk=unit.pk).slug == "retail"
    assert AuditEntry.objects.count() == entries


def test_team_create_and_update_need_permission(make_user):
    member = make_user("product_team_member")
    with pytest.raises(PermissionDenied):
        services.team_create(actor=member, name="Rogue", org_unit=OrgUnitFactory())
    team = TeamFactory(members=[member])
    with pytest.raises(PermissionDenied):
        services.team_update(actor=member, team=team, name="Renamed")
    assert not Team.objects.filter(name__in=["Rogue", "Renamed"]).exists()


def test_team_lead_may_update_own_team_only(make_user):
    lead = make_user("service_owner")
    own, other = TeamFactory(lead=lead), TeamFactory()
    services.team_update(actor=lead, team=own, description="We run payments")
    with pytest.raises(PermissionDenied):
        services.team_update(actor=lead, team=other, description="Hijacked")
    assert Team.objects.get(pk=other.pk).description == ""


def test_orgunit_create_needs_permission(make_user):
    with pytest.raises(PermissionDenied):
        services.orgunit_create(actor=make_user("cab_member"), name="Rogue")
    with pytest.raises(PermissionDenied):
        services.orgunit_create(actor=None, name="Rogue")
    assert not OrgUnit.objects.filter(name="Rogue").exists()


def test_delete_audited_records_the_last_state(gov):
    unit = OrgUnitFactory(name="Gone", slug="gone")
    pk = unit.pk
    services.delete_audited(unit, actor=gov, reason="merged", verb=AuditVerb.ORGUNIT_DELETE)
    assert not OrgUnit.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.reason, entry.after) == (
        AuditAction.DELETE,
        str(pk),
        "merged",
        None,
    )
    assert entry.before["name"] == "Gone"


def test_org_unit_and_team_fields_are_named_once():
    from bimodal.core.api.serializers import OrgUnitWriteSerializer, TeamWriteSerializer
    from bimodal.core.forms import TeamForm
    from bimodal.core.tests.fieldspec import spec_mismatches

    assert not spec_mismatches(
        services.ORGUNIT_FIELDS,
        services={services.orgunit_create: (), services.orgunit_update: ("org_unit",)},
        serializer=OrgUnitWriteSerializer,
    )
    assert not spec_mismatches(
        services.TEAM_FIELDS,
        services={services.team_create: (), services.team_update: ("team",)},
        serializer=TeamWriteSerializer,
        form=TeamForm,
        form_omits=("slug",),  # the page derives the slug from the name
    )


def test_a_drifting_field_is_reported():
    from bimodal.core.tests.fieldspec import spec_mismatches

    problems = spec_mismatches((*services.TEAM_FIELDS, "budget"), services={services.team_create: ()})
    assert problems == ["team_create: ['budget']"]


def test_update_changes_only_the_given_fields(gov):
    unit = services.orgunit_create(actor=gov, name="Payments", description="Cards and transfers")
    services.orgunit_update(actor=gov, org_unit=unit, name="Payments & Cards")
    unit.refresh_from_db()
    assert (unit.name, unit.description) == ("Payments & Cards", "Cards and transfers")
    services.orgunit_update(actor=gov, org_unit=unit, head=None, description="")
    unit.refresh_from_db()
    assert (unit.head, unit.description) == (None, "")


@pytest.mark.django_db
def test_a_missing_permission_is_refused_in_its_words_not_its_key(make_user):
    with pytest.raises(PermissionDenied) as refused:
        services.require_perm(make_user(), "knowledge.review_article")
    assert str(refused.value.args[0]) == services.permission_refusal("knowledge.review_article")
    assert "review_article" not in str(refused.value) and str(refused.value).startswith("You may not ")
    assert services.permission_refusal("nothing.such_thing") == "You do not have the permission this needs."
