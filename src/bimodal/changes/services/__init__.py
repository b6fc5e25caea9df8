"""Writes of the changes app, one module per seam: change records and their state machine and CAB votes
(`records`), windows, freezes and rescheduling (`slots`), the checks at the moment a change starts
(`checks`), pipeline tokens, the deployment gate and deployment results (`gate`), the gate's
idempotency keys (`idempotency`), and the helpers all use: references, transitions, risk assessment
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
    deployment_record_result,
    gate_decide,
    pipeline_token_create,
    pipeline_token_revoke,
)
from bimodal.changes.services.idempotency import GateKeyReused
from bimodal.changes.services.records import (
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
from bimodal.changes.services.slots import (
    RESCHEDULABLE,
    WINDOW_FIELDS,
    change_reschedule,
    window_create,
    window_end,
    window_update,
)

__all__ = [
    "CHANGE_FIELDS",
    "GATE_ATTEMPTS",
    "RESCHEDULABLE",
    "RESULT_TO_STATUS",
    "START_TOLERANCE",
    "TOKEN_PREFIX",
    "WINDOW_FIELDS",
    "GateKeyReused",
    "S",
    "assess",
    "change_assess",
    "change_cancel",
    "change_close",
    "change_complete",
    "change_create",
    "change_reschedule",
    "change_review",
    "change_schedule",
    "change_start",
    "change_submit",
    "change_update",
    "change_vote",
    "deployment_record_result",
    "gate_decide",
    "pipeline_token_create",
    "pipeline_token_revoke",
    "window_create",
    "window_end",
    "window_update",
]
