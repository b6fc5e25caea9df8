"""Models of the portfolio, one module per area: the catalogue (modes, capabilities, regulatory tags, services
and their dependencies), assessment (questionnaires, criteria, assessments, reclassification proposals) and
migration pathways (steps and readiness criteria)."""

from __future__ import annotations

from bimodal.portfolio.models.assessment import (
    Assessment,
    AssessmentQuerySet,
    Criterion,
    CriterionQuerySet,
    ProposalQuerySet,
    Questionnaire,
    QuestionnaireQuerySet,
    ReclassificationProposal,
    validate_mode_weights,
    validate_options,
)
from bimodal.portfolio.models.catalogue import (
    RESERVED_SERVICE_SLUGS,
    BusinessCapability,
    Mode,
    RegulatoryTag,
    Service,
    ServiceDependency,
    ServiceDependencyQuerySet,
    ServiceQuerySet,
    hex_colour,
    not_reserved_slug,
)
from bimodal.portfolio.models.pathways import (
    MigrationPathway,
    PathwayQuerySet,
    PathwayStep,
    PathwayStepQuerySet,
    ReadinessCriterion,
    ReadinessCriterionQuerySet,
)

__all__ = [
    "RESERVED_SERVICE_SLUGS",
    "Assessment",
    "AssessmentQuerySet",
    "BusinessCapability",
    "Criterion",
    "CriterionQuerySet",
    "MigrationPathway",
    "Mode",
    "PathwayQuerySet",
    "PathwayStep",
    "PathwayStepQuerySet",
    "ProposalQuerySet",
    "Questionnaire",
    "QuestionnaireQuerySet",
    "ReadinessCriterion",
    "ReadinessCriterionQuerySet",
    "ReclassificationProposal",
    "RegulatoryTag",
    "Service",
    "ServiceDependency",
    "ServiceDependencyQuerySet",
    "ServiceQuerySet",
    "hex_colour",
    "not_reserved_slug",
    "validate_mode_weights",
    "validate_options",
]
