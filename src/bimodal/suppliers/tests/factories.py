"""Factories and a small two-supplier world for the suppliers tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk.tests.factories import ScheduleFactory
from bimodal.suppliers import services
from bimodal.suppliers.models import Contract

TWENTY_FOUR_SEVEN = {"always_on": True, "hours": {}, "country": "", "subdivision": ""}


class ContractFactory(factory.django.DjangoModelFactory):
    """A draft contract for a year."""

    class Meta:
        model = Contract

    supplier = factory.SubFactory(SupplierFactory)
    reference = factory.Sequence(lambda n: f"CT-{n:04d}")
    title = "Managed service"
    start_date = date(2026, 1, 1)
    end_date = date(2026, 12, 31)
    value = Decimal("365000")
    schedule = factory.SubFactory(ScheduleFactory, **TWENTY_FOUR_SEVEN)


def active_contract(admin, supplier, services_=(), *, targets=None, **fields) -> Contract:
    """An active contract through the services, with targets {(priority, target): (minutes, credit)}."""
    defaults = {
        "reference": f"CT-{supplier.slug}",
        "title": f"{supplier.name} managed service",
        "start_date": timezone.localdate() - timedelta(days=365),
        "end_date": timezone.localdate() + timedelta(days=365),
        "value": Decimal("365000"),
        "schedule": ScheduleFactory(slug=f"247-{supplier.slug}", **TWENTY_FOUR_SEVEN),
    }
    contract = services.contract_create(
        actor=admin, supplier=supplier, services=list(services_), **{**defaults, **fields}
    )
    for (priority, target), (minutes, credit) in (targets or {}).items():
        services.contract_set_target(
            actor=admin,
            contract=contract,
            priority=priority,
            target=target,
            minutes=minutes,
            credit=Decimal(credit),
        )
    contract.status = "active"
    contract.save(update_fields=["status"])
    return contract


def two_suppliers(make_user):
    """Suppliers A and B, each with a queue, an agent, a contracted service; plus a desk and its agent."""
    admin = make_user(username="admin", is_superuser=True)
    a, b = SupplierFactory(slug="alpha", name="Alpha"), SupplierFactory(slug="beta", name="Beta")
    desk = TeamFactory(slug="desk", name="Desk")
    qa = TeamFactory(slug="alpha-ops", name="Alpha ops", supplier=a)
    qb = TeamFactory(slug="beta-ops", name="Beta ops", supplier=b)
    sa = ServiceFactory(slug="svc-a", mode=mode("mode-1"), lifecycle="live", supplier=a)
    sb = ServiceFactory(slug="svc-b", mode=mode("mode-1"), lifecycle="live", supplier=b)
    uncontracted = ServiceFactory(slug="svc-a-old", mode=mode("mode-1"), lifecycle="live", supplier=a)
    targets = {
        ("P4", "response"): (60, "10"),
        ("P4", "resolution"): (240, "100"),
        ("P1", "resolution"): (60, "500"),
    }
    ca = active_contract(admin, a, [sa], targets=targets)
    cb = active_contract(admin, b, [sb], targets=targets)
    return {
        "admin": admin,
        "a": a,
        "b": b,
        "desk": desk,
        "qa": qa,
        "qb": qb,
        "sa": sa,
        "sb": sb,
        "uncontracted": uncontracted,
        "ca": ca,
        "cb": cb,
        "agent": make_user("service_desk_agent", teams=[desk], username="agent"),
        "agent_a": make_user("supplier_agent", teams=[qa], supplier=a, username="agent_a"),
        "agent_b": make_user("supplier_agent", teams=[qb], supplier=b, username="agent_b"),
        "gov": make_user("governance_lead", username="gov"),
        "requester": make_user("requester", username="req"),
    }
