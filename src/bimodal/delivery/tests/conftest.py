"""Fixtures of the delivery tests: people in every delivery role, a portfolio board, org units of each
governance model."""

from datetime import date

import pytest

from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory
from bimodal.delivery import services
from bimodal.governance.models import Forum
from bimodal.portfolio.tests.factories import ServiceFactory, mode


class Estate(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def estate(db):
    """Gloria (governance lead) and Carla chair and sit on the portfolio board; Owen (service owner) leads the
    core team; Pat (product team member) is in the app squad; Rita requests; Audrey audits."""
    gloria = UserFactory(username="gloria", roles=["governance_lead"])
    carla = UserFactory(username="carla", roles=["cab_member"])
    owen = UserFactory(username="owen", roles=["service_owner"])
    pat = UserFactory(username="pat", roles=["product_team_member"])
    pia = UserFactory(username="pia", roles=["product_team_member"])
    rita = UserFactory(username="rita", roles=["requester"])
    audrey = UserFactory(username="audrey", roles=["auditor"])
    central = OrgUnitFactory(slug="technology", name="Technology", governance_model="centralised")
    agile_unit = OrgUnitFactory(slug="digital", name="Digital", governance_model="agile")
    core_team = TeamFactory(slug="core-team", name="Core team", org_unit=central, lead=owen, members=[owen])
    squad = TeamFactory(slug="squad", name="App squad", org_unit=agile_unit, kind="product", members=[pat])
    core = ServiceFactory(slug="core-banking", name="Core Banking", mode=mode("mode-1"), owner_team=core_team)
    app = ServiceFactory(slug="mobile-app", name="Mobile App", mode=mode("mode-2"), owner_team=squad)
    board = Forum.objects.create(
        name="Portfolio board", slug="portfolio-board", kind="portfolio_board", quorum=2, chair=gloria
    )
    board.members.set([gloria, carla])
    return Estate(
        gloria=gloria,
        carla=carla,
        owen=owen,
        pat=pat,
        pia=pia,
        rita=rita,
        audrey=audrey,
        central=central,
        agile_unit=agile_unit,
        core_team=core_team,
        squad=squad,
        core=core,
        app=app,
        board=board,
        mode1=mode("mode-1"),
        mode2=mode("mode-2"),
    )


@pytest.fixture
def waterfall(estate):
    """Owen's Mode 1 waterfall initiative for 2026, with its six phases and gates."""
    return services.initiative_create(
        actor=estate.owen,
        name="Core banking upgrade",
        approach="waterfall",
        mode=estate.mode1,
        org_unit=estate.central,
        team=estate.core_team,
        baseline_start=date(2026, 1, 1),
        baseline_end=date(2026, 12, 31),
    )


@pytest.fixture
def agile(estate):
    """The squad's Mode 2 agile initiative for the first half of 2026, two stories in progress at most."""
    return services.initiative_create(
        actor=estate.gloria,
        name="Mobile onboarding",
        approach="agile",
        mode=estate.mode2,
        org_unit=estate.agile_unit,
        team=estate.squad,
        baseline_start=date(2026, 1, 1),
        baseline_end=date(2026, 6, 30),
        wip_limits={"in_progress": 2},
    )
