"""Writes of the governance app, one module per seam: policy versions (`policies`), forums and their meetings
(`forums`), decision types and decision rights (`decision_rights`), decision requests and their decisions
(`decisions`). Other apps import from this package, not from its modules."""

from __future__ import annotations

from bimodal.governance.services.decision_rights import (
    DECISION_TYPE_FIELDS,
    DEFAULT_DECISION_TYPES,
    decision_right_remove,
    decision_right_set,
    decision_rights_save,
    decision_type_create,
    decision_type_get,
    decision_type_update,
    decision_types_ensure,
    parse_party,
)
from bimodal.governance.services.decisions import (
    decision_record,
    decision_request_open,
    decision_request_withdraw,
    holds_step,
    may_decide,
    sits_on,
)
from bimodal.governance.services.forums import (
    FORUM_FIELDS,
    agenda_item_add,
    agenda_item_record,
    forum_create,
    forum_update,
    meeting_build_agenda,
    meeting_cancel,
    meeting_create,
    meeting_record_attendance,
    meeting_record_minutes,
)
from bimodal.governance.services.policies import (
    POLICY_FIELDS,
    policy_create,
    policy_try,
    policy_update,
)
from bimodal.governance.services.profiles import (
    ensure_cab,
    profile_policies_apply,
    profile_policies_preview,
)

__all__ = [
    "DECISION_TYPE_FIELDS",
    "DEFAULT_DECISION_TYPES",
    "FORUM_FIELDS",
    "POLICY_FIELDS",
    "agenda_item_add",
    "agenda_item_record",
    "decision_record",
    "decision_request_open",
    "decision_request_withdraw",
    "decision_right_remove",
    "decision_right_set",
    "decision_rights_save",
    "decision_type_create",
    "decision_type_get",
    "decision_type_update",
    "decision_types_ensure",
    "ensure_cab",
    "forum_create",
    "forum_update",
    "holds_step",
    "may_decide",
    "meeting_build_agenda",
    "meeting_cancel",
    "meeting_create",
    "meeting_record_attendance",
    "meeting_record_minutes",
    "parse_party",
    "policy_create",
    "policy_try",
    "policy_update",
    "profile_policies_apply",
    "profile_policies_preview",
    "sits_on",
]
