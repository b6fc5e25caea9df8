"""Writes of the insights app: the transition log (called from the service desk, changes and
integrations), the DORA facts and maturity assessments. Other apps write `from bimodal.insights import
services`; the modules are `transitions`, `facts` and `maturity`."""

from bimodal.insights.services.facts import FACTS_OVERLAP, dora_facts_refresh
from bimodal.insights.services.maturity import (
    DEFAULT_AREAS,
    capability_area_create,
    capability_areas_seed,
    maturity_assessment_record,
    maturity_assessment_update,
)
from bimodal.insights.services.settings import metric_settings_update
from bimodal.insights.services.transitions import (
    NEXT_BACKFILL_SQL,
    record_change,
    record_deployment,
    record_ticket,
    record_ticket_assigned,
    ticket_party,
    transition_next_backfill,
    transition_record,
    transition_record_bulk,
)

__all__ = [
    "DEFAULT_AREAS",
    "FACTS_OVERLAP",
    "NEXT_BACKFILL_SQL",
    "capability_area_create",
    "capability_areas_seed",
    "dora_facts_refresh",
    "maturity_assessment_record",
    "maturity_assessment_update",
    "metric_settings_update",
    "record_change",
    "record_deployment",
    "record_ticket",
    "record_ticket_assigned",
    "ticket_party",
    "transition_next_backfill",
    "transition_record",
    "transition_record_bulk",
]
