"""Portfolio write services: services, reclassification, dependencies and mode presets."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio import services
from bimodal.portfolio.models import BusinessCapability, Mode, RegulatoryTag, Service, ServiceDependency
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(slug="payments", name="Payments")


@pytest.fixture
def owner(make_user, team):
    return make_user("service_owner", teams=[team], username="owner")


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gov")


def _count() -> tuple[int, int, int]:
    return Service.objects.count(), ServiceDependency.objects.count(), AuditEntry.objects.count()


def _last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


# --- services ------------------------------------------------------------------------------------


def test_service_create_writes_the_service_and_one_entry(owner, team):
    pci = RegulatoryTag.objects.create(name="PCI DSS")
    services_before, _, entries_before = _count()
    service = services.service_create(
        actor=owner,
        name="Card Payments",
        mode=mode("mode-1"),
        owner_team=team,
        regulatory_tags=[pci],
        availability_target=Decimal("99.95"),
    )
    assert service.slug == "card-payments"
    assert list(service.regulatory_tags.all()) == [pci]
    assert _count()[0] == services_before + 1
    assert AuditEntry.objects.count() == entries_before + 1
    entry = _last_entry()
    assert (entry.action, entry.verb, entry.actor, entry.object_id) == (
        AuditAction.CREATE,
        "service_create",
        owner,
        str(service.pk),
    )
    assert entry.before is None
    assert entry.after["name"] == "Card Payments"
    assert entry.after["mode_id"] == mode("mode-1").pk
    assert entry.after["regulatory_tags"] == [pci.pk]
    assert entry.after["availability_target"] == "99.950"  # as the column stores it


def test_service_create_refuses_a_team_the_actor_is_not_in(owner):
    other = TeamFactory(slug="mobile")
    before = _count()
    with pytest.raises(PermissionDenied):
        services.service_create(actor=owner, name="Sneaky", mode=mode(), owner_team=other)
    assert _count() == before


def test_service_create_allows_the_team_lead(make_user):
    lead = make_user("service_owner")
    team = TeamFactory(lead=lead)
    assert services.service_create(actor=lead, name="Led", mode=mode(), owner_team=team).owner_team == team


def test_service_create_with_manage_all_services_needs_no_membership(gov):
    service = services.service_create(actor=gov, name="Anywhere", mode=mode(), owner_team=TeamFactory())
    assert Service.objects.filter(pk=service.pk).exists()


def test_service_create_needs_add_permission(make_user, team):
    member = make_user("product_team_member", teams=[team])
    with pytest.raises(PermissionDenied):
        services.service_create(actor=member, name="Nope", mode=mode(), owner_team=team)
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    "fields, bad_field",
    [
        ({"criticality": 9}, "criticality"),
        ({"documentation_url": "not a url"}, "documentation_url"),
        ({"availability_target": Decimal("100.5")}, "availability_target"),
        ({"lifecycle": "zombie"}, "lifecycle"),
        ({"slug": "has spaces"}, "slug"),
    ],
)
def test_service_create_validation_writes_nothing(owner, team, fields, bad_field):
    before = _count()
    with pytest.raises(ValidationError) as exc:
        services.service_create(actor=owner, name="Broken", mode=mode(), owner_team=team, **fields)
    assert bad_field in exc.value.message_dict
    assert _count() == before


def test_service_create_duplicate_name_writes_nothing(owner, team):
    ServiceFactory(name="Ledger", slug="ledger", owner_team=team)
    before = _count()
    with pytest.raises(ValidationError) as exc:
        services.service_create(actor=owner, name="Ledger", slug="ledger-2", mode=mode(), owner_team=team)
    assert "name" in exc.value.message_dict
    assert _count() == before


def test_service_update_records_before_and_after(owner, team):
    service = ServiceFactory(owner_team=team, criticality=2)
    entries = AuditEntry.objects.count()
    services.service_update(actor=owner, service=service, criticality=0, reason="now payments-critical")
    assert Service.objects.get(pk=service.pk).criticality == 0
    assert AuditEntry.objects.count() == entries + 1
    entry = _last_entry()
    assert (entry.action, entry.verb, entry.reason) == (
        AuditAction.UPDATE,
        "service_update",
        "now payments-critical",
    )
    assert entry.changed_fields == [("criticality", 2, 0)]


def test_service_update_without_change_writes_nothing(owner, team):
    tag = RegulatoryTag.objects.create(name="SOX")
    service = ServiceFactory(owner_team=team, availability_target=Decimal("99.900"))
    service.regulatory_tags.add(tag)
    service = Service.objects.get(pk=service.pk)
    entries = AuditEntry.objects.count()
    services.service_update(
        actor=owner,
        service=service,
        criticality=service.criticality,
        availability_target="99.9",
        regulatory_tags=[tag],
        mode=service.mode,
    )
    assert AuditEntry.objects.count() == entries


def test_service_update_refuses_a_mode_change(owner, team):
    service = ServiceFactory(owner_team=team)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.service_update(actor=owner, service=service, mode=mode("mode-2"), description="sneaky")
    assert "mode" in exc.value.message_dict
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.mode.key, fresh.description) == ("mode-1", "")
    assert AuditEntry.objects.count() == entries


def test_service_update_of_another_team_is_refused(owner):
    service = ServiceFactory(owner_team=TeamFactory())
    with pytest.raises(PermissionDenied):
        services.service_update(actor=owner, service=service, description="not mine")
    assert Service.objects.get(pk=service.pk).description == ""


def test_service_update_validation_writes_nothing(owner, team):
    service = ServiceFactory(owner_team=team)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.service_update(actor=owner, service=service, documentation_url="ftp:/nope", criticality=7)
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.documentation_url, fresh.criticality) == ("", 2)
    assert AuditEntry.objects.count() == entries


def test_service_change_mode_records_a_transition_with_the_reason(gov):
    service = ServiceFactory()
    entries = AuditEntry.objects.count()
    services.service_change_mode(
        actor=gov, service=service, mode=mode("mode-2"), reason="  moved to the cloud  "
    )
    assert Service.objects.get(pk=service.pk).mode.key == "mode-2"
    assert AuditEntry.objects.count() == entries + 1
    entry = _last_entry()
    assert (entry.action, entry.verb, entry.reason) == (
        AuditAction.TRANSITION,
        "service_change_mode",
        "moved to the cloud",
    )
    assert entry.changed_fields == [("mode_id", mode("mode-1").pk, mode("mode-2").pk)]
    assert audit.verify()[1] == []


def test_service_change_mode_needs_the_reclassify_permission(owner, team):
    service = ServiceFactory(owner_team=team)
    with pytest.raises(PermissionDenied):
        services.service_change_mode(actor=owner, service=service, mode=mode("mode-2"), reason="faster")
    assert Service.objects.get(pk=service.pk).mode.key == "mode-1"


@pytest.mark.parametrize("reason", ["", "   "])
def test_service_change_mode_needs_a_reason(gov, reason):
    service = ServiceFactory()
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.service_change_mode(actor=gov, service=service, mode=mode("mode-2"), reason=reason)
    assert "reason" in exc.value.message_dict
    assert Service.objects.get(pk=service.pk).mode.key == "mode-1"
    assert AuditEntry.objects.count() == entries


def test_service_change_mode_to_the_same_mode_is_refused(gov):
    service = ServiceFactory()
    with pytest.raises(ValidationError):
        services.service_change_mode(actor=gov, service=service, mode=mode("mode-1"), reason="no-op")


# --- dependencies ----------------------------------------------------------------------------------


@pytest.fixture
def abc(team):
    return [ServiceFactory(slug=s, name=s.upper(), owner_team=team) for s in ("a", "b", "c")]


def test_dependency_add_and_remove(owner, abc):
    a, b, _ = abc
    entries = AuditEntry.objects.count()
    edge = services.dependency_add(actor=owner, source=a, target=b, kind="data", description="nightly feed")
    edge_pk = edge.pk
    assert (edge.source, edge.target, edge.kind) == (a, b, "data")
    assert AuditEntry.objects.count() == entries + 1
    assert _last_entry().verb == "dependency_add"

    services.dependency_remove(actor=owner, dependency=edge, reason="feed retired")
    assert not ServiceDependency.objects.exists()
    entry = _last_entry()
    assert (entry.action, entry.verb, entry.reason, entry.object_id) == (
        AuditAction.DELETE,
        "dependency_remove",
        "feed retired",
        str(edge_pk),
    )
    assert entry.before["source_id"] == a.pk
    assert AuditEntry.objects.count() == entries + 2


def test_dependency_add_refuses_a_self_edge(owner, abc):
    a = abc[0]
    before = _count()
    with pytest.raises(ValidationError):
        services.dependency_add(actor=owner, source=a, target=a)
    assert _count() == before


def test_dependency_add_refuses_a_duplicate(owner, abc):
    a, b, _ = abc
    services.dependency_add(actor=owner, source=a, target=b)
    before = _count()
    with pytest.raises(ValidationError):
        services.dependency_add(actor=owner, source=a, target=b)
    assert _count() == before
    # The same pair with another kind is a different edge.
    services.dependency_add(actor=owner, source=a, target=b, kind="authentication")
    assert ServiceDependency.objects.filter(source=a, target=b).count() == 2


def test_dependency_add_refuses_a_cycle_of_the_same_kind(owner, abc):
    a, b, c = abc
    services.dependency_add(actor=owner, source=a, target=b)
    services.dependency_add(actor=owner, source=b, target=c)
    before = _count()
    with pytest.raises(ValidationError, match="cycle"):
        services.dependency_add(actor=owner, source=c, target=a)  # c → a → b → c
    with pytest.raises(ValidationError, match="cycle"):
        services.dependency_add(actor=owner, source=b, target=a)
    assert _count() == before


def test_dependency_add_allows_the_reverse_edge_of_another_kind(owner, abc):
    a, b, c = abc
    services.dependency_add(actor=owner, source=a, target=b, kind="runtime")
    services.dependency_add(actor=owner, source=b, target=c, kind="runtime")
    services.dependency_add(actor=owner, source=b, target=a, kind="data")
    services.dependency_add(actor=owner, source=c, target=a, kind="infrastructure")
    assert ServiceDependency.objects.count() == 4


def test_dependency_add_needs_change_on_the_source(owner, abc):
    foreign = ServiceFactory(owner_team=TeamFactory(slug="other"))
    before = _count()
    with pytest.raises(PermissionDenied):
        services.dependency_add(actor=owner, source=foreign, target=abc[0])
    # Depending on someone else's service is fine.
    services.dependency_add(actor=owner, source=abc[0], target=foreign)
    assert _count()[1] == before[1] + 1


def test_dependency_remove_needs_change_on_the_source(owner, make_user, abc):
    edge = DependencyFactory(source=abc[0], target=abc[1])
    outsider = make_user("product_team_member", teams=[TeamFactory(slug="other")])
    with pytest.raises(PermissionDenied):
        services.dependency_remove(actor=outsider, dependency=edge)
    assert ServiceDependency.objects.filter(pk=edge.pk).exists()


# --- reference data ----------------------------------------------------------------------------------


def test_capability_and_tag_get_or_create(gov, owner):
    cap = services.capability_get_or_create(actor=gov, name=" Payments ")
    assert cap.name == "Payments"
    assert services.capability_get_or_create(actor=owner, name="payments") == cap  # found, no perm needed
    tag = services.regulatory_tag_get_or_create(actor=gov, name="GDPR")
    assert services.regulatory_tag_get_or_create(actor=gov, name="gdpr") == tag
    assert (BusinessCapability.objects.count(), RegulatoryTag.objects.count()) == (1, 1)
    with pytest.raises(PermissionDenied):
        services.capability_get_or_create(actor=owner, name="Lending")
    with pytest.raises(PermissionDenied):
        services.regulatory_tag_get_or_create(actor=owner, name="SOX")


# --- modes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["bimodal", "trimodal", "pace-layered"])
def test_modes_apply_preset_is_idempotent(preset):
    first = services.modes_apply_preset(preset=preset)
    assert [m.key for m in first] == [spec["key"] for spec in PRESETS[preset]]
    assert [m.order for m in first] == list(range(1, len(PRESETS[preset]) + 1))
    modes, entries = Mode.objects.count(), AuditEntry.objects.count()

    again = services.modes_apply_preset(preset=preset)
    assert [m.pk for m in again] == [m.pk for m in first]
    assert (Mode.objects.count(), AuditEntry.objects.count()) == (modes, entries)
    for spec, saved in zip(PRESETS[preset], again, strict=True):
        fresh = Mode.objects.get(pk=saved.pk)
        assert {k: getattr(fresh, k) for k in spec} == spec


def test_modes_apply_preset_adds_to_existing_modes():
    assert set(Mode.objects.values_list("key", flat=True)) == {"mode-1", "mode-2"}  # seeded by migrate
    services.modes_apply_preset(preset="trimodal")
    assert set(Mode.objects.values_list("key", flat=True)) == {
        "mode-1",
        "mode-2",
        "pioneers",
        "settlers",
        "town-planners",
    }


def test_modes_apply_preset_restores_an_edited_mode(gov):
    mode_1 = mode("mode-1")
    services.mode_update(actor=gov, mode=mode_1, colour="#000000", reason="rebrand")
    entries = AuditEntry.objects.count()
    services.modes_apply_preset(preset="bimodal", actor=gov)
    assert Mode.objects.get(pk=mode_1.pk).colour == "#1f4e79"
    assert AuditEntry.objects.count() == entries + 1
    assert _last_entry().changed_fields == [("colour", "#000000", "#1f4e79")]


def test_modes_apply_preset_refuses_an_unknown_preset():
    before = (Mode.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.modes_apply_preset(preset="quadmodal")
    assert "preset" in exc.value.message_dict
    assert (Mode.objects.count(), AuditEntry.objects.count()) == before


def test_mode_update_needs_permission_and_validates(make_user, gov):
    with pytest.raises(PermissionDenied):
        services.mode_update(actor=make_user("cab_member"), mode=mode(), colour="#123456")
    with pytest.raises(ValidationError):
        services.mode_update(actor=gov, mode=mode(), colour="red")
    with pytest.raises(ValidationError) as refused:
        services.mode_update(actor=gov, mode=mode(), colour="#FFCC00")  # white on it: 1.6:1
    assert "hard to read" in refused.value.message_dict["colour"][0]
    assert mode().colour == "#1f4e79"


def test_a_mode_kept_in_an_older_light_colour_can_still_be_edited(gov):
    Mode.objects.filter(pk=mode().pk).update(colour="#e07a1f")
    services.mode_update(actor=gov, mode=mode(), colour="#E07A1F", name="Mode One")  # unchanged colour
    assert (mode().name, mode().colour.lower()) == ("Mode One", "#e07a1f")


def test_services_of_a_supplier(gov):
    supplier = SupplierFactory()
    service = services.service_create(
        actor=gov, name="Outsourced", mode=mode(), owner_team=TeamFactory(), supplier=supplier
    )
    assert Service.objects.get(pk=service.pk).supplier == supplier


def test_mode_and_service_fields_are_named_once():
    from bimodal.core.tests.fieldspec import spec_mismatches
    from bimodal.portfolio.api.serializers import ServiceWriteSerializer
    from bimodal.portfolio.forms import ModeForm, ServiceForm

    assert not spec_mismatches(
        services.MODE_FIELDS, services={services.mode_update: ("mode",)}, form=ModeForm
    )
    assert not spec_mismatches(
        services.SERVICE_FIELDS,
        services={services.service_create: (), services.service_update: ("service",)},
        serializer=ServiceWriteSerializer,
        form=ServiceForm,
        form_omits=("slug",),  # the service derives the slug from the name
    )


def test_service_update_changes_only_what_is_given(make_user):
    team = TeamFactory()
    owner = make_user("service_owner", teams=[team])
    service = services.service_create(
        actor=owner, name="Ledger", mode=mode(), owner_team=team, service_owner=owner, criticality=1
    )
    assert (service.lifecycle, service.hosting) == ("live", "on_premises")  # the model's defaults
    services.service_update(actor=owner, service=service, description="Books")
    service.refresh_from_db()
    assert (service.description, service.service_owner, service.criticality) == ("Books", owner, 1)
    services.service_update(actor=owner, service=service, service_owner=None)
    service.refresh_from_db()
    assert service.service_owner is None and service.description == "Books"
