"""Mode presets: bimodal (default), trimodal (Pioneers / Settlers / Town Planners) and pace layers.

Every mode of a preset has its place on the axis from stability (0.00) to exploration (1.00): the
questionnaire scores a service against these places, so the order of a preset's list does not matter.
These definitions are the only place that names a preset's mode keys."""

from __future__ import annotations

from decimal import Decimal

from bimodal.portfolio.choices import ChangeApproval, KpiSet, ReleaseCadence, RiskAppetite

_STABLE = {
    "change_approval": ChangeApproval.CAB,
    "release_cadence": ReleaseCadence.QUARTERLY,
    "change_windows_required": True,
    "standard_changes_preapproved": False,
    "deployment_gate": False,
    "kpi_set": KpiSet.STABILITY,
    "risk_appetite": RiskAppetite.LOW,
}
_MIDDLE = {
    "change_approval": ChangeApproval.PEER_REVIEW,
    "release_cadence": ReleaseCadence.MONTHLY,
    "change_windows_required": False,
    "standard_changes_preapproved": True,
    "deployment_gate": True,
    "kpi_set": KpiSet.BOTH,
    "risk_appetite": RiskAppetite.MEDIUM,
}
_AGILE = {
    "change_approval": ChangeApproval.AUTOMATED,
    "release_cadence": ReleaseCadence.ON_DEMAND,
    "change_windows_required": False,
    "standard_changes_preapproved": True,
    "deployment_gate": True,
    "kpi_set": KpiSet.FLOW,
    "risk_appetite": RiskAppetite.HIGH,
}

PRESETS: dict[str, list[dict]] = {
    "bimodal": [
        {
            "key": "mode-1",
            "exploration": Decimal("0.00"),
            "short_name": "Mode 1",
            "name": "Stability",
            "colour": "#1f4e79",
            "description": "Heritage systems where the cost of change is high and demand for change is low: "
            "reliability first, CAB approval, change windows, 24×7 operations, regulatory evidence.",
            **_STABLE,
        },
        {
            "key": "mode-2",
            "exploration": Decimal("1.00"),
            "short_name": "Mode 2",
            "name": "Agility",
            "colour": "#b45309",
            "description": "Digital services where change is cheap and demand is high: CI/CD, pre-approved "
            "standard changes, deploy on demand, experiments, measured by DORA.",
            **_AGILE,
        },
    ],
    "trimodal": [
        {
            "key": "pioneers",
            "exploration": Decimal("1.00"),
            "short_name": "Pioneers",
            "name": "Explore",
            "colour": "#c0392b",
            "description": "Novel, uncertain work: experiments and prototypes, fast feedback, high failure "
            "tolerance.",
            **_AGILE,
        },
        {
            "key": "settlers",
            "exploration": Decimal("0.50"),
            "short_name": "Settlers",
            "name": "Productise",
            "colour": "#b45309",
            "description": "Turn proven prototypes into products: growing scale, rising reliability, "
            "peer-reviewed change.",
            **_MIDDLE,
        },
        {
            "key": "town-planners",
            "exploration": Decimal("0.00"),
            "short_name": "Town Planners",
            "name": "Industrialise",
            "colour": "#1f4e79",
            "description": "Commodity, industrialised services: efficiency, stability and scale, "
            "strict change control.",
            **_STABLE,
        },
    ],
    "pace-layered": [
        {
            "key": "systems-of-record",
            "exploration": Decimal("0.00"),
            "short_name": "Record",
            "name": "Systems of Record",
            "colour": "#1f4e79",
            "description": "Core transaction processing and master data; changes slowly, governed tightly.",
            **_STABLE,
        },
        {
            "key": "systems-of-differentiation",
            "exploration": Decimal("0.50"),
            "short_name": "Differentiation",
            "name": "Systems of Differentiation",
            "colour": "#2a7a4f",
            "description": "Capabilities unique to the company; change every few months.",
            **_MIDDLE,
        },
        {
            "key": "systems-of-innovation",
            "exploration": Decimal("1.00"),
            "short_name": "Innovation",
            "name": "Systems of Innovation",
            "colour": "#b45309",
            "description": "New, experimental applications for emerging needs; change constantly.",
            **_AGILE,
        },
    ],
}

# ---- SLA profiles ----------------------------------------------------------------------------------
# What an incident of each priority is promised, by a mode's place on the axis: stable modes run 24×7
# operations with tight restoration targets, exploratory ones (build it, run it) accept longer ones.
# `bimodal setup` writes them as SLA definitions scoped to each mode (servicedesk/defaults.py); tickets of
# other types and priorities fall back to the definitions for every mode. Seconds on a 24×7 schedule.
_MIN, _HOUR = 60, 3600
SLA_PROFILES: dict[Decimal, dict[str, tuple[int, int]]] = {
    # place on the axis: {incident priority: (response, resolution)}
    Decimal("0.00"): {"P1": (15 * _MIN, 2 * _HOUR), "P2": (30 * _MIN, 4 * _HOUR)},
    Decimal("0.50"): {"P1": (15 * _MIN, 4 * _HOUR), "P2": (1 * _HOUR, 8 * _HOUR)},
    Decimal("1.00"): {"P1": (30 * _MIN, 8 * _HOUR), "P2": (2 * _HOUR, 24 * _HOUR)},
}


def sla_profile(exploration: Decimal) -> dict[str, tuple[int, int]]:
    """The SLA profile of the place nearest a mode's place on the axis (on a tie, the more stable one)."""
    place = min(SLA_PROFILES, key=lambda p: (abs(p - Decimal(exploration)), p))
    return SLA_PROFILES[place]
