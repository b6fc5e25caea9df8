"""The organisation the house-rule tests run against: two sides (suppliers "alpha" and "beta", each with
an internal team, a service-desk group and people in the restricted roles), one row of every listed model
on each side, an administrator and a person in no role."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.db import models, transaction
from django.test import override_settings

from bimodal.core.models import User
from bimodal.core.tests.factories import UserFactory
from tests.house_rules.makers import MAKERS, Side, make_side

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@dataclass
class World:
    """Who is who, and the rows made for each model on each side."""

    admin: User
    auditor: User
    nobody: User
    alpha: Side
    beta: Side
    rows: dict[str, list[models.Model]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # figures the tests of a module share

    def of(self, model: type[models.Model]) -> list[models.Model]:
        """The rows made for `model` (alpha's first), reloaded so that no test sees another's changes."""
        return [type(obj)._default_manager.get(pk=obj.pk) for obj in self.rows[model._meta.label]]

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.alpha, self.beta


def build_world() -> World:
    admin = UserFactory(username="house-admin", is_superuser=True, is_staff=True)
    auditor = UserFactory(username="house-auditor", roles=["auditor"])
    nobody = UserFactory(username="house-nobody")
    world = World(admin, auditor, nobody, alpha=make_side("alpha", admin), beta=make_side("beta", admin))
    for label, make in MAKERS.items():
        world.rows[label] = [make(side) for side in world.sides]
    return world


@pytest.fixture
def small(db):
    """An organisation of one side, an administrator and an auditor, and no other rows: for measuring
    lists, which show a page of 25 or 50 rows. `rows` holds what the makers add (none yet)."""
    admin = UserFactory(username="small-admin", is_superuser=True)
    auditor = UserFactory(username="small-auditor", roles=["auditor"])
    return SimpleNamespace(admin=admin, auditor=auditor, alpha=make_side("alpha", admin), rows={})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once per module inside a transaction rolled back after the module.

    Tests take `db` as well: their own transaction nests inside this one, so what a test writes (a write
    that should have been refused, say) is undone before the next test."""
    with django_db_blocker.unblock(), FAST_HASHER:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
