"""Where an assessed service stands: its quadrant on the portfolio map and its TIME rating."""

from __future__ import annotations


def quadrant(cost_of_change: float | None, demand_for_change: float | None) -> str:
    """The heritage/digital quadrant of a point on the portfolio map (axes 0 … 100, split at 50)."""
    if cost_of_change is None or demand_for_change is None:
        return ""
    high_cost, high_demand = cost_of_change >= 50, demand_for_change >= 50
    if high_cost and not high_demand:
        return "Heritage — stabilise (Mode 1)"
    if high_demand and not high_cost:
        return "Digital — accelerate (Mode 2)"
    if high_cost and high_demand:
        return "Pressure — modernise, then move"
    return "Commodity — standardise or buy"


def time_rating(functional_fit: float | None, technical_fit: float | None) -> str:
    """Gartner's TIME: Tolerate, Invest, Migrate or Eliminate (fits 0 … 100, split at 50)."""
    if functional_fit is None or technical_fit is None:
        return ""
    good_function, good_technology = functional_fit >= 50, technical_fit >= 50
    if good_function and good_technology:
        return "invest"
    if good_function:
        return "migrate"
    if good_technology:
        return "tolerate"
    return "eliminate"
