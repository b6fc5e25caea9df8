"""Writes of the changes app, one module per seam: change records and their state machine, CAB votes and
rescheduling (`records`), pipeline tokens, the deployment gate and deployment results (`gate`), change
windows and freezes (`windows`), the standard-change catalogue (`templates`), and the helpers they share:
references, transitions, risk assessment and approval requirements (`base`). Other apps import from this package, not from its modules."""

from __future__ import annotations

from bimodal.changes.services.base import (
    CHANGE_FIELDS,
    TOKEN_PREFIX,
    S,
    assess,
)
from bimodal.changes.services.gate import (
    GATE_ATTEMPTS,
    RESULT_TO_STATUS,
    deployment_record_result,
    gate_decide,
    pipeline_token_create,
    pipeline_token_revoke,
)
from bimodal.changes.services.records import (
    RESCHEDULABLE,
    STANDARD_FROM_TEMPLATE,
    change_assess,
    change_cancel,
    change_close,
    change_complete,
    change_create,
    change_reschedule,
    change_review,
    change_schedule,
    change_start,
    change_submit,
    change_update,
    change_vote,
)
from bimodal.changes.services.templates import (
    REVIEW_DAYS,
    REVIEW_FAILURE_THRESHOLD,
    REVIEW_MIN_CHANGES,
    TEMPLATE_FIELDS,
    change_create_from_template,
    may_approve_template,
    template_approve,
    template_propose,
    template_retire,
    template_revise,
    template_suspend,
    template_usage,
    templates_review,
)
from bimodal.changes.services.windows import (
    WINDOW_FIELDS,
    window_create,
    window_end,
    window_update,
)

__all__ = [
    "CHANGE_FIELDS",
    "GATE_ATTEMPTS",
    "RESCHEDULABLE",
    "RESULT_TO_STATUS",
    "REVIEW_DAYS",
    "REVIEW_FAILURE_THRESHOLD",
    "REVIEW_MIN_CHANGES",
    "STANDARD_FROM_TEMPLATE",
    "TEMPLATE_FIELDS",
    "TOKEN_PREFIX",
    "WINDOW_FIELDS",
    "S",
    "assess",
    "change_assess",
    "change_cancel",
    "change_close",
    "change_complete",
    "change_create",
    "change_create_from_template",
    "change_reschedule",
    "change_review",
    "change_schedule",
    "change_start",
    "change_submit",
    "change_update",
    "change_vote",
    "deployment_record_result",
    "gate_decide",
    "may_approve_template",
    "pipeline_token_create",
    "pipeline_token_revoke",
    "template_approve",
    "template_propose",
    "template_retire",
    "template_revise",
    "template_suspend",
    "template_usage",
    "templates_review",
    "window_create",
    "window_end",
    "window_update",
]
