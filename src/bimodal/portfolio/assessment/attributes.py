"""Answers a service's catalogue attributes imply (criticality, regulation, hosting, lifecycle)."""

from __future__ import annotations

from collections.abc import Mapping

_CRITICALITY = {0: "very_high", 1: "high", 2: "medium", 3: "low"}
_TECHNOLOGY_AGE = {
    "mainframe": "very_high",
    "on_premises": "high",
    "hybrid": "medium",
    "private_cloud": "medium",
    "saas": "low",
    "public_cloud": "low",
}
_UNCERTAINTY = {"proposed": "high", "in_development": "high"}


def answers_from_attributes(attributes: Mapping[str, object]) -> dict[str, str]:
    """Answers that a service's catalogue attributes imply (criticality, regulation, hosting, lifecycle).

    Attributes are weak evidence: they answer only the criteria they say something about."""
    answers: dict[str, str] = {}
    criticality = attributes.get("criticality")
    if criticality not in (None, ""):
        answers["business_criticality"] = _CRITICALITY.get(int(criticality), "medium")
    tags = attributes.get("regulatory_tags")
    if tags is not None:
        count = tags if isinstance(tags, int) else len(tags)
        answers["regulatory_burden"] = ["none", "low", "medium", "high", "very_high"][min(count, 4)]
    hosting = attributes.get("hosting")
    if hosting in _TECHNOLOGY_AGE:
        answers["technology_age"] = _TECHNOLOGY_AGE[hosting]
    lifecycle = attributes.get("lifecycle")
    if lifecycle in _UNCERTAINTY:
        answers["requirement_uncertainty"] = _UNCERTAINTY[lifecycle]
    return answers
