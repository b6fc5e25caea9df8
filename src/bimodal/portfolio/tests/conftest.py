"""Fixtures of the portfolio's page tests: a team, a small estate of services, a governance lead."""

from __future__ import annotations

import pytest

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode


@pytest.fixture
def team():
    return TeamFactory(name="Core Banking Platform", slug="core-banking-platform")


@pytest.fixture
def estate(team):
    """Core banking (Mode 1) ← mobile app (Mode 2) ← chatbot; the general ledger stands alone."""
    core = ServiceFactory(name="Core Banking", slug="core-banking", owner_team=team, criticality=0)
    app = ServiceFactory(
        name="Mobile Banking App", slug="mobile-banking-app", mode=mode("mode-2"), owner_team=team
    )
    bot = ServiceFactory(name="Chatbot", slug="chatbot", mode=mode("mode-2"), owner_team=team, criticality=3)
    ledger = ServiceFactory(
        name="General Ledger", slug="general-ledger", owner_team=team, description="Books"
    )
    DependencyFactory(source=app, target=core, kind="runtime")
    DependencyFactory(source=bot, target=app, kind="data")
    return {"core": core, "app": app, "bot": bot, "ledger": ledger}


@pytest.fixture
def lead(make_user):
    return make_user("governance_lead")
