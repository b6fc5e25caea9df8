"""What every maker shares: a side of the organisation (`Side`, `make_side`) and the registry of makers
(`MAKERS`, filled by the `@maker` functions of this package's other modules)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory, UserFactory
from bimodal.portfolio.models import (
    Service,
)
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.suppliers.models import Supplier

_numbers = itertools.count(1)


@dataclass
class Side:
    """One supplier's part of the organisation and the people whose view of it is restricted."""

    label: str
    admin: User
    supplier: Supplier
    org_unit: OrgUnit
    team: Team  # internal team owning `service`: `owner` leads it, `member` is in it
    desk: Team  # a service-desk group with `desk_agent` in it
    queue: Team  # the supplier's queue with `agent` in it
    service: Service
    owner: User
    member: User
    requester: User
    desk_agent: User
    agent: User

    def name(self, kind: str) -> str:
        """A name unique in the database that says which side it belongs to."""
        return f"{self.label}-{kind}-{next(_numbers)}"

    @property
    def people(self) -> dict[str, User]:
        return {
            "owner": self.owner,
            "member": self.member,
            "requester": self.requester,
            "desk_agent": self.desk_agent,
            "agent": self.agent,
        }


def make_side(label: str, admin: User) -> Side:
    """A supplier, its queue and agent, an internal team owning a live Mode 1 service it supports, a
    service-desk group, and a person in each restricted role."""
    supplier = SupplierFactory(name=f"{label} supplier", slug=f"{label}-supplier")
    org_unit = OrgUnitFactory(name=f"{label} division", slug=f"{label}-division")
    owner = UserFactory(username=f"{label}-owner", roles=["service_owner"])
    member = UserFactory(username=f"{label}-member", roles=["product_team_member"])
    requester = UserFactory(username=f"{label}-requester", roles=["requester"])
    desk_agent = UserFactory(username=f"{label}-desk", roles=["service_desk_agent"])
    agent = UserFactory(username=f"{label}-agent", roles=["supplier_agent"], supplier=supplier)
    team = TeamFactory(
        name=f"{label} team", slug=f"{label}-team", org_unit=org_unit, lead=owner, members=[owner, member]
    )
    desk = TeamFactory(name=f"{label} desk", slug=f"{label}-desk", org_unit=org_unit, members=[desk_agent])
    queue = TeamFactory(
        name=f"{label} queue", slug=f"{label}-queue", org_unit=org_unit, supplier=supplier, members=[agent]
    )
    service = ServiceFactory(
        name=f"{label} service",
        slug=f"{label}-service",
        owner_team=team,
        service_owner=owner,
        supplier=supplier,
        mode=mode("mode-1"),
    )
    return Side(
        label,
        admin,
        supplier,
        org_unit,
        team,
        desk,
        queue,
        service,
        owner,
        member,
        requester,
        desk_agent,
        agent,
    )


MAKERS: dict[str, Callable[[Side], models.Model]] = {}


def maker(label: str):
    def register(fn):
        MAKERS[label] = fn
        return fn

    return register


def make(model: type[models.Model], side: Side) -> models.Model:
    return MAKERS[model._meta.label](side)
