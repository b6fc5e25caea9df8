"""Pages of the portfolio app, one module per area: the catalogue and modes, one service's pages, assessment
(the map, assessments, proposals), migration pathways and questionnaires.

Reads start from the user's restricted querysets (or the selectors); writes go through `services` or
`csvio`. A refused write is a 403; an invalid one is shown on the form and writes nothing."""

from __future__ import annotations

from bimodal.portfolio.views.assessment import (
    assessment_detail,
    assessment_list,
    portfolio_map,
    proposal_create,
    proposal_detail,
    proposal_list,
    service_assess,
)
from bimodal.portfolio.views.base import (
    HISTORY_LENGTH,
    PER_PAGE,
)
from bimodal.portfolio.views.catalogue import (
    mode_detail,
    mode_list,
    service_create,
    service_export,
    service_import,
    service_import_template,
    service_list,
    service_options,
)
from bimodal.portfolio.views.pathways import (
    pathway_create,
    pathway_detail,
    pathway_edit,
    pathway_list,
    pathway_readiness_add,
    pathway_step_add,
    pathway_step_edit,
)
from bimodal.portfolio.views.questionnaires import (
    criterion_add,
    criterion_edit,
    criterion_remove,
    questionnaire_detail,
)
from bimodal.portfolio.views.service import (
    dependency_add,
    dependency_remove,
    service_change_mode,
    service_detail,
    service_edit,
)

__all__ = [
    "HISTORY_LENGTH",
    "PER_PAGE",
    "assessment_detail",
    "assessment_list",
    "criterion_add",
    "criterion_edit",
    "criterion_remove",
    "dependency_add",
    "dependency_remove",
    "mode_detail",
    "mode_list",
    "pathway_create",
    "pathway_detail",
    "pathway_edit",
    "pathway_list",
    "pathway_readiness_add",
    "pathway_step_add",
    "pathway_step_edit",
    "portfolio_map",
    "proposal_create",
    "proposal_detail",
    "proposal_list",
    "questionnaire_detail",
    "service_assess",
    "service_change_mode",
    "service_create",
    "service_detail",
    "service_edit",
    "service_export",
    "service_import",
    "service_import_template",
    "service_list",
    "service_options",
]
