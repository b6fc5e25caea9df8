"""Writes of the changes app, one module per seam: change records and their state machine, CAB votes,
windows, freezes and rescheduling (`records`), pipeline tokens, the deployment gate and deployment results
(`gate`), release trains and the release a change joins (`releases`), and the helpers both use: references, transitions, risk assessment and approval requirements
(`base`). Other apps import from this package, not from its modules."""

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
    WINDOW_FIELDS,
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
    window_create,
    window_end,
    window_update,
)
from bimodal.changes.services.releases import (
    HORIZON_MONTHS,
    RELEASE_FIELDS,
    release_create,
    release_train_follow,
    release_train_generate,
    release_transition,
    release_update,
    resolve_release,
)

__all__ = [
    "CHANGE_FIELDS",
    "GATE_ATTEMPTS",
    "HORIZON_MONTHS",
    "RELEASE_FIELDS",
    "RESCHEDULABLE",
    "RESULT_TO_STATUS",
    "TOKEN_PREFIX",
    "WINDOW_FIELDS",
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
    "release_create",
    "release_train_follow",
    "release_train_generate",
    "release_transition",
    "release_update",
    "resolve_release",
    "window_create",
    "window_end",
    "window_update",
]
