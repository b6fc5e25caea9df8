"""Portfolio models: text, URLs, database constraints and the related-rows helper."""

import pytest
from django.db import IntegrityError, transaction

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio.models import BusinessCapability, Mode, RegulatoryTag, Service, ServiceDependency
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode

pytestmark = pytest.mark.django_db


def test_text_of_each_model():
    assert str(mode("mode-1")) == "Mode 1 — Stability"
    assert str(Mode(name="Unnamed", short_name="")) == "Unnamed"
    assert str(BusinessCapability(name="Payments")) == "Payments"
    assert str(RegulatoryTag(name="PCI DSS")) == "PCI DSS"
    a, b = ServiceFactory(name="Core Ledger"), ServiceFactory(name="Cards")
    assert str(a) == "Core Ledger"
    assert str(DependencyFactory(source=b, target=a, kind="data")) == "Cards → Core Ledger (Data feed)"


def test_urls():
    assert mode("mode-2").get_absolute_url() == "/portfolio/modes/mode-2/"
    assert ServiceFactory(slug="core-ledger").get_absolute_url() == "/portfolio/services/core-ledger/"


def test_seeded_modes_follow_the_bimodal_preset():
    assert [(m.key, m.order, m.change_approval, m.deployment_gate) for m in Mode.objects.all()] == [
        ("mode-1", 1, "cab", False),
        ("mode-2", 2, "automated", True),
    ]


def test_services_are_ordered_by_name():
    team = TeamFactory()
    for name in ["Zeta", "Alpha", "Mu"]:
        ServiceFactory(name=name, slug=name.lower(), owner_team=team)
    assert list(Service.objects.values_list("name", flat=True)) == ["Alpha", "Mu", "Zeta"]


def test_the_database_refuses_a_self_dependency():
    service = ServiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceDependency.objects.create(source=service, target=service)


def test_the_database_refuses_a_duplicate_edge_of_the_same_kind():
    a, b = ServiceFactory(), ServiceFactory()
    ServiceDependency.objects.create(source=a, target=b, kind="runtime")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceDependency.objects.create(source=a, target=b, kind="runtime")
    ServiceDependency.objects.create(source=a, target=b, kind="data")
    assert ServiceDependency.objects.filter(source=a, target=b).count() == 2


def test_a_service_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    a, b = ServiceFactory(), ServiceFactory()
    DependencyFactory(source=a, target=b)
    with pytest.raises(ProtectedError):
        b.delete()
    with pytest.raises(ProtectedError):
        mode("mode-1").delete()


def test_with_related_fetches_a_list_in_two_queries(django_assert_num_queries):
    team = TeamFactory()
    tag = RegulatoryTag.objects.create(name="SOX")
    for i in range(5):
        ServiceFactory(slug=f"s{i}", owner_team=team).regulatory_tags.add(tag)
    with django_assert_num_queries(2):
        rows = [
            (
                s.mode.key,
                s.owner_team.slug,
                s.capability,
                s.supplier,
                s.service_owner,
                [t.name for t in s.regulatory_tags.all()],
            )
            for s in Service.objects.with_related()
        ]
    assert rows[0] == ("mode-1", team.slug, None, None, None, ["SOX"])
    assert len(rows) == 5


def test_mode_colour_must_be_hex():
    from django.core.exceptions import ValidationError

    bad = Mode(key="x", name="X", short_name="X", colour="blue")
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert list(exc.value.message_dict) == ["colour"]


def test_reserved_slugs_are_refused_and_avoided(db):
    from django.core.exceptions import ValidationError

    from bimodal.core.services import unique_slug
    from bimodal.portfolio.models import Service
    from bimodal.portfolio.tests.factories import ServiceFactory

    service = ServiceFactory.build(slug="import", owner_team=ServiceFactory().owner_team)
    with pytest.raises(ValidationError) as excinfo:
        service.full_clean()
    assert "slug" in excinfo.value.message_dict
    assert unique_slug(Service, "New") == "new-2"
