"""Writes of the changes app, one module per seam: change records and their state machine and CAB votes
(`records`), windows, freezes and rescheduling (`slots`), the checks at the moment a change starts
(`checks`), pipeline tokens (`tokens`), the deployment gate and deployment results (`gate`), the gate's
idempotency keys (`idempotency`), the standard-change catalogue (`templates`), release trains and the
release a change joins (`releases`), and the helpers all use: references, transitions, risk assessment
and approval requirements (`base`). Other apps import from this package, not from its modules."""

from __future__ import annotations

from bimodal.changes.services.base import (
    CHANGE_FIELDS,
    TOKEN_PREFIX,
    S,
    assess,
)
from bimodal.changes.services.checks import START_TOLERANCE
from bimodal.changes.services.gate import (
    GATE_ATTEMPTS,
    RESULT_TO_STATUS,
    GateTokenRevoked,
    deployment_record_result,
    gate_decide,
)
from bimodal.changes.services.idempotency import GateKeyReused
from bimodal.changes.services.records import (
    STANDARD_FROM_TEMPLATE,
    change_assess,
    change_cancel,
    change_close,
    change_complete,
    change_create,
    change_review,
    change_schedule,
    change_start,
    change_submit,
    change_update,
    change_vote,
)
from bimodal.changes.services.releases import (
    HORIZON_MONTHS,
    RELEASE_FIELDS,
    release_create,
    release_train_follow,
    release_train_generate,
    release_trains_extend,
    release_transition,
    release_update,
    resolve_release,
)
from bimodal.changes.services.slots import (
    RESCHEDULABLE,
    WINDOW_FIELDS,
    change_reschedule,
    window_create,
    window_end,
    window_update,
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
from bimodal.changes.services.tokens import pipeline_token_create, pipeline_token_revoke

__all__ = [
    "CHANGE_FIELDS",
    "GATE_ATTEMPTS",
    "HORIZON_MONTHS",
    "RELEASE_FIELDS",
    "RESCHEDULABLE",
    "RESULT_TO_STATUS",
    "REVIEW_DAYS",
    "REVIEW_FAILURE_THRESHOLD",
    "REVIEW_MIN_CHANGES",
    "STANDARD_FROM_TEMPLATE",
    "START_TOLERANCE",
    "TEMPLATE_FIELDS",
    "TOKEN_PREFIX",
    "WINDOW_FIELDS",
    "GateKeyReused",
    "GateTokenRevoked",
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
    "release_create",
    "release_train_follow",
    "release_train_generate",
    "release_trains_extend",
    "release_transition",
    "release_update",
    "resolve_release",
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
