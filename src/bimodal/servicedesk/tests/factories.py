"""Factories and a small service-desk world for the tests."""

from __future__ import annotations

import factory

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk.models import CatalogueItem, SlaDefinition, SupportSchedule

OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


class ScheduleFactory(factory.django.DjangoModelFactory):
    """London office hours with English bank holidays."""

    class Meta:
        model = SupportSchedule
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Schedule {n}")
    slug = factory.Sequence(lambda n: f"schedule-{n}")
    time_zone = "Europe/London"
    hours = factory.LazyFunction(lambda: OFFICE)
    country = "GB"
    subdivision = "ENG"


class SlaDefinitionFactory(factory.django.DjangoModelFactory):
    """A resolution target of 8 business hours for incidents."""

    class Meta:
        model = SlaDefinition

    name = factory.Sequence(lambda n: f"SLA {n}")
    target = "resolution"
    ticket_type = "incident"
    target_seconds = 8 * 3600
    schedule = factory.SubFactory(ScheduleFactory)
    pause_statuses = factory.LazyFunction(lambda: ["awaiting_customer"])
    warning_thresholds = factory.LazyFunction(lambda: [50, 75])


class CatalogueItemFactory(factory.django.DjangoModelFactory):
    """An HR item with a small form."""

    class Meta:
        model = CatalogueItem

    department = "hr"
    name = factory.Sequence(lambda n: f"Item {n}")
    slug = factory.Sequence(lambda n: f"item-{n}")
    service = factory.SubFactory(ServiceFactory)
    fulfilment_group = factory.SubFactory(TeamFactory)
    form_schema = factory.LazyFunction(
        lambda: [
            {"name": "sort_code", "type": "text", "required": True, "pattern": r"^\d{2}-\d{2}-\d{2}$"},
            {"name": "days", "type": "integer", "min": 1, "max": 30},
            {"name": "office", "type": "choice", "choices": ["London", "Leeds"]},
        ]
    )
    task_templates = factory.LazyFunction(lambda: [{"title": "Do it"}])


def world(make_user):
    """Two agent groups, a supplier queue, a requester, an agent of each and a Mode 1 service."""
    from bimodal.core.tests.factories import SupplierFactory

    supplier = SupplierFactory()
    desk = TeamFactory(name="Desk", slug="desk")
    other = TeamFactory(name="Other", slug="other")
    queue = TeamFactory(name="Atlas", slug="atlas", supplier=supplier)
    service = ServiceFactory(mode=mode("mode-1"), lifecycle="live")
    return {
        "service": service,
        "desk": desk,
        "other": other,
        "queue": queue,
        "supplier": supplier,
        "agent": make_user("service_desk_agent", teams=[desk], username="agent"),
        "other_agent": make_user("service_desk_agent", teams=[other], username="otheragent"),
        "supplier_agent": make_user("supplier_agent", teams=[queue], supplier=supplier, username="sup"),
        "requester": make_user("requester", username="req"),
        "requester2": make_user("requester", username="req2"),
        "auditor": make_user("auditor", username="aud"),
    }
