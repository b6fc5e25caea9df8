"""Object restriction: which rows each kind of user may view and change, and the 404/403 helper."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from bimodal.core.models import Team
from bimodal.core.permissions import can, get_restricted_object
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory
from bimodal.portfolio.models import Service, ServiceDependency
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory
from bimodal.suppliers.models import Supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    """Two suppliers, three teams, five services and a few users with hand-picked relationships."""
    w = SimpleNamespace()
    w.acme, w.globex = SupplierFactory(slug="acme"), SupplierFactory(slug="globex")
    unit = OrgUnitFactory()
    w.lead = make_user("service_owner", username="lead")
    w.member = make_user("product_team_member", username="member")
    w.owner = make_user("service_owner", username="owner")
    w.payments = TeamFactory(slug="payments", org_unit=unit, lead=w.lead, members=[w.member])
    w.mobile = TeamFactory(slug="mobile", org_unit=unit)
    w.vendor = TeamFactory(slug="vendor", org_unit=unit, supplier=w.acme)

    # slug, team, lifecycle, supplier, service owner
    w.core = ServiceFactory(slug="core", owner_team=w.payments, supplier=w.acme)
    w.cards = ServiceFactory(slug="cards", owner_team=w.payments, lifecycle="in_development")
    w.app = ServiceFactory(slug="app", owner_team=w.mobile, service_owner=w.owner)
    w.beta = ServiceFactory(slug="beta", owner_team=w.mobile, lifecycle="proposed", supplier=w.acme)
    w.old = ServiceFactory(slug="old", owner_team=w.vendor, lifecycle="retired", supplier=w.globex)

    # edge name: source → target
    w.app_core = DependencyFactory(source=w.app, target=w.core)
    w.cards_core = DependencyFactory(source=w.cards, target=w.core)
    w.beta_app = DependencyFactory(source=w.beta, target=w.app)
    w.core_old = DependencyFactory(source=w.core, target=w.old)

    w.agent = make_user("supplier_agent", username="agent", supplier=w.acme)
    w.requester = make_user("requester", username="requester")
    w.cab = make_user("cab_member", username="cab")
    w.gov = make_user("governance_lead", username="gov")
    w.nobody = make_user(username="nobody")
    w.inactive = make_user("governance_lead", username="inactive", is_active=False)
    w.root = make_user(username="root", is_superuser=True)
    return w


def _slugs(queryset) -> set[str]:
    rows = list(queryset)
    assert len(rows) == len(set(rows)), "restriction must not return duplicate rows"
    return {row.slug for row in rows}


def _edges(queryset) -> set[str]:
    rows = list(queryset)
    assert len(rows) == len(set(rows))
    return {f"{e.source.slug}>{e.target.slug}" for e in rows}


ALL_SERVICES = {"core", "cards", "app", "beta", "old"}
ALL_EDGES = {"app>core", "cards>core", "beta>app", "core>old"}


@pytest.mark.parametrize(
    "user, expected",
    [
        ("anonymous", set()),
        ("inactive", set()),
        ("nobody", set()),
        ("root", ALL_SERVICES),
        ("gov", ALL_SERVICES),
        ("cab", ALL_SERVICES),
        ("member", ALL_SERVICES),
        ("agent", {"core", "beta"}),
        ("requester", {"core", "app"}),
    ],
)
def test_service_view(world, user, expected):
    person = AnonymousUser() if user == "anonymous" else getattr(world, user)
    assert _slugs(Service.objects.restrict(person, "view")) == expected
    assert Service.objects.restrict(person).count() == len(expected)


@pytest.mark.parametrize(
    "user, expected",
    [
        ("anonymous", set()),
        ("inactive", set()),
        ("nobody", set()),
        ("cab", set()),  # no change_service permission at all
        ("agent", set()),
        ("requester", set()),
        ("root", ALL_SERVICES),
        ("gov", ALL_SERVICES),
        ("member", {"core", "cards"}),  # member of payments
        ("lead", {"core", "cards"}),  # lead (not member) of payments
        ("owner", {"app"}),  # service owner of app, in no team
    ],
)
def test_service_change(world, user, expected):
    person = AnonymousUser() if user == "anonymous" else getattr(world, user)
    assert _slugs(Service.objects.restrict(person, "change")) == expected


def test_service_change_has_no_duplicates_when_several_rules_match(world):
    world.payments.members.add(world.lead)  # lead and member of payments …
    world.core.service_owner = world.lead  # … and service owner of core
    world.core.save()
    queryset = Service.objects.restrict(world.lead, "change")
    assert queryset.count() == 2
    assert _slugs(queryset) == {"core", "cards"}


def test_none_is_no_user(world):
    assert Service.objects.restrict(None).count() == 0


@pytest.mark.parametrize(
    "user, action, expected",
    [
        ("anonymous", "view", set()),
        ("nobody", "view", set()),
        ("root", "view", ALL_EDGES),
        ("cab", "view", ALL_EDGES),
        ("agent", "view", set()),  # both ends must be services the agent sees: old and app are not acme's
        ("requester", "view", set()),  # requesters have no view_servicedependency
        ("gov", "change", ALL_EDGES),
        ("member", "change", {"cards>core", "core>old"}),  # consumer owned by payments
        ("owner", "change", {"app>core"}),
        ("owner", "delete", {"app>core"}),
        ("cab", "change", set()),
    ],
)
def test_dependency_restriction(world, user, action, expected):
    person = AnonymousUser() if user == "anonymous" else getattr(world, user)
    assert _edges(ServiceDependency.objects.restrict(person, action)) == expected


def test_a_supplier_agent_sees_edges_between_services_they_see(world):
    inside = DependencyFactory(source=world.core, target=world.beta)  # both acme's (no contract yet)
    assert set(ServiceDependency.objects.restrict(world.agent, "view")) == {inside}


def test_dependency_view_without_view_all_needs_both_ends_live(world):
    # A role with view_servicedependency but not view_all_services, and no supplier.
    from django.contrib.auth.models import Permission

    user = world.nobody
    user.user_permissions.add(
        Permission.objects.get(codename="view_servicedependency"),
        Permission.objects.get(codename="view_service"),
    )
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert _edges(ServiceDependency.objects.restrict(user, "view")) == {"app>core"}


@pytest.mark.parametrize(
    "user, action, expected",
    [
        ("anonymous", "view", set()),
        ("requester", "view", set()),  # no view_team
        ("member", "view", {"payments", "mobile", "vendor"}),
        ("agent", "view", {"vendor"}),
        ("member", "change", set()),  # no change_team
        ("lead", "change", {"payments"}),
        ("owner", "change", set()),  # has change_team but leads nothing
        ("gov", "change", {"payments", "mobile", "vendor"}),
        ("root", "delete", {"payments", "mobile", "vendor"}),
    ],
)
def test_team_restriction(world, user, action, expected):
    person = AnonymousUser() if user == "anonymous" else getattr(world, user)
    assert _slugs(Team.objects.restrict(person, action)) == expected


@pytest.mark.parametrize(
    "user, action, expected",
    [
        ("anonymous", "view", set()),
        ("requester", "view", set()),
        ("cab", "view", {"acme", "globex"}),
        ("agent", "view", {"acme"}),
        ("cab", "change", set()),
        ("gov", "change", {"acme", "globex"}),
    ],
)
def test_supplier_restriction(world, user, action, expected):
    person = AnonymousUser() if user == "anonymous" else getattr(world, user)
    assert _slugs(Supplier.objects.restrict(person, action)) == expected


def test_get_restricted_object_returns_what_may_be_acted_on(world):
    assert get_restricted_object(Service.objects.all(), world.member, "change", slug="core") == world.core
    assert get_restricted_object(Service.objects.all(), world.requester, slug="app") == world.app


def test_get_restricted_object_is_404_when_invisible(world):
    with pytest.raises(Http404):
        get_restricted_object(Service.objects.all(), world.requester, slug="cards")
    with pytest.raises(Http404):
        get_restricted_object(Service.objects.all(), world.agent, "change", slug="app")
    with pytest.raises(Http404):
        get_restricted_object(Service.objects.all(), world.member, slug="does-not-exist")
    with pytest.raises(Http404):
        get_restricted_object(Service.objects.all(), AnonymousUser(), slug="core")


def test_get_restricted_object_is_403_when_visible_but_not_changeable(world):
    with pytest.raises(PermissionDenied):
        get_restricted_object(Service.objects.all(), world.member, "change", slug="app")
    with pytest.raises(PermissionDenied):
        get_restricted_object(Service.objects.all(), world.cab, "change", slug="core")
    with pytest.raises(PermissionDenied):
        get_restricted_object(Team.objects.all(), world.lead, "change", slug="mobile")


def test_can(world):
    assert can(world.member, "change", world.cards)
    assert not can(world.member, "change", world.app)
    assert can(world.owner, "change", world.app)
    assert can(world.agent, "view", world.beta)
    assert not can(world.agent, "view", world.app)
    assert not can(AnonymousUser(), "view", world.core)
    assert can(world.root, "delete", world.old)
