"""Fixtures of the changes tests: a small estate in both modes with the default policies and a CAB."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bimodal.changes import services
from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.governance import engine
from bimodal.governance.defaults import apply_default_policies
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    engine._cache.update(signature=None, snapshot=None)
    yield
    engine._cache.update(signature=None, snapshot=None)


class Estate(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def estate(db):
    """Core banking (Mode 1, tier 0) used by the mobile app (Mode 2); users in every change role."""
    admin = UserFactory(username="root", is_superuser=True)
    owner = UserFactory(username="owen", roles=["service_owner"])
    dev = UserFactory(username="pat", roles=["product_team_member"])
    dev2 = UserFactory(username="pia", roles=["product_team_member"])
    manager = UserFactory(username="chris", roles=["change_manager"])
    cab1 = UserFactory(username="carla", roles=["cab_member"])
    cab2 = UserFactory(username="cora", roles=["cab_member"])
    auditor = UserFactory(username="audrey", roles=["auditor"])
    requester = UserFactory(username="rita", roles=["requester"])
    core_team = TeamFactory(slug="core-team", name="Core team", members=[owner])
    app_team = TeamFactory(slug="app-team", name="App team", members=[dev, dev2])
    core = ServiceFactory(
        slug="core-banking", name="Core Banking", mode=mode("mode-1"), owner_team=core_team, criticality=0
    )
    ledger = ServiceFactory(
        slug="general-ledger", name="General Ledger", mode=mode("mode-1"), owner_team=core_team, criticality=1
    )
    app = ServiceFactory(
        slug="mobile-app", name="Mobile App", mode=mode("mode-2"), owner_team=app_team, criticality=1
    )
    other = ServiceFactory(
        slug="chatbot", name="Chatbot", mode=mode("mode-2"), owner_team=app_team, criticality=3
    )
    DependencyFactory(source=app, target=core)
    apply_default_policies(actor=admin)
    from bimodal.governance.models import Forum

    Forum.objects.get(slug="cab").members.set([cab1, cab2, manager])
    return Estate(
        admin=admin,
        owner=owner,
        dev=dev,
        dev2=dev2,
        manager=manager,
        cab1=cab1,
        cab2=cab2,
        auditor=auditor,
        requester=requester,
        core=core,
        ledger=ledger,
        app=app,
        other=other,
    )


@pytest.fixture
def saturday():
    """A slot a week ahead (inside the window the tests create)."""
    start = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    return start, start + timedelta(hours=2)


def make_template(estate, *, name="Restart a Kubernetes deployment", modes=("mode-2",), owner=None, **fields):
    """An approved standard-change template of the catalogue: proposed by a developer (or `owner`),
    approved by the change manager."""
    values = dict(
        implementation_plan="kubectl rollout restart deployment/<name>; watch the rollout status.",
        backout_plan="kubectl rollout undo deployment/<name>.",
        test_plan="Smoke tests and the service's golden signals for 15 minutes.",
        review_date=timezone.localdate() + timedelta(days=180),
        risk_ceiling=60,
    )
    values.update(fields)
    template = services.template_propose(
        actor=owner or estate.dev, name=name, modes=[mode(key) for key in modes], **values
    )
    return services.template_approve(actor=estate.manager, template=template)


@pytest.fixture
def template(estate):
    """An approved template for every Mode 2 service."""
    return make_template(estate)
